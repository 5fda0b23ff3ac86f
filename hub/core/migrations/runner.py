"""Run the two Alembic histories: ``hub`` once, ``tenant`` in every tenant schema.

Alembic's scripts and revision graph are used as they are; the environment is ours, because a
tenant migration runs on a connection whose ``schema_translate_map`` points the placeholder
schema ``tenant`` at one real schema, and hundreds of them run concurrently within the pool.
Each schema keeps its own ``alembic_version`` table and migrates in one transaction, under a
transaction-level advisory lock so that two replicas never migrate the same schema at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, Table, bindparam, func, literal, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateSchema

from hub.core.database import HUB_SCHEMA, tenant_map
from hub.core.migrations.op import BoundOperations, current_operations

_HERE = Path(__file__).parent
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class History:
    """One line of migrations (``hub`` or ``tenant``) and where its scripts live."""

    name: str
    directory: Path

    @cached_property
    def scripts(self) -> ScriptDirectory:
        return ScriptDirectory(str(self.directory))

    @property
    def head(self) -> str | None:
        return self.scripts.get_current_head()


HUB_HISTORY = History("hub", _HERE / "hub")
TENANT_HISTORY = History("tenant", _HERE / "tenant")


@dataclass(frozen=True, slots=True)
class SchemaMigration:
    """What happened to one schema in a migration run."""

    schema: str
    before: str | None
    after: str | None
    error: str | None = None


def migrate_schema_sync(
    connection: Connection, history: History, schema: str, target: str = "head"
) -> tuple[str | None, str | None]:
    """Move ``schema`` to ``target`` on a connection already inside a transaction.

    Returns the revision before and after. Upgrades and downgrades are both accepted
    (``target`` "base" empties the schema of its tables).
    """
    scripts = history.scripts

    def steps(heads: Any, _context: MigrationContext) -> Any:
        current = heads[0] if heads else None
        if target == "base" or (
            current is not None and target not in ("head", current) and _is_ancestor(scripts, target, current)
        ):
            return scripts._downgrade_revs(target, heads)
        return scripts._upgrade_revs(target, heads)

    connection.execute(select(func.pg_advisory_xact_lock(func.hashtext(literal(f"migrate:{schema}")))))
    context = MigrationContext.configure(
        connection=connection,
        opts={"fn": steps, "version_table_schema": schema, "version_table": VERSION_TABLE},
    )
    before = context.get_current_revision()
    token = current_operations.set(BoundOperations(Operations(context), schema))
    try:
        context.run_migrations()
    finally:
        current_operations.reset(token)
    return before, context.get_current_revision()


def _is_ancestor(scripts: ScriptDirectory, ancestor: str, descendant: str) -> bool:
    return any(r.revision == ancestor for r in scripts.iterate_revisions(descendant, "base"))


async def migrate_hub(engine: AsyncEngine, target: str = "head") -> SchemaMigration:
    """Create the ``hub`` schema if needed and bring it to ``target``."""
    async with engine.begin() as connection:
        await connection.execute(CreateSchema(HUB_SCHEMA, if_not_exists=True))
        before, after = await connection.run_sync(migrate_schema_sync, HUB_HISTORY, HUB_SCHEMA, target)
    return SchemaMigration(HUB_SCHEMA, before, after)


async def migrate_tenant_schema(
    connection: AsyncConnection, schema: str, target: str = "head", history: History = TENANT_HISTORY
) -> tuple[str | None, str | None]:
    """Migrate one tenant schema on ``connection`` (inside the caller's transaction)."""
    await connection.execution_options(**tenant_map(schema))
    return await connection.run_sync(migrate_schema_sync, history, schema, target)


async def migrate_tenants(
    engine: AsyncEngine,
    schemas: Sequence[str],
    *,
    concurrency: int,
    target: str = "head",
    history: History = TENANT_HISTORY,
    on_done: Callable[[SchemaMigration], None] | None = None,
) -> list[SchemaMigration]:
    """Bring every schema in ``schemas`` to ``target``, ``concurrency`` at a time.

    Schemas already there are skipped without opening a transaction. A failing schema is
    reported in its result and does not stop the others.
    """
    current = await schema_revisions(engine, schemas)
    wanted = history.head if target == "head" else target
    results: list[SchemaMigration] = []
    limit = asyncio.Semaphore(concurrency)

    async def one(schema: str) -> None:
        if current.get(schema) == wanted:
            result = SchemaMigration(schema, wanted, wanted)
        else:
            async with limit:
                result = await _migrate_one(engine, schema, target, history)
        results.append(result)
        if on_done is not None:
            on_done(result)

    await asyncio.gather(*(one(schema) for schema in schemas))
    return sorted(results, key=lambda r: r.schema)


async def _migrate_one(engine: AsyncEngine, schema: str, target: str, history: History) -> SchemaMigration:
    try:
        async with engine.begin() as connection:
            before, after = await migrate_tenant_schema(connection, schema, target, history)
        return SchemaMigration(schema, before, after)
    except Exception as exc:  # reported per schema; the run carries on
        return SchemaMigration(schema, None, None, error=f"{type(exc).__name__}: {exc}".splitlines()[0])


async def schema_revisions(engine: AsyncEngine, schemas: Sequence[str]) -> dict[str, str | None]:
    """The revision of each schema in one round trip; ``None`` where it has no version table."""
    if not schemas:
        return {}
    async with engine.connect() as connection:
        present = (
            (
                await connection.execute(
                    select(_TABLES.c.table_schema)
                    .where(_TABLES.c.table_name == VERSION_TABLE)
                    .where(_TABLES.c.table_schema.in_(bindparam("schemas", expanding=True))),
                    {"schemas": list(schemas)},
                )
            )
            .scalars()
            .all()
        )
        revisions: dict[str, str | None] = dict.fromkeys(schemas)
        if present:
            query = union_all(
                *(
                    select(literal(schema).label("schema"), _version_table(schema).c.version_num)
                    for schema in present
                )
            )
            for schema, revision in (await connection.execute(query)).all():
                revisions[schema] = revision
    return revisions


_TABLES = Table(
    "tables",
    MetaData(),
    Column("table_schema", String),
    Column("table_name", String),
    schema="information_schema",
)


def _version_table(schema: str) -> Table:
    return Table(VERSION_TABLE, MetaData(), Column("version_num", String(32)), schema=schema)
