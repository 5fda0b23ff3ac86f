from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.settings import Settings
from hub.web.app import create_app


@pytest_asyncio.fixture(loop_scope="session")
async def client(hub: AsyncEngine, settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client
