"""The app for the review tests, without background probe rounds: the tests decide which probes there are
(the run's settings have none, ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Client


@pytest_asyncio.fixture(loop_scope="session")
async def quiet_client(hub: AsyncEngine, hub_app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=hub_app) as client:
        yield client
