"""The database layer: one engine and one pool for the whole hub, and the tenant schema map.

Tables shared by the hub live in the ``hub`` schema. A tenant's tables are declared in the
placeholder schema ``tenant`` and reach a real schema (``t_<code>``) only through the
``schema_translate_map`` of the connection that runs them, so a statement without a tenant
map fails ("schema tenant does not exist") instead of reaching some other tenant.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import DateTime, MetaData, event, func
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hub.core.settings import Settings

HUB_SCHEMA = "hub"
TENANT_SCHEMA = "tenant"
"""The placeholder schema of tenant tables, translated per tenant at execution time."""

_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Timestamps:
    """When a row was created and last changed, by the database clock."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class HubBase(DeclarativeBase):
    """Base of the tables in the shared ``hub`` schema."""

    metadata = MetaData(schema=HUB_SCHEMA, naming_convention=_NAMING)


class TenantBase(DeclarativeBase):
    """Base of the tables every tenant schema has, declared in the placeholder schema."""

    metadata = MetaData(schema=TENANT_SCHEMA, naming_convention=_NAMING)


def schema_of(code: str) -> str:
    """The schema that holds the tenant with this Kemendagri code."""
    return f"t_{code}"


def tenant_map(schema: str) -> dict[str, Any]:
    """Execution options that point tenant tables at ``schema``."""
    return {"schema_translate_map": {TENANT_SCHEMA: schema}}


def async_url(url: str, *, statement_cache_size: int = 100) -> URL:
    """The asyncpg form of a ``postgresql://`` URL, with the prepared-statement cache sized."""
    parsed = make_url(url)
    parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.update_query_dict({"prepared_statement_cache_size": str(statement_cache_size)})


def create_engine(
    settings: Settings,
    *,
    long_running: bool = False,
    as_owner: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncEngine:
    """The one engine (and pool) every tenant shares.

    It connects as the serving role (``database_url``), or with ``as_owner`` as the role that owns
    the schemas (``owner_database_url``, the same URL when there is none): only what changes schemas
    (migrations, provisioning, re-wrapping keys) asks for the owner.

    A request's statements are bounded by the settings' timeouts, so a slow or hung database
    answers 503 rather than holding the request (see ``connect_args``). ``long_running`` is for the
    commands whose statements may rightly take longer (migrations, provisioning a province, a
    catalogue rebuild, an audit verification): only the connect and pool timeouts bound them.
    ``clock`` (monotonic seconds) tells the pool how long a connection has been idle (tests only).
    """
    url = settings.schema_changing_url if as_owner else settings.database_url
    if url is None:
        raise ValueError("create_engine needs a database URL; start the embedded server first")
    engine = create_async_engine(
        async_url(url, statement_cache_size=settings.statement_cache_size),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_timeout=settings.database_pool_timeout_seconds,
        hide_parameters=True,  # errors and logs never show values: hashes, tokens, personal data
        connect_args=connect_args(settings, long_running=long_running),
    )
    _check_before_use(
        engine, settings.database_connect_timeout_seconds, settings.database_check_idle_seconds, clock
    )
    return engine


def _check_before_use(
    engine: AsyncEngine, seconds: float, idle_seconds: float, clock: Callable[[], float] = time.monotonic
) -> None:
    """Check a connection the pool hands out, as ``pool_pre_ping`` does, but within ``seconds``
    (SQLAlchemy's ping waits the whole command timeout on a hung server: 35 s, measured), and only
    when it has been idle in the pool longer than ``idle_seconds``: one used a moment ago is as
    alive as a check would find it, and a request takes two connections in a row (issue 20: 40
    checks a tender, 2.5 with this). A connection that fails the check, dead or hung, is replaced
    by a new one, whose opening the connect timeout bounds: a request on a hung database fails in
    twice the connect timeout, not the command timeout. The pool's own clock is the system's
    monotonic one (``clock`` is for tests): a simulated clock must not decide what is checked."""

    @event.listens_for(engine.sync_engine, "connect")
    def opened(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = clock()

    @event.listens_for(engine.sync_engine, "checkin")
    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = clock()

    @event.listens_for(engine.sync_engine, "checkout")
    def check(dbapi_connection: Any, record: Any, _proxy: object) -> None:
        idle = clock() - record.info.get(_RETURNED, float("-inf"))
        if idle <= idle_seconds:
            return
        try:
            _ping(dbapi_connection, seconds)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:  # OSError: timeouts too
            # Dropped at once: SQLAlchemy would say goodbye to a hung server and wait 2 s for it.
            dbapi_connection.driver_connection.terminate()
            raise DisconnectionError(f"a pooled connection failed its check: {exc!r}") from exc


_RETURNED = "lpse_hub_returned_at"
"""The key of a pooled connection's ``info``: when it was opened or last returned to the pool."""


def _ping(dbapi_connection: Any, seconds: float) -> None:
    """One round trip on the connection, within ``seconds`` (a module function: benches count it)."""
    dbapi_connection.run_async(lambda connection: connection.fetchrow(";", timeout=seconds))


def connect_args(settings: Settings, *, long_running: bool = False) -> dict[str, Any]:
    """What asyncpg opens every connection with: the connect timeout, the client-side command
    timeout (for a server that hangs and cannot cancel anything itself) and the server-side
    timeouts (for one that is merely slow: it cancels the statement and the connection lives on)."""
    server_settings = {"application_name": "lpse-hub"}
    if long_running:
        return {"timeout": settings.database_connect_timeout_seconds, "server_settings": server_settings}
    server_settings |= {
        "statement_timeout": _milliseconds(settings.database_statement_timeout_seconds),
        "lock_timeout": _milliseconds(settings.database_lock_timeout_seconds),
        "idle_in_transaction_session_timeout": _milliseconds(
            settings.database_idle_in_transaction_timeout_seconds
        ),
    }
    return {
        "timeout": settings.database_connect_timeout_seconds,
        "command_timeout": settings.database_command_timeout_seconds or None,
        "server_settings": server_settings,
    }


def _milliseconds(seconds: float) -> str:
    """A PostgreSQL timeout setting; ``0`` (disabled) stays ``0``, never rounds a small one to it."""
    return str(max(1, round(seconds * 1000)) if seconds > 0 else 0)


def connector(settings: Settings) -> Callable[[], Awaitable[asyncpg.Connection]]:
    """Opens a connection of its own, outside the pool, with the pool's timeouts (``connect_args``):
    for a listener that holds it for the process's lifetime (``tenants.registry.directory``)."""
    if settings.database_url is None:
        raise ValueError("connector needs a database URL; start the embedded server first")
    dsn = make_url(settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    arguments = connect_args(settings)

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(dsn, **arguments)

    return connect


def hub_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def tenant_session(engine: AsyncEngine, schema: str) -> AsyncSession:
    """A session whose tenant tables are those of ``schema``; hub tables stay reachable."""
    return AsyncSession(tenant_engine(engine, schema), expire_on_commit=False)


@functools.lru_cache(maxsize=1024)
def tenant_engine(engine: AsyncEngine, schema: str) -> AsyncEngine:
    """``engine`` with its tenant tables in ``schema``: the same pool, options of its own.

    Built once per engine and schema and kept (a bounded memo of immutable objects: an option
    engine's options never change, and it shares its parent's pool and listeners) rather than on
    every request: building one was 0.7% of the hub's samples in a deadline rush (issue 20,
    docs/BENCHMARKS.md). 1,024 covers a province's 548 tenants."""
    return engine.execution_options(**tenant_map(schema))
