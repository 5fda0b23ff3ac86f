"""The commitment officer's (PPK) pages in a real browser: the PPK logs in through the hub's provider
from the packages' page, creates a package through its form, and once the committee's tender of it
is awarded and the objection period over, issues the letter of award and records the contract by
clicking through the forms, then reports the contract's progress and adds a milestone on its
implementation's page (a payment above the value refused by its field); every page checked
(axe-core, weight, CSP, 360 px) with its screenshots.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.models import LoginThrottle
from hub.core.database import hub_sessions
from tests.browser.page_check import check_page, fresh_context
from tests.e2e.procurement import PASSWORD, Client, end_objection_period, person, regency
from tests.e2e.test_award_flow import today
from tests.e2e.test_office_packages import awarded
from tests.e2e.web_session import email_of_account
from tests.live_server import LiveHub

pytestmark = pytest.mark.horizon  # the committee announces a tender: the feed other workers read moves

TITLE = "Pembangunan Drainase Jalan Kolonel Sugiono"


async def ppk_logs_in(page: Page, live: LiveHub, email: str) -> None:
    """From the packages' page, sent to the hub's provider's login form, and back to the page."""
    await page.goto(f"{live.url}/kantor/kab-malang/paket")
    assert page.url.startswith(f"{live.url}/login?"), page.url
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi / Password").fill(PASSWORD)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Masuk").click()
    assert page.url == f"{live.url}/kantor/kab-malang/paket", page.url


async def test_a_ppk_works_through_package_letter_and_contract_in_the_browser(
    browser: Browser, live: LiveHub, client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    ppk = await person(engine, "commitment_officer", "kab-malang")
    async with hub_sessions(engine)() as session, session.begin():
        # Other tests fail logins from 127.0.0.1: this one starts with that address's failures forgotten.
        await session.execute(delete(LoginThrottle).where(LoginThrottle.key == "address:127.0.0.1"))
    base = f"{live.url}/kantor/kab-malang/paket"
    context = await fresh_context(browser)
    try:
        page = await context.new_page()
        await ppk_logs_in(page, live, await email_of_account(engine, ppk))

        async with page.expect_navigation():
            await page.get_by_role("link", name="Buat paket").click()
        await page.get_by_label("Nama paket").fill(TITLE)
        await page.get_by_label("Jenis pengadaan").select_option("construction")
        await page.get_by_label("Pagu (Rp)").fill("1.100.000.000")
        await page.get_by_label("HPS (Rp)").fill("1.200.000.000")  # above the budget: refused by its field
        await page.get_by_label("KBLI").fill("42101")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Simpan paket").click()
        assert "cannot exceed the budget" in await page.locator("#e-owner_estimate").inner_text()
        assert await page.get_by_label("Nama paket").input_value() == TITLE  # kept
        await page.get_by_label("HPS (Rp)").fill("1.000.000.000")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Simpan paket").click()
        package_url = page.url
        assert package_url.startswith(f"{base}/"), package_url
        package_id = int(package_url.rsplit("/", 1)[1])
        assert "Belum ditenderkan" in await page.content()

        desk = await awarded(client, engine, malang, package_id)
        await end_objection_period(engine, malang.schema, desk.tender_id)
        tender = f"{package_url}/tender/{desk.tender_id}"
        for url, name in (
            (base, "kantor-paket"),
            (f"{base}/baru", "kantor-paket-baru"),
            (package_url, "kantor-paket-detail"),
            (f"{tender}/sppbj", "kantor-paket-sppbj"),
            (f"{tender}/kontrak", "kantor-paket-kontrak"),
        ):
            checked = await check_page(page, url, name)
            assert checked.text.strip(), name

        await page.goto(base)
        async with page.expect_navigation():
            await page.get_by_role("link", name="SPPBJ dapat diterbitkan").click()
        await page.get_by_label("Nomor SPPBJ").fill("602/SPPBJ/35.07/2026")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Terbitkan SPPBJ").click()
        assert page.url.startswith(package_url), page.url
        assert "602/SPPBJ/35.07/2026" in await page.content()

        async with page.expect_navigation():
            await page.get_by_role("link", name="Kontrak dapat ditandatangani").click()
        await page.get_by_label("Nomor kontrak").fill("HK.02/DRN/2026")
        await page.get_by_label("Tanggal tanda tangan").fill(today())
        await page.get_by_label("Tanggal mulai").fill(today())
        await page.get_by_label("Tanggal selesai").fill("2026-12-31")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Simpan kontrak").click()
        assert page.url.startswith(package_url), page.url
        shown = await page.content()
        assert "HK.02/DRN/2026" in shown
        assert "Berkontrak" in shown

        async with page.expect_navigation():
            await page.get_by_role("link", name="Catat pelaksanaan kontrak").click()
        await page.locator("#f-progres-percent").fill("12,5")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Simpan laporan progres").click()
        await page.locator("#f-pembayaran-amount").fill("2.000.000.000")  # above the value: refused
        async with page.expect_navigation():
            await page.get_by_role("button", name="Simpan pembayaran").click()
        assert "above the contract" in await page.locator("#e-pembayaran-amount").inner_text()
        await page.locator("#f-tahapan-title").fill("Serah terima pertama")
        await page.locator("#f-tahapan-due_on").fill("2026-12-31")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Tambah tahapan").click()
        checked = await check_page(page, f"{tender}/pelaksanaan", "kantor-paket-pelaksanaan")
        assert "12,5%" in checked.text
        assert "Serah terima pertama" in checked.text
    finally:
        await context.close()
