"""A whole tender clicked through in a browser, from the package to the contract (issue 19).

Every step is taken in the page by the person who owns it: the commitment officer (PPK) creates the
package, issues the letter of award and records the contract; committee members create the tender
with its schedule, upload its document, announce it, answer a question, give their key shares at the
opening (two members: the key is in the committee's custody), evaluate (one bid fails
administration, with its reason), verify, award, announce the winner and answer an objection; two
vendors register, ask, make their signing keys, seal and submit their bids in the page, and the
failed one lodges an objection. The time between stages passes by moving the tender's own times into
the past (``advance``, ``end_objection_period``), never by sleeping.

The scene (the regency, its officials, the committee's member keys and custody, two verified
vendors) is set up in ``cast``; ``whole_tender`` runs the flow and counts the responses the hub
sent the browsers: the acceptance test and the benchmark (tests/bench/bench_browser_tender.py) both
call it.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, FilePayload, Page, Response, expect
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.models import Account, LoginThrottle
from federation.vendors import register_vendor, verify_vendor
from hub.core.database import hub_sessions
from tests.browser.page_check import fresh_context
from tests.browser.test_office_opening import PASSPHRASE, gives_share, key_file
from tests.e2e.procurement import (
    PASSWORD,
    Client,
    Regency,
    advance,
    end_objection_period,
    person,
    regency,
)
from tests.e2e.test_award_flow import today
from tests.e2e.test_office_opening_http import Member, committee_custody
from tests.e2e.web_session import email_of_account
from tests.live_server import LiveHub

KEY_PASSPHRASE = "cadangan kunci penyedia 2026"
FAILED_REASON = "Jaminan penawaran tidak dilampirkan"
GROUNDS = "Jaminan penawaran kami dikirim terpisah melalui bank; mohon evaluasi ulang administrasi kami."
ANSWER = "Jaminan penawaran harus dilampirkan pada penawaran; sanggahan tidak beralasan."
CRITERIA = "Metode pelaksanaan: 60\nPengalaman: 40"


@dataclass(frozen=True)
class Company:
    name: str
    email: str  # its user's, who logs in
    vendor_id: int


@dataclass(frozen=True)
class Cast:
    """A regency whose tenders' keys two committee members hold (2 of 3 with the recovery key), its
    commitment officer, two verified vendors, and a committee member of a neighbouring regency."""

    regency: Regency
    ppk: str
    members: list[Member]
    member_emails: list[str]
    winner: Company
    loser: Company
    outsider: str

    @property
    def office(self) -> str:
        return f"/kantor/{self.regency.slug}"


@dataclass
class Tally:
    """The responses the hub sent the flow's browsers (every page, script, style and form post)."""

    hub: str
    responses: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def count(self, response: Response) -> None:
        if response.url.startswith(self.hub):
            self.responses += 1
            self.statuses[response.status] = self.statuses.get(response.status, 0) + 1


@dataclass(frozen=True)
class Done:
    """What the flow left behind: the tender's id and public id, and the responses counted."""

    tender_id: int
    ocid: str
    tally: Tally


async def verified_vendor(engine: AsyncEngine, slug: str, name: str, home: str) -> Company:
    """A vendor registered in ``home`` and verified by the regency's verifier, with no signing key
    yet (its user makes one in the browser)."""
    verifier = await person(engine, "verifier", slug)
    npwp = f"{uuid.uuid4().int % 10**15:015d}"
    async with hub_sessions(engine)() as session, session.begin():
        company = await register_vendor(
            session,
            name,
            npwp,
            None,
            "Jl. Merdeka 1",
            home,
            ["41011"],
            f"{name.split()[-1].lower()}.{npwp[-6:]}@vendor.co.id",
            "Direktur",
            PASSWORD,
        )
        await verify_vendor(session, company.id, verifier, slug, ["NPWP", "NIB"], None)
    user = await person(engine, None, None, vendor_id=company.id)
    async with hub_sessions(engine)() as session:
        email = await session.scalar(select(Account.email).where(Account.id == user))
    assert email is not None
    return Company(name, email, company.id)


