"""A new tenant schema built in one round trip from the statements its migrations run.

Running the tenant history into a new schema costs, for every tenant, Alembic's version-table
reads and the compilation in Python of each DDL construct, each statement then sent on its own
round trip. But a new schema starts empty, so its migrations always run the same statements;
only the schema's name differs. So the statements are recorded once per process, by running the
real migrations into a scratch schema inside a savepoint that is rolled back, and each new schema
then gets that script with its own name in it, sent as one query with ``CREATE SCHEMA`` and the
serving role's grants. Provisioning a tenant costs what PostgreSQL spends on the DDL, and little
more (docs/BENCHMARKS.md, "Issue 20: provisioning 548 tenants").

The result is the schema the migrations build: ``tests/integration/hub/core/test_schema_script.py``
compares the columns, constraints, indexes, triggers, functions, sequences and their state, types,
views, policies and row security, comments, storage, privileges and rows of both, for the shipped
history and for a later revision. Existing schemas are still upgraded by the migrations
(``migrate_tenants``); only a schema built from nothing takes this path. A history whose
migrations bind parameters cannot be replayed as a script, and then a new schema is migrated as
before.

Why the scratch name has the length of the real one: SQLAlchemy names some indexes after the
schema (``ix_t_3507_documents_tender_id``), and a name over 63 characters would be shortened
with a hash of the whole name. With names of equal length, substitution yields the names that
the migrations would have made. The scratch name (``t_$$$$`` for ``t_3507``) is a legal
unquoted identifier that no statement of ours contains otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import CreateSchema

from hub.core.database import tenant_map
from hub.core.migrations.privileges import grant_tenant_schema, tenant_grant_statements
from hub.core.migrations.runner import TENANT_HISTORY, History, migrate_tenant_schema

_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{2,62}$")
"""Names that SQLAlchemy leaves unquoted and that a scratch name of equal length can stand for."""

_MIGRATION_READS = re.compile(
    r"\s*SELECT\s+(pg_advisory_xact_lock\(|pg_catalog\.pg_class\.relname\s+FROM\s+pg_catalog\."
    r"|\S+\.alembic_version\.version_num\s+FROM\s)"
)
"""The reads the runner and Alembic make around the migrations (the lock, ``has_table``, the version):
left out of the script. Any other ``SELECT`` is a migration's own and is kept (``setval`` is one)."""


@dataclass(frozen=True, slots=True)
class _Recording:
    """What the migrations did to an empty scratch schema: their statements, and the relations left:
    ``tables``, every relation that ``GRANT ... ON ALL TABLES`` covers, and ``sequences``."""

    statements: tuple[str, ...]
    tables: frozenset[str]
    sequences: frozenset[str]


_scripts: dict[tuple[str, int], _Recording | None] = {}
"""The recordings by (history directory, schema-name length); ``None``: not replayable. Filled once
per process and length, and never changed after: a recording is a function of the history's files."""


async def create_tenant_schema(
    connection: AsyncConnection,
    schema: str,
    history: History = TENANT_HISTORY,
    *,
    serving_role: str | None = None,
) -> None:
    """Create ``schema`` at the head of ``history``, in the caller's transaction, as the
    migrations would, and grant ``serving_role`` what serving needs on it (``privileges``); the
    connection's tenant tables point at ``schema`` afterwards.

    A replayable history costs one round trip: ``CREATE SCHEMA``, the recorded statements and the
    grants go as one query (each round trip of a busy server costs as much as a small table)."""
    recording = await _recording(connection, schema, history)
    if recording is None:
        await connection.execute(CreateSchema(schema))
        await migrate_tenant_schema(connection, schema, history=history)
        if serving_role is not None:
            await grant_tenant_schema(connection, serving_role, schema)
        return
    statements = [f"CREATE SCHEMA {schema}", *_renamed(recording, schema)]
    if serving_role is not None:
        statements += tenant_grant_statements(
            connection, serving_role, schema, set(recording.tables), set(recording.sequences)
        )
    raw = await connection.get_raw_connection()
    try:
        await raw.driver_connection.execute(";\n".join(statements))  # type: ignore[union-attr]
    except asyncpg.PostgresError as refused:  # as SQLAlchemy raises it: callers read its SQLSTATE
        raise DBAPIError(statements[0], None, refused) from refused
    await connection.execution_options(**tenant_map(schema))


async def tenant_schema_script(
    connection: AsyncConnection, schema: str, history: History = TENANT_HISTORY
) -> str | None:
    """The statements that bring the empty ``schema`` to the head of ``history``, as one script;
    ``None`` if they cannot be replayed. The first call for a name of this length records them
    (in a savepoint of the caller's transaction, rolled back)."""
    recording = await _recording(connection, schema, history)
    return None if recording is None else ";\n".join(_renamed(recording, schema))


async def record_tenant_schema_scripts(
    connection: AsyncConnection, schemas: Iterable[str], history: History = TENANT_HISTORY
) -> None:
    """Record, before tenants are created concurrently, the script of every name length among
    ``schemas`` (in savepoints of the caller's transaction, rolled back): concurrent first callers
    would each record it, one after the other, as they wait for each other's scratch schema."""
    for schema in {len(schema): schema for schema in schemas}.values():
        await _recording(connection, schema, history)


async def _recording(connection: AsyncConnection, schema: str, history: History) -> _Recording | None:
    if not _PLAIN_NAME.match(schema):
        return None
    key = (str(history.directory), len(schema))
    if key not in _scripts:
        _scripts[key] = await _record(connection, history, _scratch_name(len(schema)))
    return _scripts[key]


def _renamed(recording: _Recording, schema: str) -> list[str]:
    scratch = _scratch_name(len(schema))
    return [statement.replace(scratch, schema) for statement in recording.statements]


def _scratch_name(length: int) -> str:
    return "t_" + "$" * (length - 2)


async def _record(connection: AsyncConnection, history: History, scratch: str) -> _Recording | None:
    """Run ``history`` into ``scratch`` in a savepoint, keep what it changed, and roll it back.

    The runner's and Alembic's reads (``_MIGRATION_READS``) are not part of the script: in a schema
    that nobody else can see yet there is nothing to read or to wait for. A statement with bound
    parameters cannot be replayed as text, and then the history is not replayable.
    """
    statements: list[str] = []
    replayable = True

    def record(_conn: Connection, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        nonlocal replayable
        if _MIGRATION_READS.match(statement):
            return
        if parameters:
            replayable = False
        statements.append(statement)

    savepoint = await connection.begin_nested()
    try:
        await connection.execute(CreateSchema(scratch))
        event.listen(connection.sync_connection, "before_cursor_execute", record)
        try:
            await migrate_tenant_schema(connection, scratch, history=history)
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", record)
        relations = (
            await connection.execute(
                text(
                    "SELECT c.relname, c.relkind = 'S' FROM pg_catalog.pg_class c"
                    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')"
                ),
                {"schema": scratch},
            )
        ).all()
    finally:
        await savepoint.rollback()
    if not replayable:
        return None
    tables = frozenset(name for name, sequence in relations if not sequence)
    return _Recording(tuple(statements), tables, frozenset(name for name, sequence in relations if sequence))
