"""A few months of history in six more LPSEs of the demo province, so that its review has a story.

Kabupaten Malang's demo tenders (``cli.demo.tenders``) all happen on the day the demo is
seeded. Here Kota Surabaya, Kabupaten Sidoarjo, Blitar, Kediri and Banyuwangi and Kota Malang get
tenders that ended weeks or months ago: contracted (some after an objection answered and not
upheld), failed or cancelled. Each runs through the services its officials and the demo vendors
use, then ``cli.demo.backdate.shift_back`` moves it to when it "happened"; the database
clock is never faked. A tenant that has packages already is left alone, so seeding twice is
seeding once.

The histories are shaped so that the province's auditors (APIP) find a few red flags
(``federation.catalogue.red_flags``) among tenders that raise none, each for a reason a newcomer can
read in ``HISTORY``:

- Sidoarjo's Puskesmas Tanggulangin and Blitar's Embung Sumberdiren took bids for under 15 days
  (R003, short submission period) and drew one bidder each (R018, single bid), then failed;
- Kediri's Kantor Kecamatan Pare drew three bids all within 0.6% of the HPS, and the winner's is
  99.6% of it (H01: the estimate may have leaked);
- Blitar's Puskesmas Kesamben had two losing bids at exactly the same price (R028: cover bids);
- Surabaya's buyer gave all three of its contracts to CV Maju Jaya (H02, one supplier dominates).

Every other tender took bids for at least 15 days, drew two bidders or more at prices a few per
cent apart under the HPS, and was won by its lowest bid at a contract no dearer than the award.
(H03, a contract above its award, never appears: ``sign_contract`` refuses such a contract.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cli.demo import backdate
from cli.demo.identity import DEMO_PASSWORD
from cli.demo.province import DEMO_PROVINCE
from cli.demo.signing import submit_signed_bid
from federation.identity.accounts import create_account, find_account, grant_role
from federation.identity.actor import Actor
from hub.core.clock import database_now
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from tenants.agencies import list_agencies
from tenants.registry import TenantRef, resolve_tenant
from tenants.sealing import BidFile
from tenants.tenders.award.contracts import ContractInput, issue_award_letter, sign_contract
from tenants.tenders.award.decision import announce_award, decide_award, fail_tender
from tenants.tenders.award.objections import answer_objection, lodge_objection
from tenants.tenders.bidding.bids import open_bids
from tenants.tenders.bidding.participation import register_for_tender
from tenants.tenders.documents import PostgresBlobStore
from tenants.tenders.evaluation.assessments import AssessmentInput, record_assessments, verify_qualification
from tenants.tenders.models import Package
from tenants.tenders.preparation.tenders import (
    PackageInput,
    announce_tender,
    cancel_tender,
    create_package,
    create_tender,
)
from tenants.tenders.stages import Stage

JUTA = 1_000_000
BIDDERS = ("direktur@majujaya.demo", "direktur@bromotengger.demo", "direktur@brantaskediri.demo")
"""Demo vendors verified in Surabaya and suspended nowhere, in the order of ``Past.prices``."""
ASPECTS = ("administrative", "qualification", "technical", "price")


@dataclass(frozen=True, slots=True)
class Past:
    """A tender that ended ``days_ago``, ``lasted`` days after its announcement. Its amounts are in
    millions of rupiah (*juta*), as people quote them; the tender is given them in rupiah.

    Bids are taken from the announcement to the opening, so the submission period (OCDS
    ``tenderPeriod``) lasts ``lasted`` days (a cancelled tender's: 15). ``prices`` go to ``BIDDERS`` in
    order and the lowest wins: whoever bids lowest decides the supplier a buyer's record shows."""

    title: str
    hps: int
    prices: tuple[int, ...]  # the bids; none: cancelled before the bids
    days_ago: int
    lasted: int = 0
    value: int | None = None  # the contract's value; none: failed (or cancelled)
    objected: bool = False
    category: str = "construction"

    @property
    def submission_days(self) -> int:
        return self.lasted or 15


HISTORY: dict[str, tuple[Past, ...]] = {
    "kota-surabaya": (  # H02: Maju Jaya wins all three contracts of the city's one buyer
        Past("Pembangunan Saluran Diversi Gunungsari", 4800, (4450, 4520, 4610), 95, 24, 4450, True),
        Past("Rehabilitasi Gedung SDN Ketabang", 1350, (1240, 1265, 1300), 52, 19, 1230),
        Past("Pengadaan Lampu Penerangan Jalan Umum", 2100, (1980, 2020), 18, 21, 1980, category="goods"),
        Past("Peningkatan Jalan Kenjeran", 3200, (), 30),
    ),
    "kab-sidoarjo": (
        Past("Normalisasi Sungai Buntung", 2750, (2610, 2640, 2700), 80, 27, 2600),
        Past("Pembangunan Puskesmas Tanggulangin", 1900, (1850,), 45, 14),  # R003, R018
        Past("Rehabilitasi Pasar Larangan", 980, (905, 930, 955), 12, 22, 905, True),
    ),
    "kab-blitar": (
        Past("Peningkatan Jalan Wlingi - Doko", 1600, (1520, 1545), 70, 25, 1520),
        Past("Pembangunan Embung Desa Sumberdiren", 720, (700,), 35, 12),  # R003, R018
        # R028: Maju Jaya and Bromo Tengger lose with the very same price; Brantas Kediri wins
        Past("Rehabilitasi Gedung Puskesmas Kesamben", 1450, (1415, 1415, 1380), 55, 26, 1380),
    ),
    "kota-malang": (
        Past("Pembangunan Gedung Parkir Kayutangan", 5300, (4980, 5050, 5120), 60, 28, 4950),
        Past("Pengadaan Bus Sekolah", 1150, (1090, 1110), 25, 16, 1090, category="goods"),
    ),
    "kab-kediri": (
        Past("Rehabilitasi Jaringan Irigasi Kandangan", 1250, (1180, 1195, 1230), 100, 23, 1175),
        Past("Pembangunan Jembatan Ngadiluwih", 2400, (), 8),
        # H01: every bid hugs the HPS; Bromo Tengger wins at 99.6% of it
        Past("Pembangunan Kantor Kecamatan Pare", 1800, (1799, 1792, 1797), 65, 25, 1792),
    ),
    "kab-banyuwangi": (
        Past("Penataan Kawasan Pantai Boom", 3900, (3700, 3760, 3820), 40, 26, 3690, True),
        Past("Pengadaan Perahu Nelayan", 850, (790, 810), 5, 18, 790, category="goods"),
    ),
}


@dataclass(frozen=True, eq=False)
class Desk:
    """One regency's officials and the demo bidders, taking one step (transaction) at a time."""

    engine: AsyncEngine
    tenant: TenantRef
    master: MasterKey
    agency_id: int
    ppk: Actor  # commitment_officer
    pokja: Actor  # selection_committee
    bidders: tuple[tuple[Actor, int], ...]  # a vendor's user, and its vendor id

    @asynccontextmanager
    async def step(self) -> AsyncIterator[AsyncSession]:
        async with tenant_session(self.engine, self.tenant.schema) as session, session.begin():
            yield session

    async def shift(self, tender_id: int, days: int) -> None:
        await backdate.shift_back(self.engine, self.tenant.schema, tender_id, days)


async def seed_review_demo(engine: AsyncEngine, master: MasterKey) -> None:
    """Seed ``HISTORY`` (after the demo province, accounts and vendors are there)."""
    for slug, tenders in HISTORY.items():
        desk = await _desk(engine, master, slug)
        if desk is None:
            continue
        for past in tenders:
            await _run(desk, past)


async def _desk(engine: AsyncEngine, master: MasterKey, slug: str) -> Desk | None:
    """The regency's desk, its two officials made on first use; ``None`` once it has its history."""
    async with hub_sessions(engine)() as session, session.begin():
        tenant = await resolve_tenant(session, slug=slug)
        officials = []
        for role, title in (("commitment_officer", "PPK"), ("selection_committee", "Pokja Pemilihan")):
            email = f"{title.split()[0].lower()}.{slug}@lpse-hub.demo"
            account = await find_account(session, email)
            if account is None:
                account = await create_account(
                    session, email, f"{title} {tenant.name}", DEMO_PASSWORD, email_verified=True
                )
                await grant_role(session, email, role, slug)
            officials.append(Actor(account.id, tenant))
        vendors = [await find_account(session, email) for email in BIDDERS]
    bidders = tuple((Actor(v.id, tenant), v.vendor_id) for v in vendors if v is not None and v.vendor_id)
    async with tenant_session(engine, tenant.schema) as session:
        if await session.scalar(select(Package.id).limit(1)) is not None:
            return None
        agencies = await list_agencies(session)
    return Desk(engine, tenant, master, agencies[0].id, officials[0], officials[1], bidders)


async def _run(desk: Desk, past: Past) -> None:
    tender_id = await _announced(desk, past)
    if not past.prices:
        async with desk.step() as session:
            await cancel_tender(session, desk.pokja, tender_id, "Anggaran dialihkan ke penanganan bencana")
        await desk.shift(tender_id, past.days_ago)
        return
    bidders = {b: price * JUTA for b, price in zip(desk.bidders, past.prices, strict=False)}
    for bidder in bidders:
        async with desk.step() as session:
            await register_for_tender(session, bidder[0], tender_id)
    await backdate.advance(desk.engine, desk.tenant.schema, tender_id, Stage.BID_SUBMISSION.value)
    for (actor, _), price in bidders.items():
        async with desk.step() as session:
            files = [BidFile("penawaran.pdf", "application/pdf", f"%PDF-1.7 penawaran {price}".encode())]
            await submit_signed_bid(session, actor, tender_id, price, files, desk.master)
    # the announcement and the bids ``lasted`` days back: the submission period ends now, at the opening
    await desk.shift(tender_id, past.lasted)
    await backdate.advance(desk.engine, desk.tenant.schema, tender_id, Stage.BID_OPENING.value)
    async with desk.step() as session:
        await open_bids(session, desk.pokja, tender_id, desk.master)
    if past.value is None:
        async with desk.step() as session:
            reason = "Penawaran tunggal di atas HPS setelah klarifikasi: tidak ada penawaran yang lulus"
            await fail_tender(session, desk.pokja, tender_id, reason)
    else:
        await _contracted(desk, tender_id, past, bidders)
    await desk.shift(tender_id, past.days_ago)


async def _announced(desk: Desk, past: Past) -> int:
    hour, day = timedelta(hours=1), timedelta(days=1)
    async with desk.step() as session:
        now = await database_now(session)
        kbli = ["42101"] if past.category == "construction" else []
        estimate = past.hps * JUTA
        package = PackageInput(
            agency_id=desk.agency_id,
            title=past.title,
            fiscal_year=now.year,
            category=past.category,
            method="tender",
            budget=estimate * 110 // 100,
            owner_estimate=estimate,
            location=desk.tenant.name,
            kbli=kbli,
        )
        created = await create_package(session, desk.ppk, package)
        closes = now + day + past.submission_days * day
        schedule = {
            "announcement": (now - hour, closes),
            "document_download": (now - hour, closes),
            "bid_submission": (now + day, closes),
            "bid_opening": (closes, closes + day),
        }
        tender = await create_tender(session, desk.pokja, created.id, "lowest_price", schedule)
        await announce_tender(session, desk.pokja, tender.id, desk.master)
        return tender.id


async def _contracted(desk: Desk, tender_id: int, past: Past, bidders: dict[tuple[Actor, int], int]) -> None:
    """Everybody passes; the lowest price wins, perhaps after an objection, and signs today."""
    (_, winner), _ = min(bidders.items(), key=lambda item: item[1])
    verdicts = [AssessmentInput(vendor, aspect, True) for _, vendor in bidders for aspect in ASPECTS]
    async with desk.step() as session:
        await record_assessments(session, desk.pokja, tender_id, verdicts)
    async with desk.step() as session:
        await verify_qualification(session, desk.pokja, tender_id, winner, True, "")
    async with desk.step() as session:
        await decide_award(session, desk.pokja, tender_id, winner)
        await announce_award(session, desk.pokja, tender_id)
    losers = [actor for actor, vendor in bidders if vendor != winner]
    if past.objected and losers:
        await _objection_not_upheld(desk, tender_id, losers[0])
    await backdate.end_objection_period(desk.engine, desk.tenant.schema, tender_id)
    async with desk.step() as session:
        today = (await database_now(session)).astimezone(ZoneInfo(desk.tenant.timezone)).date()
        number = f"{desk.tenant.code}/{tender_id:03d}/{today.year}"
        await issue_award_letter(session, desk.ppk, tender_id, f"SPPBJ/{number}")
    async with desk.step() as session:
        assert past.value is not None
        contract = ContractInput(f"HK/{number}", past.value * JUTA, today, today, today + timedelta(days=120))
        await sign_contract(session, desk.ppk, tender_id, contract)


async def _objection_not_upheld(desk: Desk, tender_id: int, objector: Actor) -> None:
    grounds = "Metode pelaksanaan pemenang tidak sesuai dengan spesifikasi teknis dalam dokumen pemilihan."
    async with desk.step() as session:
        lodged = await lodge_objection(session, objector, tender_id, grounds, [], PostgresBlobStore())
    async with desk.step() as session:
        answer = "Sanggahan tidak diterima: metode pelaksanaan telah dievaluasi sesuai dokumen pemilihan."
        await answer_objection(session, desk.pokja, tender_id, lodged.id, answer, False)


def review_hint(host: str, port: int, today: date) -> str:
    """How to see the demo province's review over the last six months (the startup hints of the demo)."""
    start = today.replace(day=1)
    for _ in range(5):
        start = (start - timedelta(days=1)).replace(day=1)
    period = f"from={start}&to={today}"
    return (
        f"  the province's review (rakor): lpse-hub review --province {DEMO_PROVINCE} --from {start} "
        f"--to {today} --format html --out rakor-{DEMO_PROVINCE}.html, or "
        f"http://{host}:{port}/api/reviews/{DEMO_PROVINCE}?{period}&format=html "
        "with a token of admin@lpse-hub.demo or auditor@lpse-hub.demo"
    )
