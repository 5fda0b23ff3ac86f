"""The registry held in memory (``TenantDirectory``): served from memory while it is known current,
read from the database whenever it may not be (a change notified, a lost listener, an expired lease)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.clock import SYSTEM_CLOCK
from hub.core.database import connector, hub_sessions
from hub.core.errors import TenantNotFound
from hub.core.settings import Settings
from tenants.registry import TenantStatus, delete_tenant, resume_tenant, suspend_tenant
from tenants.registry.directory import TenantDirectory
from tests.conftest import make_tenant
from tests.manual_clock import ManualClock
from tests.statement_count import statements


@pytest_asyncio.fixture(loop_scope="session")
async def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def listeners() -> list[asyncpg.Connection]:
    """The connections the directory has listened on, the last one last."""
    return []


@asynccontextmanager
async def running(directory: TenantDirectory) -> AsyncIterator[TenantDirectory]:
    """``directory`` keeping its copy, once it has loaded one."""
    task = asyncio.create_task(directory.run())
    try:
        await directory.loaded.wait()
        yield directory
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest_asyncio.fixture(loop_scope="session")
async def directory(
    hub: AsyncEngine, settings: Settings, clock: ManualClock, listeners: list[asyncpg.Connection]
) -> AsyncIterator[TenantDirectory]:
    await make_tenant(hub, "kab-malang", "3507", "lpse.malangkab.go.id")
    connect = connector(settings)

    async def noted() -> asyncpg.Connection:
        listeners.append(await connect())
        return listeners[-1]

    async with running(TenantDirectory(hub, noted, clock, lease_seconds=3.0)) as directory:
        yield directory


async def test_a_loaded_directory_resolves_by_slug_and_host_without_a_statement(
    directory: TenantDirectory, hub: AsyncEngine
) -> None:
    with statements(hub) as seen:
        by_slug = await directory.resolve(slug="kab-malang", host="")
        by_host = await directory.resolve(slug=None, host="LPSE.malangkab.go.id:443")
    assert seen == []
    assert by_slug == by_host
    assert (by_slug.code, by_slug.status) == ("3507", TenantStatus.ACTIVE)


async def test_a_committed_suspension_is_heard_and_served(
    directory: TenantDirectory, hub: AsyncEngine
) -> None:
    async with hub_sessions(hub)() as session, session.begin():
        await suspend_tenant(session, "kab-malang", "audit by BPKP")
    await directory.heard()
    suspended = await directory.resolve(slug="kab-malang", host="")
    assert (suspended.status, suspended.status_reason) == (TenantStatus.SUSPENDED, "audit by BPKP")
    await directory.loaded.wait()  # reloaded: the copy says so too, from memory
    with statements(hub) as seen:
        assert (await directory.resolve(slug="kab-malang", host="")).status == TenantStatus.SUSPENDED
    assert seen == []
    async with hub_sessions(hub)() as session, session.begin():
        await resume_tenant(session, "kab-malang")


async def test_a_rolled_back_change_leaves_the_copy_in_use(
    directory: TenantDirectory, hub: AsyncEngine
) -> None:
    async with hub_sessions(hub)() as session, session.begin():
        await suspend_tenant(session, "kab-malang", "never committed")
        await session.rollback()
    await directory.heard()
    assert directory.loaded.is_set()


async def test_a_removed_tenant_is_not_found(directory: TenantDirectory, hub: AsyncEngine) -> None:
    async with hub_sessions(hub)() as session, session.begin():
        await delete_tenant(session, "kab-malang")
    await directory.heard()
    with pytest.raises(TenantNotFound):
        await directory.resolve(slug="kab-malang", host="")
    with pytest.raises(TenantNotFound):
        await directory.resolve(slug=None, host="lpse.malangkab.go.id")


async def test_a_tenant_created_since_the_copy_is_read_from_the_registry(
    directory: TenantDirectory, hub: AsyncEngine
) -> None:
    await make_tenant(hub, "kab-blitar", "3505")
    # Not waiting for the notification: a name the copy lacks is looked up.
    assert (await directory.resolve(slug="kab-blitar", host="")).code == "3505"


async def test_past_its_lease_the_copy_is_not_trusted(
    hub: AsyncEngine, settings: Settings, clock: ManualClock
) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    # Heartbeats due every 10 s, a lease of 3 s: as if they had stalled, none confirms the copy.
    stalled = TenantDirectory(hub, connector(settings), clock, heartbeat_seconds=10.0, lease_seconds=3.0)
    async with running(stalled):
        with statements(hub) as seen:
            await stalled.resolve(slug="kab-malang", host="")
            assert seen == []
            await clock.advance(3.5)
            await stalled.resolve(slug="kab-malang", host="")
        assert len(seen) == 1


async def test_a_lost_listener_is_replaced_and_the_copy_loaded_again(
    hub: AsyncEngine, settings: Settings
) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    connect, listeners, second = connector(settings), [], asyncio.Event()

    async def noted() -> asyncpg.Connection:
        listeners.append(await connect())
        if len(listeners) == 2:
            second.set()
        return listeners[-1]

    directory = TenantDirectory(hub, noted, SYSTEM_CLOCK, heartbeat_seconds=0.1, reconnect_seconds=0)
    async with running(directory):
        async with hub.connect() as admin:  # as a failover or an operator would end it
            pid = listeners[0].get_server_pid()
            assert await admin.scalar(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
        await second.wait()  # the heartbeat found it gone; the directory listens anew
        await directory.loaded.wait()
        with statements(hub) as seen:
            assert (await directory.resolve(slug="kab-malang", host="")).code == "3507"
        assert seen == []