async def cast(client: Client, engine: AsyncEngine, slug: str, code: str, neighbour: tuple[str, str]) -> Cast:
    """The scene, set up as the tenant's admin and the members' CLI would (not the flow's steps)."""
    where = await regency(client, engine, slug, code)
    members = await committee_custody(client, engine, where)
    await regency(client, engine, *neighbour)
    outsider = await person(engine, "selection_committee", neighbour[0])
    suffix = uuid.uuid4().hex[:4].upper()
    return Cast(
        regency=where,
        ppk=await email_of_account(engine, await person(engine, "commitment_officer", slug)),
        members=members,
        member_emails=[await email_of_account(engine, m.account_id) for m in members],
        winner=await verified_vendor(engine, slug, f"CV Arjuna {suffix}", code),
        loser=await verified_vendor(engine, slug, f"CV Bima {suffix}", code),
        outsider=await email_of_account(engine, outsider),
    )


async def forget_failed_logins(engine: AsyncEngine) -> None:
    """Other tests fail logins from 127.0.0.1: the flow starts with that address's failures forgotten."""
    async with hub_sessions(engine)() as session, session.begin():
        await session.execute(delete(LoginThrottle).where(LoginThrottle.key == "address:127.0.0.1"))


async def logged_in(browser: Browser, live: LiveHub, tally: Tally | None, email: str, start: str) -> Page:
    """A page of a fresh browser whose user logged in as a person does: ``start`` sends them to the
    hub's login form, and back. The hub's responses to it are counted in ``tally`` if given."""
    context = await fresh_context(browser)
    if tally is not None:
        context.on("response", tally.count)
    page = await context.new_page()
    await page.goto(live.url + start)
    assert page.url.startswith(f"{live.url}/login?"), page.url
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi / Password").fill(PASSWORD)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Masuk").click()
    assert page.url == live.url + start, page.url
    return page


async def click(page: Page, button: str) -> None:
    async with page.expect_navigation():
        await page.get_by_role("button", name=button, exact=True).first.click()


async def makes_a_key(page: Page, tmp_path: Path, passphrase: str = KEY_PASSPHRASE) -> tuple[Path, str]:
    """The signing key's page: make a key, download its backup (which unlocks registering), register.
    The key's backup file and id."""
    await page.get_by_role("link", name="Kunci tanda tangan").first.click()
    await page.get_by_label("Frasa sandi cadangan (minimal 12 karakter)").first.fill(passphrase)
    await page.get_by_role("button", name="Buat kunci").click()
    register = page.get_by_role("button", name="Daftarkan kunci publik ke hub")
    await expect(register).to_be_disabled()  # the backup first
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Unduh berkas cadangan").click()
    backup = tmp_path / f"kunci-{uuid.uuid4().hex[:8]}.pem"
    await (await downloading.value).save_as(backup)
    async with page.expect_navigation():
        await register.click()
    kept = await page.locator("#key-here").inner_text()
    assert "(terdaftar)" in kept, kept
    key_id = kept.split(" ")[0]
    assert await page.locator(f'#registered-keys [data-key-id="{key_id}"]').count() == 1
    return backup, key_id


async def seals_and_submits(page: Page, price: str, files: list[FilePayload]) -> str:
    """On the vendor's tender page: price and files, sealed and sent; the receipt checked in the
    page. The sealed bundle's SHA-256."""
    await page.get_by_label("Harga penawaran (Rp)").fill(price)
    await page.get_by_label("Berkas penawaran").set_input_files(files)
    await page.get_by_role("button", name="Segel dan kirim penawaran").click()
    verdict = page.locator("#receipt-verdict")
    await expect(verdict).to_have_attribute("data-verified", "true", timeout=30_000)
    return await page.locator("#receipt-sealed").inner_text()


def bid_files(name: str) -> list[FilePayload]:
    return [
        FilePayload(
            name="Surat penawaran.pdf", mimeType="application/pdf", buffer=b"%PDF-1.7 " + os.urandom(20_000)
        ),
        FilePayload(
            name="rincian harga.csv", mimeType="text/csv", buffer=f"uraian,{name}\nBeton,1\n".encode()
        ),
    ]


