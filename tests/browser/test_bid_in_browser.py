"""A vendor seals and submits a bid in the browser, from the workspace, end to end (issue 18).

The vendor's user logs in by clicking, finds the tender from the home page, registers for it, makes
a signing key in the page (downloading its backup first), and seals a bid with a price and two files
on the tender's page; the page checks the hub's receipt, and so does the bid's receipt page (and
says it does NOT hold once the digest this browser recorded sealing is altered). Then the committee
opens the bids with the Python code: the price is the one typed and the files are the bytes chosen.
On the way, another browser takes the key back from its backup file (the wrong passphrase refused),
and a browser with JavaScript off is told that sealing needs it, or the CLI. The tender's schedule is moved
(``advance``), never the clock, and nothing sleeps.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Browser, ConsoleMessage, FilePayload, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import tenant_session
from hub.core.master_key import MasterKey
from tenants.sealing import BidFile, open_bid, parse_bundle, tender_key_context, unwrap_key
from tenants.tenders.models import Bid, Tender
from tenants.tenders.preparation.bid_keys import tenant_key
from tests.browser.office_flow import makes_a_key, verified_vendor
from tests.browser.page_check import fresh_context
from tests.browser.test_pages import vendor_logs_in
from tests.e2e.procurement import Client, Desk, advance, regency
from tests.live_server import LiveHub

TITLE = "Pembangunan Jembatan Desa Cemara"
PRICE = 1_234_567_000
PASSPHRASE = "cadangan kunci CV Cemara 2026"
FILES = [
    BidFile("Surat penawaran.pdf", "application/pdf", b"%PDF-1.7 " + os.urandom(40_000)),
    BidFile("rincian harga.csv", "text/csv", b"uraian,harga\nBeton K-300,1\n"),
]


def _not_favicon(message: ConsoleMessage) -> bool:
    """The browser asks for /favicon.ico on its own (the hub has none): not an error of the pages."""
    return not str(message.location.get("url", "")).endswith("/favicon.ico")


async def test_a_vendor_seals_and_submits_a_bid_in_the_browser_and_the_committee_opens_it(
    browser: Browser, live: LiveHub, client: Client, clean_identity: AsyncEngine, tmp_path: Path
) -> None:
    engine = clean_identity
    jember = await regency(client, engine, "kab-jember", "3509")
    desk = Desk(client, engine, jember)
    await desk.announce(TITLE, owner_estimate=1_500_000_000)
    await advance(engine, jember.schema, desk.tender_id, "bid_submission")  # submission is open
    company = await verified_vendor(engine, "kab-jember", "CV Cemara", "3509")
    vendor_id, email = company.vendor_id, company.email

    context = await fresh_context(browser)
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and _not_favicon(m) else None)
    try:
        await vendor_logs_in(page, live, email)
        backup, key_id = await makes_a_key(page, tmp_path, PASSPHRASE)
        assert backup.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")

        await page.goto(f"{live.url}/")
        async with page.expect_navigation():
            await page.get_by_role("link", name=TITLE).first.click()
        async with page.expect_navigation():
            await page.get_by_role("link", name="Ikuti tender ini di ruang kerja penyedia").click()
        assert page.url.startswith(f"{live.url}/akun/tender/"), page.url
        async with page.expect_navigation():
            await page.get_by_role("button", name="Daftar ikut tender ini").click()

        await page.get_by_label("Harga penawaran (Rp)").fill("1.234.567.000")
        await page.get_by_label("Berkas penawaran").set_input_files(
            [FilePayload(name=f.name, mimeType=f.content_type, buffer=f.data) for f in FILES]
        )
        await page.get_by_role("button", name="Segel dan kirim penawaran").click()
        verdict = page.locator("#receipt-verdict")
        await expect(verdict).to_have_attribute("data-verified", "true", timeout=20_000)
        sealed = await page.locator("#receipt-sealed").inner_text()
        assert sealed == await page.locator("#receipt-signed").inner_text()
        await _the_receipt_page_checks_the_receipt(page, sealed)
    finally:
        await context.close()
    assert not errors, errors

    await _restores_the_key_in_another_browser(browser, live, email, backup, key_id)
    await _without_javascript_the_page_points_to_the_cli(browser, live, email)

    opening = await desk.open()

    [shown] = opening["bids"]
    assert (shown["vendor_id"], shown["status"], shown["signature"]) == (vendor_id, "ok", "verified")
    assert shown["price"] == PRICE
    master: MasterKey = client.app.state.master
    assert await _opened_files(engine, master, jember.code, desk.tender_id) == FILES


async def _the_receipt_page_checks_the_receipt(page: Page, sealed: str) -> None:
    """The receipt's own page says it holds (the digest is the one this browser recorded sealing),
    my bids mark it so; once the digest this browser recorded is altered, it says it does NOT hold."""
    async with page.expect_navigation():
        await page.get_by_role("link", name="Tanda terima dan pemeriksaannya").click()
    receipt_url = page.url
    verdict = page.locator("#check-verdict")
    await expect(verdict).to_have_attribute("data-verified", "true", timeout=20_000)
    await expect(verdict).to_have_attribute("data-digest", "same")
    await expect(verdict).to_contain_text("Tanda terima sah")
    await expect(page.locator("#sealed-here")).to_have_text(sealed)
    await expect(page.locator("#check-nojs")).to_be_hidden()
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Unduh tanda terima (.json)").click()
    assert (await downloading.value).suggested_filename.startswith("tanda-terima-3509-")

    await page.goto(page.url.rsplit("/", 2)[0])  # my bids
    mark = page.locator(".receipt-mark")
    await expect(mark).to_have_attribute("data-verified", "true", timeout=20_000)
    await expect(mark).to_have_text("tanda terima sah")

    tampered = "0" * 64 if sealed != "0" * 64 else "1" * 64
    await page.evaluate(
        """async ([url, digest]) => {
            const check = await import("/static/receipt-check.js");
            const [tenant, tender] = new URL(url).pathname.split("/").slice(-2);
            const vendor = document.getElementById("my-bids").dataset.vendor;
            const kept = await check.sealedRecord(tenant, tender, vendor);
            await check.recordSealed({ ...kept, bundleSha256: digest });
        }""",
        [receipt_url, tampered],
    )
    await page.goto(receipt_url)
    await expect(verdict).to_have_attribute("data-verified", "false", timeout=20_000)
    await expect(verdict).to_have_attribute("data-digest", "differs")
    await expect(verdict).to_contain_text("Tanda terima ini TIDAK sah")
    await expect(verdict).to_contain_text("berbeda dengan sampul yang disegel peramban ini")
    await expect(page.locator("#sealed-here")).to_have_text(tampered)
    await page.goto(page.url.rsplit("/", 2)[0])
    await expect(mark).to_have_attribute("data-verified", "false", timeout=20_000)


async def _restores_the_key_in_another_browser(
    browser: Browser, live: LiveHub, email: str, backup: Path, key_id: str
) -> None:
    """Another browser (no IndexedDB of the first) takes the key back from its backup file; the
    wrong passphrase is refused."""
    context = await fresh_context(browser)
    try:
        page = await context.new_page()
        await vendor_logs_in(page, live, email)
        await page.goto(f"{live.url}/akun/kunci")
        here = page.locator("#key-here")
        await expect(here).to_have_text("belum ada")
        await page.get_by_label("Berkas cadangan (.pem)").set_input_files(backup)
        passphrase = page.locator("#restore-passphrase")
        await passphrase.fill("bukan frasa sandinya")
        await page.get_by_role("button", name="Pulihkan ke peramban ini").click()
        await expect(page.locator("#key-status")).to_have_text("frasa sandi salah", timeout=20_000)
        await passphrase.fill(PASSPHRASE)
        await page.get_by_role("button", name="Pulihkan ke peramban ini").click()
        await expect(here).to_have_text(f"{key_id} (terdaftar)", timeout=20_000)
    finally:
        await context.close()


async def _without_javascript_the_page_points_to_the_cli(browser: Browser, live: LiveHub, email: str) -> None:
    context = await fresh_context(browser, java_script_enabled=False)
    try:
        page = await context.new_page()
        await vendor_logs_in(page, live, email)
        await page.goto(f"{live.url}/akun/tender")
        async with page.expect_navigation():
            await page.get_by_role("link", name=TITLE).click()
        await expect(page.locator("#seal-nojs")).to_contain_text("lpse-hub bid seal")
        await expect(page.locator("#seal-form")).to_be_hidden()
    finally:
        await context.close()


async def _opened_files(engine: AsyncEngine, master: MasterKey, code: str, tender_id: int) -> list[BidFile]:
    """The stored bid opened with the tender's key, as the opening did: the files' very bytes."""
    schema = f"t_{code}"
    async with tenant_session(engine, schema) as session:
        tender = await session.get(Tender, tender_id)
        assert tender is not None
        assert tender.wrapped_private_key is not None
        [bid] = (await session.execute(select(Bid).where(Bid.tender_id == tender_id))).scalars()
        key = await tenant_key(session, master, code)
    private = unwrap_key(tender.wrapped_private_key, key, tender_key_context(code, tender_id))
    opened = open_bid(
        parse_bundle(bid.bundle), private, tenant_code=code, tender_id=tender_id, vendor_id=bid.vendor_id
    )
    assert opened.price == PRICE
    return list(opened.files)
