"""A hung or slow database does not hang the hub: probes and requests get 503 in bounded time,
commands a one-line error.

The database "hangs" behind ``tests.hung_database.HangingProxy``: connections stay open and no byte
moves, as with a SIGSTOPped postmaster, without stopping the server other runs share. These tests
measure real time (the timeouts are the database driver's and the server's, not a clock of ours) and
assert upper bounds with a margin for a loaded machine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
import pytest_asyncio
from litestar import get
from litestar.di import NamedDependency
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from typer.testing import CliRunner

from cli.main import app as cli
from hub.core.database import schema_of
from hub.core.settings import Settings
from hub.web.app import create_app
from tests.conftest import make_tenant
from tests.e2e.test_http import assert_problem
from tests.hung_database import HangingProxy

Client = AsyncTestClient  # type: ignore[type-arg]
GIVE_UP = 30
"""Seconds after which a request counts as hung (before the fix it never answered)."""

CONNECT = 1.0
STATEMENT = 1.0


def short(settings: Settings, **changes: Any) -> Settings:
    """``settings`` with short database timeouts, so that a test waits a few seconds, not the
    defaults' 10 to 30."""
    return replace(
        settings,
        database_connect_timeout_seconds=CONNECT,
        database_statement_timeout_seconds=STATEMENT,
        database_command_timeout_seconds=2 * STATEMENT,
        database_pool_timeout_seconds=1.0,
        **changes,
    )


@pytest.fixture
def proxy(settings: Settings) -> Iterator[HangingProxy]:
    assert settings.database_url is not None
    with HangingProxy(settings.database_url) as proxy:
        yield proxy


async def _client(settings: Settings) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def hung_client(hub: AsyncEngine, settings: Settings, proxy: HangingProxy) -> AsyncIterator[Client]:
    """A hub on the default timeouts whose database is reached through the proxy."""
    async for client in _client(replace(settings, database_url=proxy.url)):
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def short_client(hub: AsyncEngine, settings: Settings, proxy: HangingProxy) -> AsyncIterator[Client]:
    """As ``hung_client``, with the short timeouts of ``short``."""
    async for client in _client(short(settings, database_url=proxy.url)):
        yield client


async def _timed_get(client: Client, path: str) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    async with asyncio.timeout(GIVE_UP):
        response = await client.get(path)
    return time.monotonic() - started, response


async def test_readiness_answers_503_within_2_seconds_when_the_database_hangs(
    hung_client: Client, proxy: HangingProxy
) -> None:
    assert (await hung_client.get("/health/ready")).status_code == 200  # a pooled connection is open
    proxy.hang()
    elapsed, response = await _timed_get(hung_client, "/health/ready")
    body = assert_problem(response, 503, "Not ready")
    assert "did not answer within 1.5 s" in body["detail"]
    assert elapsed < 2.0, f"readiness took {elapsed:.2f} s"
    proxy.resume()
    assert (await hung_client.get("/health/ready")).status_code == 200  # and it recovers


async def test_a_tender_read_on_a_hung_database_answers_503_with_retry_after(
    short_client: Client, proxy: HangingProxy, hub: AsyncEngine
) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    assert (await short_client.get("/t/kab-malang/api/tenders")).status_code == 200
    proxy.hang()
    elapsed, response = await _timed_get(short_client, "/t/kab-malang/api/tenders")
    assert_problem(response, 503, "Database unavailable")
    assert response.headers["retry-after"] == "5"
    # The pooled connection's check waits the connect timeout, so does opening a new one. A margin
    # for a loaded machine.
    bound = 2 * CONNECT + 3
    assert elapsed < bound, f"the read took {elapsed:.2f} s"


async def test_a_slow_statement_is_cancelled_by_the_statement_timeout_with_503(
    hub: AsyncEngine, settings: Settings
) -> None:
    @get("/slow")
    async def slow(db_session: NamedDependency[AsyncSession]) -> str:
        await db_session.execute(text("SELECT pg_sleep(20)"))
        return "finished"

    app = create_app(short(settings))
    app.register(slow)
    async with AsyncTestClient(app=app) as client:
        elapsed, response = await _timed_get(client, "/slow")
    body = assert_problem(response, 503, "Database unavailable")
    assert "took too long" in body["detail"]
    assert response.headers["retry-after"] == "5"
    assert elapsed < STATEMENT + 3, f"it took {elapsed:.2f} s"


def test_a_command_on_a_hung_database_fails_in_one_line_within_the_connect_timeout(
    hub: AsyncEngine, proxy: HangingProxy
) -> None:
    proxy.hang()
    env = {"LPSE_HUB_DATABASE_URL": proxy.url, "LPSE_HUB_DATABASE_CONNECT_TIMEOUT_SECONDS": "1"}
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["tenant", "list"], env=env)
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert result.stderr == "error: the database did not answer in time: is it running and reachable?\n"
    assert elapsed < 1 + 4, f"the command took {elapsed:.2f} s"


async def test_a_request_queued_behind_a_lock_gives_up_with_503_after_the_lock_timeout(
    hub: AsyncEngine, settings: Settings
) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    app = create_app(replace(settings, database_lock_timeout_seconds=0.5))
    async with AsyncTestClient(app=app) as client:
        async with hub.connect() as holder, holder.begin():  # as a migration holds a table
            # The tenant's own table: the registry (hub.tenants) is served from the app's copy.
            await holder.execute(text(f"LOCK TABLE {schema_of('3507')}.tenders IN ACCESS EXCLUSIVE MODE"))
            elapsed, response = await _timed_get(client, "/t/kab-malang/api/tenders")
        assert (await client.get("/t/kab-malang/api/tenders")).status_code == 200  # lock gone: served
    body = assert_problem(response, 503, "Database unavailable")
    assert "locked" in body["detail"]
    assert elapsed < 0.5 + 3, f"it took {elapsed:.2f} s"


async def test_a_hub_started_on_a_hung_database_serves_liveness_and_says_it_is_not_ready(
    hub: AsyncEngine, settings: Settings, proxy: HangingProxy
) -> None:
    app = create_app(short(settings, database_url=proxy.url))
    proxy.hang()
    started = time.monotonic()
    async with asyncio.timeout(GIVE_UP), AsyncTestClient(app=app) as client:
        startup = time.monotonic() - started
        assert (await client.get("/health/live")).status_code == 200
        assert_problem(await client.get("/health/ready"), 503, "Not ready")
        proxy.resume()
        assert (await client.get("/health/ready")).status_code == 200  # no restart needed
    assert startup < CONNECT + 3, f"starting took {startup:.2f} s"