async def whole_tender(
    browser: Browser,
    live: LiveHub,
    engine: AsyncEngine,
    c: Cast,
    *,
    title: str,
    evaluation: str,
    tmp_path: Path,
) -> Done:
    """One tender from the package to the contract, every step clicked by its owner (module doc)."""
    tally = Tally(live.url)
    slug, schema = c.regency.slug, c.regency.schema
    contexts: list[BrowserContext] = []
    try:
        # The PPK creates the package.
        ppk = await logged_in(browser, live, tally, c.ppk, f"{c.office}/paket")
        contexts.append(ppk.context)
        async with ppk.expect_navigation():
            await ppk.get_by_role("link", name="Buat paket").click()
        await ppk.get_by_label("Nama paket").fill(title)
        await ppk.get_by_label("Jenis pengadaan").select_option("construction")
        await ppk.get_by_label("Pagu (Rp)").fill("1.100.000.000")
        await ppk.get_by_label("HPS (Rp)").fill("1.000.000.000")
        await ppk.get_by_label("KBLI").fill("41011")
        await click(ppk, "Simpan paket")
        package_url = ppk.url
        assert package_url.startswith(f"{live.url}{c.office}/paket/"), package_url

        # A committee member makes the tender of it, with the proposed schedule, a document; announces.
        pokja = await logged_in(browser, live, tally, c.member_emails[0], f"{c.office}/tender")
        contexts.append(pokja.context)
        choice = pokja.locator("#f-package_id option", has_text=title)
        await pokja.locator("#f-package_id").select_option(await choice.get_attribute("value"))
        await pokja.locator("#f-evaluation").select_option(evaluation)
        if evaluation != "lowest_price":
            await pokja.locator("#f-criteria").fill(CRITERIA)
            await pokja.locator("#f-technical_weight").fill("70")
            await pokja.locator("#f-price_weight").fill("30")
            await pokja.locator("#f-passing_score").fill("60")
        await click(pokja, "Buat draf tender")
        tender_page = pokja.url
        tender_id = int(tender_page.rsplit("/", 1)[1])
        await pokja.locator("#d-file").set_input_files(
            FilePayload(name="Dokumen pemilihan.pdf", mimeType="application/pdf", buffer=b"%PDF-1.7 dokumen")
        )
        async with pokja.expect_navigation():
            await pokja.locator("form[action$='/dokumen'] button").click()
        await expect(pokja.get_by_role("link", name="Dokumen pemilihan.pdf")).to_be_visible()
        await click(pokja, "Umumkan tender")
        await expect(pokja.get_by_text("Sidik jari kunci tender")).to_be_visible()
        await advance(engine, schema, tender_id, "clarification")  # questions are asked in it

        # Two vendors: a signing key each, the tender found from the home page, registered; one asks.
        vendors: list[Page] = []
        for company in (c.winner, c.loser):
            page = await logged_in(browser, live, tally, company.email, "/akun")
            contexts.append(page.context)
            await makes_a_key(page, tmp_path)
            await page.goto(f"{live.url}/")
            async with page.expect_navigation():
                await page.get_by_role("link", name=title).first.click()
            async with page.expect_navigation():
                await page.get_by_role("link", name="Ikuti tender ini di ruang kerja penyedia").click()
            await click(page, "Daftar ikut tender ini")
            vendors.append(page)
        winner, loser = vendors
        ocid = winner.url.rsplit("/", 1)[1]
        question = f"Apakah jaminan penawaran boleh berupa surety bond? ({title})"
        await winner.get_by_label("Ajukan pertanyaan").fill(question)
        await click(winner, "Kirim pertanyaan")

        # The committee answers it on the tender's page.
        await pokja.goto(tender_page)
        await pokja.get_by_label("Jawaban Pokja").fill(
            "Boleh, dari perusahaan penjaminan yang terdaftar di OJK."
        )
        await click(pokja, "Kirim jawaban")
        await winner.reload()
        await expect(winner.get_by_text("terdaftar di OJK")).to_be_visible()

        # Bidding: each vendor seals and submits in the page.
        await advance(engine, schema, tender_id, "bid_submission")
        for page, price in ((winner, "850.000.000"), (loser, "800.000.000")):
            await page.reload()
            await seals_and_submits(page, price, bid_files(price))

        # The opening: two members give their shares in the page.
        await advance(engine, schema, tender_id, "bid_opening")
        opening = f"{c.office}/tender/{tender_id}/pembukaan"
        await pokja.goto(live.url + opening)
        await click(pokja, "Siapkan kunci pembukaan")
        async with pokja.expect_navigation():
            await gives_share(
                pokja, key_file(tmp_path, c.members[0], f"anggota-1-{tender_id}.pem"), PASSPHRASE
            )
        await expect(pokja.locator("#given-count")).to_have_text("1")
        second = await logged_in(browser, live, tally, c.member_emails[1], opening)
        contexts.append(second.context)
        async with second.expect_navigation():
            await gives_share(
                second, key_file(tmp_path, c.members[1], f"anggota-2-{tender_id}.pem"), PASSPHRASE
            )
        await expect(second.get_by_role("heading", name="Hasil pembukaan")).to_be_visible()
        await expect(second.get_by_text("Rp850.000.000")).to_be_visible()

        # Evaluation: the cheaper bid fails administration with its reason; the other passes all.
        await pokja.goto(f"{live.url}{c.office}/tender/{tender_id}/evaluasi")
        failed = f"Penilaian per penawaran: {c.loser.name}"
        form = pokja.get_by_role("form", name=failed)
        await form.get_by_label("Hasil").select_option("gugur")
        await form.get_by_label("Alasan (wajib bila gugur)").fill(FAILED_REASON)
        async with pokja.expect_navigation():
            await form.get_by_role("button", name="Simpan penilaian").click()
        passed = f"Penilaian per penawaran: {c.winner.name}"
        for _aspect in range(4):  # each form offers the next aspect to assess, passed by default
            form = pokja.get_by_role("form", name=passed)
            if await form.get_by_label("Aspek").input_value() == "technical" and evaluation != "lowest_price":
                for n, score in enumerate(("80", "75")):
                    await form.locator(f"input[name=score-{n}]").fill(score)
            async with pokja.expect_navigation():
                await form.get_by_role("button", name="Simpan penilaian").click()
        await expect(pokja.get_by_text("Evaluasi lengkap.")).to_be_visible()
        await click(pokja, "Simpan hasil pembuktian")
        await click(pokja, "Tetapkan pemenang")
        await click(pokja, "Umumkan pemenang")
        await expect(pokja.get_by_text("Pemenang diumumkan; masa sanggah sampai")).to_be_visible()

        # The failed vendor objects in its workspace; the committee answers.
        await loser.reload()
        await loser.get_by_label("Alasan sanggah").fill(GROUNDS)
        await click(loser, "Kirim sanggah")
        await expect(loser.get_by_text("Belum dijawab pokja.")).to_be_visible()
        await pokja.goto(f"{live.url}{c.office}/tender/{tender_id}/sanggah")
        await pokja.get_by_label("Jawaban Pokja (10-20000 karakter)").fill(ANSWER)
        await click(pokja, "Kirim jawaban")
        await loser.reload()
        await expect(loser.get_by_text(ANSWER)).to_be_visible()

        # The objection period over, the PPK issues the letter of award and records the contract.
        await end_objection_period(engine, schema, tender_id)
        await ppk.goto(f"{live.url}{c.office}/paket")
        async with ppk.expect_navigation():
            await ppk.get_by_role("link", name="SPPBJ dapat diterbitkan").first.click()
        await ppk.get_by_label("Nomor SPPBJ").fill(f"602/SPPBJ/{tender_id}/2026")
        await click(ppk, "Terbitkan SPPBJ")
        async with ppk.expect_navigation():
            await ppk.get_by_role("link", name="Kontrak dapat ditandatangani").first.click()
        await ppk.get_by_label("Nomor kontrak").fill(f"HK.02/{tender_id}/2026")
        await ppk.get_by_label("Tanggal tanda tangan").fill(today())
        await ppk.get_by_label("Tanggal mulai").fill(today())
        await ppk.get_by_label("Tanggal selesai").fill("2026-12-31")
        await click(ppk, "Simpan kontrak")
        await expect(ppk.get_by_text("Berkontrak").first).to_be_visible()
        assert slug in ppk.url
    finally:
        for context in contexts:
            await context.close()
    return Done(tender_id, ocid, tally)
