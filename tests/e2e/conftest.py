from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import create_engine
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from hub.web.app import create_app
from tests.conftest import _admin, _asyncpg_dsn
from tests.e2e.web_session import ISSUER


@pytest_asyncio.fixture(loop_scope="session")
async def client(hub: AsyncEngine, hub_app: Litestar) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with AsyncTestClient(app=hub_app) as client:
        yield client


@pytest.fixture
async def follower(settings: Settings) -> AsyncIterator[tuple[AsyncEngine, str]]:
    """A second hub's database, migrated, on the same server: a peer hub that follows this one."""
    assert settings.database_url is not None
    name = f"lpse_hub_follower_{uuid.uuid4().hex[:8]}"
    await _admin(settings.database_url, f'CREATE DATABASE "{name}"')
    url = _asyncpg_dsn(settings.database_url, name)
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
        yield engine, url
    finally:
        await engine.dispose()
        await _admin(settings.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(loop_scope="session")
async def web(hub: AsyncEngine, serving_settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """A browser at the hub's public https address (the hub serving as its restricted role)."""
    app = create_app(replace(serving_settings, issuer=ISSUER))
    async with AsyncTestClient(app=app, base_url=ISSUER) as client:
        client.follow_redirects = False  # each step of the flow is looked at
        yield client


async def registry_heard(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    """Return once the app's copy of the tenant registry has heard every change committed so far
    (``TenantDirectory.heard``), on the app's own event loop: for a test that changes the registry
    behind the app's back and then asks the app."""
    directory = client.app.state.tenant_directory
    await asyncio.to_thread(client.blocking_portal.call, directory.heard)
