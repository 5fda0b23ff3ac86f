"""The opening ceremony in Chromium (issue 19): two committee members each choose their member key
file (as ``lpse-hub member key create`` writes it: ``member_key_pem``) and type its passphrase on
``/kantor/{slug}/tender/{id}/pembukaan``; opening.js unseals their share and seals it again to the
opening's one-time key in the page, and the hub (the Python code: ``give_share`` unseals it and checks
its SHA-256) takes it. The second share opens the bids, which the page then shows. A wrong passphrase
is said so in the page, and nothing is sent. The pages pass ``check_page`` (axe, weight, CSP, 360 px).
The tender's schedule is moved (``advance``), never the clock, and nothing sleeps.
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import tenant_session
from tenants.sealing.key_shares import member_key_pem
from tenants.tenders.custody import GivenShare
from tests.browser.page_check import check_page, fresh_context
from tests.e2e.procurement import PASSWORD, Client, advance
from tests.e2e.test_office_opening_http import Member, committee_held_tender
from tests.e2e.web_session import email_of_account
from tests.live_server import LiveHub

PASSPHRASE = "kunci anggota Pokja Lawang"


def _not_favicon(message: ConsoleMessage) -> bool:
    return not str(message.location.get("url", "")).endswith("/favicon.ico")


async def official_logs_in(page: Page, live: LiveHub, email: str, start: str) -> None:
    """The office's login: the page sends to the hub's provider's form, and back to the page."""
    async with page.expect_navigation():
        await page.goto(f"{live.url}{start}")
    assert page.url.startswith(f"{live.url}/login?"), page.url
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi / Password").fill(PASSWORD)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Masuk").click()
    assert page.url == f"{live.url}{start}", page.url


def key_file(tmp_path: Path, member: Member, name: str) -> Path:
    """The member's key file, as ``lpse-hub member key create`` writes it."""
    path = tmp_path / name
    path.write_bytes(member_key_pem(member.key, PASSPHRASE.encode()))
    return path


async def gives_share(page: Page, key: Path, passphrase: str) -> None:
    await page.locator("#key-file").set_input_files(key)
    await page.get_by_label("Frasa sandi").fill(passphrase)
    await page.get_by_role("button", name="Buka kunci dan serahkan bagian").click()


async def test_two_members_give_their_shares_in_chromium_and_the_bids_show(
    browser: Browser, live: LiveHub, client: Client, clean_identity: AsyncEngine, tmp_path: Path
) -> None:
    engine = clean_identity
    c = await committee_held_tender(client, engine)
    first, second = c.members
    await advance(engine, c.regency.schema, c.desk.tender_id, "bid_opening")

    context = await fresh_context(browser)
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and _not_favicon(m) else None)
    try:
        await official_logs_in(page, live, await email_of_account(engine, first.account_id), c.page)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Siapkan kunci pembukaan").click()
        checked = await check_page(page, f"{live.url}{c.page}", "kantor-pembukaan")
        assert "Penawaran diterima: 1" in checked.text
        await page.set_viewport_size({"width": 1280, "height": 800})
        await expect(page.locator("#give-nojs")).to_be_hidden()  # the script runs: the form is its

        mine = key_file(tmp_path, first, "kunci-anggota-1.pem")
        await gives_share(page, mine, "bukan frasa sandinya")
        await expect(page.locator("#give-status")).to_have_text("frasa sandi salah", timeout=20_000)
        await expect(page.get_by_label("Frasa sandi")).to_have_attribute("aria-invalid", "true")
        async with page.expect_navigation():
            await gives_share(page, mine, PASSPHRASE)
        await expect(page.locator("#given-count")).to_have_text("1")
        await expect(page.get_by_text("Bagian Anda sudah diserahkan.")).to_be_visible()
    finally:
        await context.close()

    # What the page sent is what the hub keeps: one share, from the first member, sealed as the CLI's.
    async with tenant_session(engine, c.regency.schema) as session:
        given = list((await session.execute(select(GivenShare))).scalars())
    assert [g.given_by for g in given] == [first.account_id]

    context = await fresh_context(browser)
    page = await context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and _not_favicon(m) else None)
    try:
        await official_logs_in(page, live, await email_of_account(engine, second.account_id), c.page)
        async with page.expect_navigation():
            await gives_share(page, key_file(tmp_path, second, "kunci-anggota-2.pem"), PASSPHRASE)
        await expect(page.get_by_role("heading", name="Hasil pembukaan")).to_be_visible()
        await expect(page.get_by_text("Rp850.000.000")).to_be_visible()
        await expect(page.get_by_text("penawaran.pdf")).to_be_visible()
        checked = await check_page(page, f"{live.url}{c.page}", "kantor-pembukaan-dibuka")
        assert "CV Andalas" in checked.text
    finally:
        await context.close()
    assert not errors, errors


async def test_with_javascript_off_the_page_points_to_the_cli(
    browser: Browser, live: LiveHub, client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    c = await committee_held_tender(client, engine)
    await advance(engine, c.regency.schema, c.desk.tender_id, "bid_opening")
    context = await fresh_context(browser, java_script_enabled=False)
    page = await context.new_page()
    try:
        await official_logs_in(page, live, await email_of_account(engine, c.members[0].account_id), c.page)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Siapkan kunci pembukaan").click()
        await expect(page.locator("#give-nojs")).to_be_visible()
        await expect(page.locator("#give-nojs")).to_contain_text("lpse-hub opening share --key")
        await expect(page.locator("#give-share")).to_be_hidden()  # no form sends a key or passphrase
        await expect(page.locator("#kunci-anggota")).to_contain_text("lpse-hub member key create")
    finally:
        await context.close()
