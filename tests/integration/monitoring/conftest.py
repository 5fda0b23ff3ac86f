"""The app for the review tests, without background probe rounds: the tests decide which probes there are."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest_asyncio
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.settings import Settings
from hub.web.app import create_app
from tests.e2e.procurement import Client


@pytest_asyncio.fixture(loop_scope="session")
async def quiet_client(hub: AsyncEngine, settings: Settings) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(replace(settings, probe_interval_seconds=0))) as client:
        yield client
