"""A hot path's statements sent on its session's own asyncpg connection, without SQLAlchemy's work
per statement (issue 20, docs/BENCHMARKS.md: the deadline rush).

Through an ORM session a statement costs the hub more CPU than its round trip: the compiled cache's
lookup, the schema map rendered into the SQL by a regular expression, the execution context, the
cursor's adaptation of asyncpg and the result's. ``first_row`` sends a statement built once (a
SQLAlchemy ``Select`` or ``TextClause``, so it is written and typed as every other statement) as
compiled once per tenant schema, on the connection and in the transaction of the session:

- **the same transaction**: the session's connection is the one checked out of the pool for it
  (``AsyncSession.connection``), and its transaction is begun as SQLAlchemy would begin it before
  the statement (the adapter's ``BEGIN``), so the statement commits or rolls back with the rest;
- **the same parameters**: each value goes through its type's bind processor (JSONB's serialiser);
  asyncpg's codecs, set on the connection by SQLAlchemy's dialect, read the results as they would;
- **the same errors**: a refusal of PostgreSQL is raised as SQLAlchemy's ``DBAPIError`` (its SQLSTATE
  on ``orig``), so the web answers it as any other (``hub.web.problems.database_refused``);
- **the same count**: the engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners
  are called with the SQL and its parameters (cursor and context ``None``), so the statement pins
  (``tests/e2e/test_bid_path_statements.py``) and the benches still count every statement.

``rows_in_autocommit`` does the same for a connection in autocommit (the catalogue's public search,
``federation.catalogue.statements.run``): every row, and no transaction to begin.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Executable
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hub.core.database import TENANT_SCHEMA


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement as asyncpg takes it: the SQL with ``$n`` and, for each ``$n``, the parameter's
    name, the value the statement itself binds (a literal it was built with: ``LIMIT 1``) and its
    type's bind processor (``None``: the value as it is)."""

    sql: str
    names: tuple[str, ...]
    defaults: tuple[Any, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = (parameters.get(n, d) for n, d in zip(self.names, self.defaults, strict=True))
        return [
            value if process is None else process(value)
            for value, process in zip(values, self.processors, strict=True)
        ]


@functools.lru_cache(maxsize=4096)
def compiled(statement: Executable, schema: str | None, dialect: Dialect) -> Compiled:
    """``statement`` compiled for ``dialect``, its tenant tables in ``schema``, once per process for
    each (a statement object is immutable, and the hot path's are built once)."""
    translate = {TENANT_SCHEMA: schema} if schema is not None else None
    done = statement.compile(  # type: ignore[attr-defined]  # every Executable here is a ClauseElement
        dialect=dialect, schema_translate_map=translate, render_schema_translate=translate is not None
    )
    names = tuple(done.positiontup or ())
    processors = done._bind_processors  # SQLAlchemy's, as its execution applies them
    bound = done.construct_params(_check=False)  # the literals' values; None for the caller's
    return Compiled(
        done.string, names, tuple(bound.get(n) for n in names), tuple(processors.get(n) for n in names)
    )


@functools.lru_cache(maxsize=1024)
def reaches_tenant(statement: Executable, dialect: Dialect) -> bool:
    """Whether ``statement`` names a tenant table. Compiled without a schema map, every tenant table
    is rendered in the placeholder schema (``tenant.bids``), so a statement whose SQL never names it
    (the token's standing, the audit append, the publication: ``hub`` tables and functions only) is
    the same SQL in every tenant's session, and ``compiled`` keeps one entry for it rather than one
    per schema (with 548 tenants the hot paths' statements would outgrow its bound). Erring is safe
    one way only, and that is the way it errs: any text naming the placeholder counts as a tenant's."""
    sql = compiled(statement, None, dialect).sql
    return f"{TENANT_SCHEMA}." in sql or f'"{TENANT_SCHEMA}".' in sql


class Row:
    """A row read by ``first_row``, its columns as attributes (as SQLAlchemy's ``Row``)."""

    __slots__ = ("_record",)

    def __init__(self, record: asyncpg.Record) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        try:
            return self._record[name]
        except KeyError:
            raise AttributeError(name) from None

    def mapping(self) -> dict[str, Any]:
        return dict(self._record.items())


async def first_row(
    session: AsyncSession, statement: Executable, parameters: Mapping[str, Any]
) -> Row | None:
    """The first row ``statement`` reads with ``parameters``, sent on the session's connection in its
    transaction (begun first if it was not); ``None`` if it reads none."""
    record = await _sent(session, statement, parameters, many=False)
    return None if record is None else Row(record)


async def all_rows(session: AsyncSession, statement: Executable, parameters: Mapping[str, Any]) -> list[Row]:
    """Every row ``statement`` reads with ``parameters``, sent as ``first_row`` sends it (a batch of
    bids judged in one statement, ``tenants.tenders.bidding.bidders``)."""
    records = await _sent(session, statement, parameters, many=True)
    return [Row(record) for record in records]


async def _sent(
    session: AsyncSession, statement: Executable, parameters: Mapping[str, Any], *, many: bool
) -> Any:
    sync = await _connection(session)
    schema = (sync.get_execution_options().get("schema_translate_map") or {}).get(TENANT_SCHEMA)
    if schema is not None and not reaches_tenant(statement, sync.dialect):
        schema = None  # the same SQL for every tenant: compiled once, not once per schema
    query = compiled(statement, schema, sync.dialect)
    arguments = query.arguments(parameters)
    adapter = sync.connection.dbapi_connection  # SQLAlchemy's asyncpg adapter
    assert adapter is not None
    dbapi = sync.dialect.loaded_dbapi
    events = sync._has_events or sync.engine._has_events  # as SQLAlchemy checks them
    if events:
        sync.dispatch.before_cursor_execute(sync, None, query.sql, arguments, None, False)
    try:
        async with adapter._execute_mutex:  # as the adapter's cursor holds it
            if adapter._transaction is None:
                await adapter._start_transaction()  # BEGIN, as before any statement
            driver = adapter.driver_connection
            fetched = await (driver.fetch if many else driver.fetchrow)(query.sql, *arguments)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, dbapi.Error) as failed:
        # Translated as SQLAlchemy's execution translates them (its SQLSTATE on ``orig`` or its
        # cause), so the web answers them as any other (a lock timeout 503, a unique key 409...).
        raise DBAPIError.instance(query.sql, None, _translated(adapter, failed), dbapi.Error) from failed
    if events:
        sync.dispatch.after_cursor_execute(sync, None, query.sql, arguments, None, False)
    return fetched


