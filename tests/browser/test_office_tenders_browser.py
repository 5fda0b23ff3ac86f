"""The committee's tender pages (``/kantor/{slug}/tender``) in Chromium: the list with its new-tender
form and a tender's page are accessible, light, fit a phone and keep to their CSP (``check_page``,
screenshots in docs/screenshots); and a committee member clicks a tender from a package through
creation with the proposed schedule to its announcement."""

from __future__ import annotations

from dataclasses import dataclass

import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.browser.page_check import check_page, fresh_context
from tests.e2e.procurement import PASSWORD, Client, Desk, package, person, regency
from tests.e2e.web_session import email_of_account
from tests.live_server import LiveHub

LIST = "/kantor/kab-malang/tender"


@dataclass(frozen=True)
class Committee:
    email: str
    announced: int
    """A tender announced through the API, with a question asked: its page has every section."""
    waiting: str
    """A package waiting for its tender."""


@pytest_asyncio.fixture(loop_scope="session")
async def committee(clean_identity: AsyncEngine, client: Client, live: LiveHub) -> Committee:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    desk = Desk(client, clean_identity, malang)
    await desk.announce("Rehabilitasi Jalan Kepanjen", owner_estimate=750_000_000)
    waiting = "Pembangunan Jembatan Sengguruh"
    await package(client, malang, waiting, owner_estimate=1_200_000_000)
    member = await person(clean_identity, "selection_committee", "kab-malang")
    return Committee(await email_of_account(clean_identity, member), desk.tender_id, waiting)


async def logged_in(browser: Browser, live: LiveHub, email: str) -> BrowserContext:
    """A context where the member logged in as a person does: the section's page sends them to the
    hub's login form, and back."""
    context = await fresh_context(browser)
    page = await context.new_page()
    await page.goto(f"{live.url}{LIST}")
    assert page.url.startswith(f"{live.url}/login?"), page.url
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi / Password").fill(PASSWORD)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Masuk").click()
    assert page.url == f"{live.url}{LIST}", page.url
    await page.close()
    return context


async def test_the_committees_pages_are_accessible_light_and_fit_a_phone(
    browser: Browser, live: LiveHub, committee: Committee
) -> None:
    context = await logged_in(browser, live, committee.email)
    try:
        listing = await check_page(await context.new_page(), f"{live.url}{LIST}", "office-tenders")
        assert committee.waiting in listing.text  # the new-tender form offers the waiting package
        assert "Rehabilitasi Jalan Kepanjen" in listing.text
        tender = await check_page(
            await context.new_page(), f"{live.url}{LIST}/{committee.announced}", "office-tender"
        )
        assert "Sidik jari kunci tender" in tender.text
    finally:
        await context.close()


async def test_a_member_creates_schedules_and_announces_a_tender_in_the_browser(
    browser: Browser, live: LiveHub, committee: Committee
) -> None:
    context = await logged_in(browser, live, committee.email)
    try:
        page: Page = await context.new_page()
        await page.goto(f"{live.url}{LIST}")
        choice = page.locator("#f-package_id option", has_text=committee.waiting)
        await page.locator("#f-package_id").select_option(await choice.get_attribute("value"))
        opening = page.locator("#bid_opening-starts")
        proposed = await opening.input_value()
        assert proposed  # a schedule is proposed
        await opening.fill(await page.locator("#bid_submission-starts").input_value())
        async with page.expect_navigation():
            await page.get_by_role("button", name="Buat draf tender").click()
        refusal = page.locator("#e-bid_opening")
        assert "bid_opening cannot start before bid_submission ends" in await refusal.inner_text()
        await page.locator("#bid_opening-starts").fill(proposed)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Buat draf tender").click()
        assert f"{LIST}/" in page.url, page.url
        assert await page.get_by_role("heading", name=committee.waiting).is_visible()
        async with page.expect_navigation():
            await page.get_by_role("button", name="Umumkan tender").click()
        assert await page.get_by_text("Sidik jari kunci tender").is_visible()
        assert await page.get_by_text("Diumumkan").first.is_visible()
    finally:
        await context.close()
