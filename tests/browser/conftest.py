"""A real browser (Debian's Chromium, driven by Playwright) in front of a real hub process.

Playwright drives the ``chromium`` the distribution installs (``.ci/run``: ``apt-get install
chromium``); it never downloads a browser of its own (no ``playwright install``). Without
Chromium or axe-core (``npm ci`` in tests/browser) these tests skip on a developer's machine and
fail in CI (``LPSE_HUB_TOOLS_REQUIRED=1``), as the Prometheus tests do.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from litestar import Litestar
from litestar.testing import AsyncTestClient
from playwright.async_api import Browser, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.settings import Settings
from tests.browser.page_check import AXE
from tests.conftest import needs_tool
from tests.e2e.procurement import Client
from tests.live_server import LiveHub, live_hub

HERE = Path(__file__).resolve().parent
CHROMIUM = shutil.which("chromium")
needs_chromium = needs_tool(CHROMIUM, "chromium (Debian package chromium; .ci/run installs it)")
needs_axe = needs_tool(AXE if AXE.exists() else None, "axe-core (npm ci in tests/browser; .ci/run does it)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test needs both tools: marked here once rather than test by test."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(needs_chromium)
            item.add_marker(needs_axe)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the run; each test opens contexts of its own (no shared cookies)."""
    assert CHROMIUM is not None, "chromium is not installed (the Debian package chromium)"
    assert AXE.exists(), f"{AXE} is missing: run `npm ci` in tests/browser"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def client(hub: AsyncEngine, hub_app: Litestar) -> AsyncIterator[Client]:
    """The hub's app in this process, through which tests set the scene (tenders, bids) over HTTP."""
    async with AsyncTestClient(app=hub_app) as client:
        yield client


@pytest.fixture(scope="module")
def live(
    engine: AsyncEngine, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    """A hub process on a free port, on the run's (migrated) database, as a browser reaches it."""
    assert settings.database_url is not None
    with live_hub(settings.database_url, tmp_path_factory.mktemp("browser")) as hub:
        yield hub
