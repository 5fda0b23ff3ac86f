"""The tenant registry held in memory by one app, kept current by PostgreSQL's ``LISTEN/NOTIFY``.

Every tenant request names its tenant, and reading the registry for it cost a pool checkout and a
statement per request (docs/BENCHMARKS.md, issue 5). A ``TenantDirectory`` belongs to one app (one
worker process; it lives in the app's state) and holds every tenant's ``TenantRef``, by slug and by
host name. It listens on its own connection, outside the pool, on ``CHANNEL``, which a trigger on
``hub.tenants`` and ``hub.tenant_hosts`` notifies on every change (hub migration ``h0021``): any
worker of any replica hears every committed change, and drops its copy when it does.

When the copy may be stale it is not used, and a request reads the registry as before:

- until the directory listens and has loaded (at start; while the database is down or hung);
- from a notification until the reload after it (a reload that raced a change is thrown away);
- when the listening connection is lost, at once (asyncpg's termination callback), until a new one
  listens and has reloaded;
- when the connection hangs silently: a heartbeat (``SELECT 1``) every ``heartbeat_seconds``
  confirms that every notification sent before it has arrived; a copy is served only within
  ``lease_seconds`` of the start of the last confirmation. That is the worst case for a suspension
  or a removal to reach a worker that did not hear it (docs/SECURITY.md);
- and a copy is reloaded every ``refresh_seconds`` in any case, so a change that was never notified
  (the trigger dropped by the schema's owner) is served stale for that long at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.clock import Clock
from hub.core.database import hub_sessions
from tenants.registry.models import TenantHost
from tenants.registry.tenants import REF_COLUMNS, TenantRef, bare_host, resolve_tenant

CHANNEL = "lpse_hub_tenants"
"""What the registry's trigger notifies (hub migration ``h0021``); the payload is empty."""

_POSTGRESQL = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]  # untyped in SQLAlchemy
_EVERY_TENANT = str(select(*REF_COLUMNS).compile(dialect=_POSTGRESQL))
_EVERY_HOST = str(select(TenantHost.host, TenantHost.tenant_id).compile(dialect=_POSTGRESQL))
_FAILURES = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)  # OSError: timeouts too
logger = logging.getLogger("hub.registry")

Connect = Callable[[], Awaitable[asyncpg.Connection]]


@dataclass(frozen=True, slots=True)
class _Copy:
    by_slug: Mapping[str, TenantRef]
    by_host: Mapping[str, TenantRef]
    confirmed_at: float
    """The clock's reading when the last confirmation (the load or a heartbeat) started."""
    loaded_at: float


class TenantDirectory:
    """Resolves a request's tenant from memory while its copy is known current, else from the
    database (``resolve_tenant``). ``run`` keeps the copy; the app runs it for its lifetime."""

    def __init__(
        self,
        engine: AsyncEngine,
        connect: Connect,
        clock: Clock,
        *,
        heartbeat_seconds: float = 1.0,
        lease_seconds: float = 3.0,
        reconnect_seconds: float = 1.0,
        refresh_seconds: float = 60.0,
    ) -> None:
        self._engine = engine
        self._connect = connect
        self._clock = clock
        self._heartbeat = heartbeat_seconds
        self._lease = lease_seconds
        self._reconnect = reconnect_seconds
        self._refresh = refresh_seconds
        self._copy: _Copy | None = None
        self._generation = 0  # counts notifications: a load that saw one start after it is stale
        self._reloading: asyncio.Future[None] | None = None
        self._connection: asyncpg.Connection | None = None
        self._talking = asyncio.Lock()  # one operation at a time on the listening connection
        self.loaded = asyncio.Event()
        """Set while a current copy is held (tests wait on it instead of sleeping)."""

    async def resolve(self, *, slug: str | None, host: str) -> TenantRef:
        """The tenant named by ``slug``, or else the one serving ``host``; ``TenantNotFound`` if none."""
        copy = self._copy
        if copy is None or self._clock.monotonic() - copy.confirmed_at > self._lease:
            async with hub_sessions(self._engine)() as session:
                return await resolve_tenant(session, slug=slug, host=host)
        tenant = copy.by_slug.get(slug) if slug is not None else copy.by_host.get(bare_host(host))
        if tenant is None:  # unknown, or created since the copy: the registry says which
            async with hub_sessions(self._engine)() as session:
                return await resolve_tenant(session, slug=slug, host=host)
        return tenant

    async def heard(self) -> None:
        """Return once every registry change committed before this call has reached the directory:
        what a test awaits after changing the registry behind the app's back. Nothing to wait for
        while not listening (requests read the registry then)."""
        if (connection := self._connection) is not None:
            async with self._talking:
                # Notifications sent before this answer arrive, and are handled, before it.
                await connection.fetchval("SELECT 1")

    def _forget(self, *_: Any) -> None:
        """Drop the copy (a change was notified, or the listening connection is gone) and load
        another in the background while still listening."""
        self._generation += 1
        self._copy = None
        self.loaded.clear()
        connection = self._connection
        idle = self._reloading is None or self._reloading.done()
        if connection is not None and not connection.is_closed() and idle:
            self._reloading = asyncio.ensure_future(self._reload_quietly(connection))

    async def run(self) -> None:
        """Listen, load, and keep the copy current until cancelled; reconnect when the connection fails."""
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await self._connect()
                connection.add_termination_listener(self._forget)
                await connection.add_listener(CHANNEL, self._forget)
                self._connection = connection
                await self._keep(connection)
            except _FAILURES as exc:
                logger.warning("tenant registry: not listening (%r); reading it per request", exc)
            finally:
                self._connection = None
                self._forget()
                if self._reloading is not None:
                    self._reloading.cancel()
                if connection is not None:
                    connection.terminate()  # no goodbye to a server that may hang
            await self._clock.sleep(self._reconnect)

    async def _keep(self, connection: asyncpg.Connection) -> None:
        """Load, then confirm the copy every ``heartbeat_seconds`` (or load again, had it been dropped)."""
        while True:
            if self._copy is not None and self._clock.monotonic() - self._copy.loaded_at > self._refresh:
                self._forget()  # a change never notified (a trigger dropped) lasts one refresh at most
            if self._copy is None:
                await self._reload(connection)
            else:
                started, generation = self._clock.monotonic(), self._generation
                async with self._talking:
                    # Notifications sent before this answer arrive before it: current as of `started`.
                    await connection.fetchval("SELECT 1", timeout=self._heartbeat)
                if generation == self._generation and self._copy is not None:
                    self._copy = replace(self._copy, confirmed_at=started)
            await self._clock.sleep(self._heartbeat)

    async def _reload(self, connection: asyncpg.Connection) -> None:
        while self._copy is None:
            started, generation = self._clock.monotonic(), self._generation
            async with self._talking:
                copy = await self._load(connection, started)
            if generation == self._generation:  # else a change was notified while it loaded: again
                self._copy = copy
                self.loaded.set()

    async def _reload_quietly(self, connection: asyncpg.Connection) -> None:
        with contextlib.suppress(*_FAILURES):  # the heartbeat finds a broken connection and reconnects
            await self._reload(connection)

    async def _load(self, connection: asyncpg.Connection, started: float) -> _Copy:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            tenants = [TenantRef(*row) for row in await connection.fetch(_EVERY_TENANT)]
            hosts = await connection.fetch(_EVERY_HOST)
        by_id = {t.id: t for t in tenants}
        by_host = {host: by_id[tenant_id] for host, tenant_id in hosts}
        return _Copy({t.slug: t for t in tenants}, by_host, started, started)


__all__ = ["CHANNEL", "TenantDirectory"]
