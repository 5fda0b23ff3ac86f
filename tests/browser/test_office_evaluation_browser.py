"""The committee's evaluation pages in Chromium (issue 19): each page checked (axe, weight, CSP,
360 px, screenshots in docs/screenshots/), and the evaluation of an opened tender clicked through
from a failed administration to the award's announcement, then an objection answered."""

from __future__ import annotations

from dataclasses import dataclass

import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.models import LoginThrottle
from hub.core.database import hub_sessions
from tests.browser.office_flow import logged_in
from tests.browser.page_check import check_page
from tests.e2e.procurement import Bidder, Client, Desk, ok, person, regency, vendor
from tests.e2e.web_session import email_of_account
from tests.live_server import LiveHub


@dataclass(frozen=True)
class Evaluating:
    desk: Desk
    winner: Bidder  # the lower price
    loser: Bidder  # fails administration, then objects
    committee: str  # a committee member's email
    base: str  # the tender's office path


@pytest_asyncio.fixture(loop_scope="session")
async def evaluating(clean_identity: AsyncEngine, client: Client, live: LiveHub) -> Evaluating:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    winner, loser = [
        await vendor(client, engine, n, "3507", verifier, "kab-malang") for n in ("arjuna", "bima")
    ]
    desk = Desk(client, engine, malang)
    await desk.announce("Peningkatan Jalan Desa Tumpang", owner_estimate=900_000_000)
    await desk.bids({winner: 800_000_000, loser: 850_000_000})
    await desk.open()
    committee = await email_of_account(engine, await person(engine, "selection_committee", "kab-malang"))
    async with hub_sessions(engine)() as session, session.begin():
        # Other tests fail logins from 127.0.0.1: this one starts with that address's failures forgotten.
        await session.execute(delete(LoginThrottle).where(LoginThrottle.key == "address:127.0.0.1"))
    return Evaluating(desk, winner, loser, committee, f"/kantor/kab-malang/tender/{desk.tender_id}")


async def official(browser: Browser, live: LiveHub, email: str, start: str) -> BrowserContext:
    """A context where the official logged in as a browser does: the office sends them to the hub's
    login form, and back to ``start`` once logged in."""
    page = await logged_in(browser, live, None, email, start)
    await page.close()
    return page.context


async def submit(page: Page, form_label: str, button: str) -> None:
    async with page.expect_navigation():
        await page.get_by_role("form", name=form_label).get_by_role("button", name=button).click()


async def test_the_committee_evaluates_awards_and_answers_an_objection_in_the_browser(
    browser: Browser, live: LiveHub, evaluating: Evaluating
) -> None:
    e = evaluating
    context = await official(browser, live, e.committee, f"{e.base}/evaluasi")
    try:
        checked = await check_page(
            await context.new_page(), f"{live.url}{e.base}/evaluasi", "office-evaluation"
        )
        assert "CV Arjuna" in checked.text

        page = await context.new_page()
        await page.goto(f"{live.url}{e.base}/evaluasi")
        bima = "Penilaian per penawaran: CV Bima"
        form = page.get_by_role("form", name=bima)
        await form.get_by_label("Hasil").select_option("gugur")
        await submit(page, bima, "Simpan penilaian")  # no reason: the service refuses, next to the field
        assert "a failed aspect needs its reason" in await page.get_by_role("alert").inner_text()
        await (
            page.get_by_role("form", name=bima)
            .get_by_label("Alasan (wajib bila gugur)")
            .fill("Jaminan penawaran tidak dilampirkan")
        )
        await submit(page, bima, "Simpan penilaian")
        arjuna = "Penilaian per penawaran: CV Arjuna"
        for _aspect in range(4):  # each form offers the next aspect to assess, passed by default
            await submit(page, arjuna, "Simpan penilaian")
        assert "Evaluasi lengkap." in await page.content()
        async with page.expect_navigation():
            await page.get_by_role("button", name="Simpan hasil pembuktian").click()
        async with page.expect_navigation():
            await page.get_by_role("button", name="Tetapkan pemenang").click()
        async with page.expect_navigation():
            await page.get_by_role("button", name="Umumkan pemenang").click()
        assert "Pemenang diumumkan; masa sanggah sampai" in await page.content()
        await check_page(
            await context.new_page(), f"{live.url}{e.base}/evaluasi", "office-evaluation-awarded"
        )

        grounds = "Harga penawaran kami wajar dan dokumen kami lengkap, mohon evaluasi ulang."
        objection = await e.desk.client.post(
            f"{e.desk.url}/objections", headers=e.loser.headers, data={"grounds": grounds}
        )
        ok(objection)
        checked = await check_page(
            await context.new_page(), f"{live.url}{e.base}/sanggah", "office-objections"
        )
        assert grounds in checked.text
        await page.goto(f"{live.url}{e.base}/sanggah")
        await page.get_by_label("Jawaban Pokja (10-20000 karakter)").fill(
            "Jaminan penawaran memang tidak dilampirkan; sanggahan tidak beralasan."
        )
        async with page.expect_navigation():
            await page.get_by_role("button", name="Kirim jawaban").click()
        assert "sanggahan tidak beralasan" in await page.content()
        assert await page.get_by_role("button", name="Kirim jawaban").count() == 0
    finally:
        await context.close()


async def test_a_failed_tender_offers_its_re_tender(
    browser: Browser, live: LiveHub, evaluating: Evaluating, client: Client
) -> None:
    e = evaluating
    reason = {"reason": "Tidak ada penawaran yang memenuhi syarat teknis"}
    ok(await e.desk.post("failure", e.desk.regency.pokja, reason), 201)
    context = await official(browser, live, e.committee, f"{e.base}/evaluasi")
    try:
        checked = await check_page(
            await context.new_page(), f"{live.url}{e.base}/evaluasi", "office-retender"
        )
        assert "Tender ulang" in checked.text
        assert reason["reason"] in checked.text
    finally:
        await context.close()
