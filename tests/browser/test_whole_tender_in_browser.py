"""Issue 19's acceptance test: two whole tenders, one lowest-price and one merit-point, from the
package to the contract, every step clicked in Chromium by the official or vendor who owns it
(tests/browser/office_flow.py). Afterwards the public tender page shows the bid that failed
administration with its reason; a vendor's user and a committee member of another regency are shown
the office's 403 page. The pages the piecewise tests do not check are checked here (axe, weight,
CSP, 360 px, screenshots)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.browser.office_flow import (
    FAILED_REASON,
    GROUNDS,
    Tally,
    cast,
    forget_failed_logins,
    logged_in,
    whole_tender,
)
from tests.browser.page_check import check_page
from tests.e2e.procurement import Client
from tests.live_server import LiveHub

pytestmark = pytest.mark.horizon  # the committee announces tenders: the feed other workers read moves


async def test_two_whole_tenders_are_clicked_through_in_the_browser(
    browser: Browser, live: LiveHub, client: Client, clean_identity: AsyncEngine, tmp_path: Path
) -> None:
    engine = clean_identity
    await forget_failed_logins(engine)
    c = await cast(client, engine, "kab-pasuruan", "3514", ("kab-malang", "3507"))
    for title, evaluation in (
        ("Pembangunan Jembatan Desa Kraton", "lowest_price"),
        ("Rehabilitasi Gedung Puskesmas Bangil", "merit_point"),
    ):
        done = await whole_tender(
            browser, live, engine, c, title=title, evaluation=evaluation, tmp_path=tmp_path
        )
        assert done.tally.responses > 0
        assert not [s for s in done.tally.statuses if s >= 500], done.tally.statuses

        tally = Tally(live.url)
        page = await logged_in(browser, live, tally, c.ppk, f"{c.office}/paket")
        try:
            public = await check_page(
                page, f"{live.url}/tender/{done.ocid}", f"tender-contracted-{evaluation}"
            )
            assert FAILED_REASON in public.text
            assert c.loser.name in public.text
        finally:
            await page.context.close()

    # The vendor's workspace after its objection was answered, and the refusals.
    tally = Tally(live.url)
    vendor = await logged_in(browser, live, tally, c.loser.email, "/akun")
    try:
        workspace = await check_page(vendor, f"{live.url}/akun/tender/{done.ocid}", "akun-tender-sanggah")
        assert GROUNDS in workspace.text
        refused = await vendor.goto(f"{live.url}{c.office}/tender")
        assert refused is not None
        assert refused.status == 403
    finally:
        await vendor.context.close()
    outsider = await logged_in(browser, live, tally, c.outsider, "/kantor/kab-malang/tender")
    try:
        await check_page(outsider, f"{live.url}{c.office}/tender", "kantor-403", status=403)
    finally:
        await outsider.context.close()