async def rows_in_autocommit(
    connection: AsyncConnection, statement: Executable, parameters: Mapping[str, Any]
) -> list[asyncpg.Record] | None:
    """Every row ``statement`` reads with ``parameters``, sent on ``connection`` as ``first_row``
    sends its statement, when ``connection`` is in autocommit (no transaction to begin: each
    statement is its own); ``None``, having sent nothing, when it is not (the caller then sends it
    through SQLAlchemy, which begins the transaction). Rows are asyncpg's records: indexed and sliced
    as tuples, their values what SQLAlchemy's row would hold (an array is a list either way)."""
    sync = connection.sync_connection
    assert sync is not None  # a connection in use is a started one
    adapter = sync.connection.dbapi_connection  # SQLAlchemy's asyncpg adapter
    assert adapter is not None
    if not adapter.autocommit:
        return None
    schema = (sync.get_execution_options().get("schema_translate_map") or {}).get(TENANT_SCHEMA)
    query = compiled(statement, schema, sync.dialect)
    arguments = query.arguments(parameters)
    dbapi = sync.dialect.loaded_dbapi
    events = sync._has_events or sync.engine._has_events
    if events:
        sync.dispatch.before_cursor_execute(sync, None, query.sql, arguments, None, False)
    try:
        async with adapter._execute_mutex:
            records: list[asyncpg.Record] = await adapter.driver_connection.fetch(query.sql, *arguments)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, dbapi.Error) as failed:
        raise DBAPIError.instance(query.sql, None, _translated(adapter, failed), dbapi.Error) from failed
    if events:
        sync.dispatch.after_cursor_execute(sync, None, query.sql, arguments, None, False)
    return records


async def flush_pending(session: AsyncSession) -> None:
    """What the ORM does before it executes a statement (autoflush): the session's pending changes
    sent first, so that a statement ``first_row`` sends after them reads and follows them as it
    would have through ``session.execute``. Nothing to send: no round trip, no greenlet."""
    if session.sync_session.autoflush and (session.new or session.dirty or session.deleted):
        await session.flush()


async def _connection(session: AsyncSession) -> Connection:
    """The session's connection in its transaction, asked of the session once per transaction (the
    hot path sends three statements, and each ask is a greenlet's round of the ORM)."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(_HELD)
    if transaction is not None and held is not None and held[0] is transaction and not held[1].invalidated:
        return held[1]  # type: ignore[no-any-return]
    sync = (await session.connection()).sync_connection
    assert sync is not None  # a session's connection is a started one
    session.info[_HELD] = (session.sync_session.get_transaction(), sync)
    return sync


_HELD = "lpse_hub_direct_connection"
"""The key of a session's ``info``: its transaction and that transaction's connection."""


def _translated(adapter: Any, error: Exception) -> Exception:
    """``error`` as the DBAPI error SQLAlchemy's asyncpg adapter makes of it (its own, as it is)."""
    try:
        adapter._handle_exception(error)  # raises the translated error
    except Exception as translated:  # whatever it raised is the answer
        return translated
    return error  # pragma: no cover  # it always raises
