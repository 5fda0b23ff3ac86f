"""The procurement officer's direct procurement and the tenant admin's page, in a real browser:
each page checked (axe-core, weight, CSP, a phone's width, screenshots), and the flows clicked
through as the officials would, from the invitation to the award and adding an agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest_asyncio
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.browser.page_check import check_page, fresh_context
from tests.e2e.procurement import PASSWORD, Bidder, Client, Desk, Regency, advance, ok, package, person
from tests.e2e.procurement import regency as make_regency
from tests.e2e.procurement import vendor as make_vendor
from tests.e2e.web_session import email_of_account
from tests.live_server import LiveHub

DIRECT = "/kantor/kab-malang/langsung"
ADMIN = "/kantor/kab-malang/admin"
TITLE = "Pengadaan Laptop Puskesmas Kepanjen"


@dataclass(frozen=True)
class Scene:
    malang: Regency
    bromo: Bidder
    officer: str
    admin: str


@pytest_asyncio.fixture(loop_scope="session")
async def scene(clean_identity: AsyncEngine, client: Client, live: LiveHub) -> Scene:
    engine = clean_identity
    malang = await make_regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bromo = await make_vendor(client, engine, "bromo", "3507", verifier, "kab-malang")
    await package(
        client, malang, TITLE, owner_estimate=120_000_000, method="direct_procurement", category="goods"
    )
    officer = await email_of_account(engine, await person(engine, "procurement_officer", "kab-malang"))
    admin = await email_of_account(engine, await person(engine, "tenant_admin", "kab-malang"))
    return Scene(malang, bromo, officer, admin)


async def official_opens(page: Page, live: LiveHub, email: str, path: str) -> None:
    """An official opens an office page: sent to log in at the hub's provider, and brought back."""
    await page.goto(live.url + path)
    assert page.url.startswith(f"{live.url}/login?"), page.url
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi / Password").fill(PASSWORD)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Masuk").click()
    assert page.url == live.url + path, page.url


async def test_the_officer_invites_negotiates_and_awards_in_the_browser(
    browser: Browser, live: LiveHub, scene: Scene, client: Client, clean_identity: AsyncEngine
) -> None:
    context = await fresh_context(browser)
    try:
        page = await context.new_page()
        await official_opens(page, live, scene.officer, DIRECT)
        await check_page(await context.new_page(), f"{live.url}{DIRECT}?cari=bromo", "office-direct")

        await page.get_by_label("Cari penyedia (nama atau NPWP)").fill("bromo")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Cari").click()
        await page.get_by_label(f"{scene.bromo.name} · NPWP", exact=False).check()
        deadline = (datetime.now(UTC) + timedelta(days=2)).astimezone(ZoneInfo("Asia/Jakarta"))
        await page.get_by_label("Batas waktu penawaran").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
        async with page.expect_navigation():
            await page.get_by_role("button", name="Kirim undangan").click()
        tender_id = int(page.url.rsplit("/", 1)[1])
        assert "Diumumkan" in await page.content()
        await check_page(await context.new_page(), page.url, "office-direct-invitation")

        public = ok(await client.get(f"{scene.malang.base}/tenders/{tender_id}"), 200)
        desk = Desk(client, clean_identity, scene.malang, tender_id, public["tender_key"])
        ok(await desk.bid(scene.bromo, 119_000_000))
        await advance(clean_identity, scene.malang.schema, tender_id, "bid_opening")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Buka penawaran").click()
        await page.get_by_label("Harga disepakati (Rp)").fill("115.000.000")
        await page.get_by_label("Berita acara negosiasi").fill("Sepakat setelah klarifikasi spesifikasi")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Simpan negosiasi").click()
        async with page.expect_navigation():
            await page.get_by_role("button", name="Tetapkan penyedia").click()
        shown = await page.content()
        assert "Rp115.000.000" in shown
        assert "Pemenang ditetapkan" in shown
    finally:
        await context.close()


async def test_the_admin_adds_an_agency_in_the_browser(browser: Browser, live: LiveHub, scene: Scene) -> None:
    context = await fresh_context(browser)
    try:
        page = await context.new_page()
        await official_opens(page, live, scene.admin, ADMIN)
        await check_page(await context.new_page(), live.url + ADMIN, "office-admin")
        await page.get_by_label("Nama satuan kerja baru").fill("Dinas Kesehatan")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Tambah satuan kerja").click()
        assert "<li>Dinas Kesehatan</li>" in await page.content()
        await page.get_by_label("Paling singkat (hari)").fill("9")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Simpan aturan").click()
        assert await page.locator("#e-objection_days").is_visible()  # refused, next to the rules
    finally:
        await context.close()
