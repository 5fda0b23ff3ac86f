"""Demo tenders of Kabupaten Malang past the opening, one at each later stage:

- in evaluation: bids opened, some assessments recorded, one bid out at administration;
- award announced and in its objection period, with an objection (and its PDF) not yet answered;
- a lowest-price tender signed to contract, after an objection answered and not upheld;
- a merit-point tender (weighted criteria) won on the combined score, not on the lowest price;
- a failed tender (*gagal tender*: no bid passed) and its re-tender, a draft;
- a direct procurement (*pengadaan langsung*) from the invitation to the contract.

Two of them raise a red flag (``federation.catalogue.red_flags``) for the reason the indicator looks
for, and the others none: the road's lowest bid, disqualified for the wrong SBU, lost to a dearer
one, and so did the ambulance's, under the technical passing score (R036, lowest bid disqualified:
here the evaluation explains it, which is what an auditor checks). Every tender takes bids for 15
days, draws several bidders at prices a few per cent under the HPS, and signs no dearer than its award.

Each is built through the services officials and vendors use, one transaction per person's step.
Later stages need days to pass and the database clock decides what is open, so between two steps
the demo moves that tender's own times into the past (``cli.demo.backdate``, as the tests
do). The database clock itself is never faked: what the services stamp with it (receipts,
assessments, letters, contracts, the audit chain) carries the real seeding time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cli.demo import backdate
from cli.demo.custody import DemoCommittee, open_with_shares
from cli.demo.plans import plan_of
from cli.demo.signing import submit_signed_bid
from federation.identity.accounts import get_account
from federation.identity.actor import Actor
from hub.core.clock import database_now
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from tenants.agencies import list_agencies
from tenants.registry import TenantRef
from tenants.sealing import BidFile
from tenants.tenders.award.contracts import ContractInput, issue_award_letter, sign_contract
from tenants.tenders.award.decision import announce_award, decide_award, fail_tender, retender
from tenants.tenders.award.objections import Attachment, answer_objection, lodge_objection
from tenants.tenders.bidding.bids import open_bids
from tenants.tenders.bidding.participation import register_for_tender
from tenants.tenders.direct.procurement import Invitation, invite_vendor, negotiate
from tenants.tenders.documents import PostgresBlobStore
from tenants.tenders.evaluation.assessments import AssessmentInput, record_assessments, verify_qualification
from tenants.tenders.preparation.tenders import PackageInput, announce_tender, create_package, create_tender
from tenants.tenders.stages import Stage

PDF = "application/pdf"
H, D = timedelta(hours=1), timedelta(days=1)
ALL_ASPECTS = ("administrative", "qualification", "technical", "price")
PUPR, HEALTH, EDUCATION, PLANNING = (
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Badan Perencanaan Pembangunan Daerah",
)
OFFICIALS = ("ppk.malang@lpse-hub.demo", "pokja.malang@lpse-hub.demo", "pejabat.malang@lpse-hub.demo")
VENDORS = {  # the verified demo vendors (cli/demo/identity.py), by a short name
    "maju": "direktur@majujaya.demo",
    "karya": "direktur@karyasurabaya.demo",
    "bromo": "direktur@bromotengger.demo",
    "brantas": "direktur@brantaskediri.demo",
    "delta": "direktur@deltasidoarjo.demo",
}
WEIGHTS = {"Spesifikasi teknis": 50, "Layanan purnajual": 30, "Waktu penyerahan": 20}
MERIT_CRITERIA: dict[str, Any] = {
    "technical": [{"name": name, "weight": weight} for name, weight in WEIGHTS.items()],
    "technical_weight": 70,
    "price_weight": 30,
    "passing_score": 65,
}


@dataclass(frozen=True, eq=False)
class Bidder:
    actor: Actor  # the vendor's demo user
    vendor_id: int


@dataclass(frozen=True, eq=False)
class Cast:
    """The demo's people in the tenant, and the means to take one step (one transaction) at a time."""

    engine: AsyncEngine
    tenant: TenantRef
    master: MasterKey
    agencies: dict[str, int]
    ppk: Actor  # commitment_officer
    pokja: Actor  # selection_committee
    officer: Actor  # procurement_officer
    v: dict[str, Bidder]
    committee: DemoCommittee | None = None
    """Set when the tenant's Pokja holds its tenders' keys: they open with its shares."""

    @asynccontextmanager
    async def step(self) -> AsyncIterator[AsyncSession]:
        async with tenant_session(self.engine, self.tenant.schema) as session, session.begin():
            yield session

    def package(
        self, agency: str, title: str, category: str, estimate: int, method: str = "tender"
    ) -> PackageInput:
        """A package of ``agency`` (or of the tenant's first agency, if it has no such one), under its
        plan item (``cli.demo.plans``) when the plan has one of its name."""
        agency_id = self.agencies.get(agency, min(self.agencies.values()))
        kbli = ["42101"] if category == "construction" else []
        budget = estimate * 105 // 100
        return PackageInput(
            agency_id,
            title,
            2026,
            category,
            method,
            budget,
            estimate,
            "Kabupaten Malang",
            kbli,
            plan_of(title),
        )

    async def advance(self, tender_id: int, stage: Stage) -> None:
        await backdate.advance(self.engine, self.tenant.schema, tender_id, stage.value)

    async def end_objection_period(self, tender_id: int) -> None:
        await backdate.end_objection_period(self.engine, self.tenant.schema, tender_id)


async def seed_outcome_demo(
    engine: AsyncEngine, tenant: TenantRef, master: MasterKey, committee: DemoCommittee | None = None
) -> None:
    cast = replace(await _cast(engine, tenant, master), committee=committee)
    await _in_evaluation(cast)
    await _in_objection_period(cast)
    await _contracted(cast)
    await _merit_point(cast)
    await _failed_and_retendered(cast)
    await _direct_procurement(cast)


async def _cast(engine: AsyncEngine, tenant: TenantRef, master: MasterKey) -> Cast:
    async with hub_sessions(engine)() as session:
        accounts = {e: await get_account(session, e) for e in (*OFFICIALS, *VENDORS.values())}
    async with tenant_session(engine, tenant.schema) as session:
        agencies = {a.name: a.id for a in await list_agencies(session)}
    bidders: dict[str, Bidder] = {}
    for name, email in VENDORS.items():
        vendor_id = accounts[email].vendor_id
        assert vendor_id is not None, f"{email} is not a vendor's user"
        bidders[name] = Bidder(Actor(accounts[email].id, tenant), vendor_id)
    ppk, pokja, officer = (Actor(accounts[e].id, tenant) for e in OFFICIALS)
    return Cast(engine, tenant, master, agencies, ppk, pokja, officer, bidders)


def _schedule(now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """Announced from ``now``, bids from a day later for 15 days (no shorter: see R003 in
    ``federation.catalogue.red_flags``), opened after that."""
    closes = now + 16 * D
    return {
        "announcement": (now - H, closes),
        "document_download": (now - H, closes),
        "bid_submission": (now + D, closes),
        "bid_opening": (closes, closes + D),
    }


async def _opened(
    cast: Cast,
    package: PackageInput,
    prices: Mapping[Bidder, int],
    evaluation: str = "lowest_price",
    criteria: Mapping[str, Any] | None = None,
) -> int:
    """A tender announced, bid on (schedule advanced to submission) and opened (advanced again)."""
    async with cast.step() as session:
        created = await create_package(session, cast.ppk, package)
        schedule = _schedule(await database_now(session))
        tender = await create_tender(session, cast.pokja, created.id, evaluation, schedule, criteria=criteria)
        await announce_tender(session, cast.pokja, tender.id, cast.master)
    for bidder in prices:
        async with cast.step() as session:
            await register_for_tender(session, bidder.actor, tender.id)
    await cast.advance(tender.id, Stage.BID_SUBMISSION)
    for bidder, price in prices.items():
        async with cast.step() as session:
            files = [BidFile("penawaran.pdf", PDF, f"%PDF-1.7 penawaran {price}".encode())]
            await submit_signed_bid(session, bidder.actor, tender.id, price, files, cast.master)
    await cast.advance(tender.id, Stage.BID_OPENING)
    if cast.committee is not None:  # two members give their shares back; the second opens the bids
        await open_with_shares(cast.step, cast.committee, cast.tenant, tender.id, cast.master)
    else:
        async with cast.step() as session:
            await open_bids(session, cast.pokja, tender.id, cast.master)
    return tender.id


def _passed(bidders: Iterable[Bidder], *aspects: str) -> list[AssessmentInput]:
    return [AssessmentInput(b.vendor_id, aspect, True) for b in bidders for aspect in aspects]


def _failed(bidder: Bidder, aspect: str, reason: str) -> AssessmentInput:
    return AssessmentInput(bidder.vendor_id, aspect, False, reason)


async def _assess(cast: Cast, tender_id: int, *entries: AssessmentInput) -> None:
    async with cast.step() as session:
        await record_assessments(session, cast.pokja, tender_id, entries)


async def _award(cast: Cast, tender_id: int, winner: Bidder) -> None:
    """The committee proves the winner's qualification, decides the award and announces it."""
    async with cast.step() as session:
        await verify_qualification(session, cast.pokja, tender_id, winner.vendor_id, True, "")
    async with cast.step() as session:
        await decide_award(session, cast.pokja, tender_id, winner.vendor_id)
    async with cast.step() as session:
        await announce_award(session, cast.pokja, tender_id)


async def _object(cast: Cast, tender_id: int, bidder: Bidder, grounds: str, *files: Attachment) -> int:
    async with cast.step() as session:
        store = PostgresBlobStore()
        return (await lodge_objection(session, bidder.actor, tender_id, grounds, list(files), store)).id


async def _contract(cast: Cast, tender_id: int, number: str, value: int, letter: str | None = None) -> None:
    """The PPK's letter of award once the objection period is over (moved past), then the contract,
    signed today and running to the end of the year."""
    if letter is not None:
        await cast.end_objection_period(tender_id)
        async with cast.step() as session:
            await issue_award_letter(session, cast.ppk, tender_id, letter)
    async with cast.step() as session:
        today = (await database_now(session)).astimezone(ZoneInfo(cast.tenant.timezone)).date()
        signed = ContractInput(number, value, today, today, date(today.year, 12, 31))
        await sign_contract(session, cast.ppk, tender_id, signed)


async def _in_evaluation(cast: Cast) -> None:
    v = cast.v
    package = cast.package(PUPR, "Pembangunan Jembatan Sungai Lesti Dampit", "construction", 1_750_000_000)
    prices = {v["maju"]: 1_690_000_000, v["karya"]: 1_655_000_000, v["bromo"]: 1_720_000_000}
    tender = await _opened(cast, package, {**prices, v["delta"]: 1_610_000_000})
    out = _failed(v["delta"], "administrative", "Jaminan penawaran tidak dilampirkan")
    await _assess(cast, tender, *_passed(prices, "administrative"), out)
    await _assess(cast, tender, *_passed([v["karya"], v["maju"]], "qualification"))


async def _in_objection_period(cast: Cast) -> None:
    v = cast.v
    package = cast.package(
        EDUCATION, "Rehabilitasi Gedung SMP Negeri 1 Singosari", "construction", 980_000_000
    )
    prices = {v["karya"]: 951_000_000, v["brantas"]: 932_000_000, v["bromo"]: 968_000_000}
    tender = await _opened(cast, package, prices)
    await _assess(cast, tender, *_passed(prices, *ALL_ASPECTS))
    await _award(cast, tender, v["brantas"])
    grounds = (
        "Pemenang tidak melampirkan SBU subklasifikasi BG002 yang disyaratkan dalam LDP; "
        "kami mohon Pokja mengulang evaluasi kualifikasi."
    )
    evidence = Attachment("bukti-sanggah.pdf", PDF, b"%PDF-1.7 Salinan LDP bagian kualifikasi (demo)")
    await _object(cast, tender, v["karya"], grounds, evidence)


async def _contracted(cast: Cast) -> None:
    v = cast.v
    package = cast.package(PUPR, "Peningkatan Jalan Tumpang - Poncokusumo", "construction", 2_400_000_000)
    qualified = {v["maju"]: 2_310_000_000, v["karya"]: 2_355_000_000, v["bromo"]: 2_450_000_000}
    tender = await _opened(cast, package, {**qualified, v["delta"]: 2_285_000_000})
    no_sbu = "SBU yang dilampirkan untuk subklasifikasi BG001, bukan SI001 yang disyaratkan LDP"
    await _assess(
        cast,
        tender,
        *_passed([*qualified, v["delta"]], "administrative"),
        _failed(v["delta"], "qualification", no_sbu),
        *_passed(qualified, "qualification", "technical"),
        *_passed([v["maju"], v["karya"]], "price"),  # bromo's price is above the HPS: it fails price
    )
    await _award(cast, tender, v["maju"])
    grounds = "Penawaran kami paling rendah dan SBU kami sesuai; mohon evaluasi kualifikasi ditinjau ulang."
    objection = await _object(cast, tender, v["delta"], grounds)
    async with cast.step() as session:
        answer = f"Sanggahan tidak diterima: {no_sbu}."
        await answer_objection(session, cast.pokja, tender, objection, answer, False)
    await _contract(cast, tender, "HK.02.03/PUPR/3507/014/2026", 2_310_000_000, "SPPBJ/027/PUPR/2026")


async def _merit_point(cast: Cast) -> None:
    """Bromo wins on 0.7 x 88.1 + 0.3 x 100 x 1080/1150 = 89.8 against Brantas's 83.1, though dearer."""
    v = cast.v
    package = cast.package(HEALTH, "Pengadaan Ambulans Puskesmas Kabupaten Malang", "goods", 1_200_000_000)
    prices = {v["bromo"]: 1_150_000_000, v["brantas"]: 1_080_000_000, v["karya"]: 990_000_000}
    tender = await _opened(cast, package, prices, "merit_point", MERIT_CRITERIA)

    def technical(name: str, scores: tuple[int, int, int], reason: str = "") -> AssessmentInput:
        named = dict(zip(WEIGHTS, scores, strict=True))
        return AssessmentInput(v[name].vendor_id, "technical", not reason, reason, named)

    await _assess(
        cast,
        tender,
        *_passed(prices, "administrative", "qualification", "price"),
        technical("bromo", (90, 85, 88)),
        technical("brantas", (78, 75, 72)),
        technical("karya", (60, 55, 70), "Nilai teknis 60,5 di bawah ambang batas 65"),
    )
    await _award(cast, tender, v["bromo"])
    await _contract(cast, tender, "HK.02.03/DINKES/3507/006/2026", 1_150_000_000, "SPPBJ/011/DINKES/2026")


async def _failed_and_retendered(cast: Cast) -> None:
    v = cast.v
    package = cast.package(PUPR, "Pembangunan Pasar Rakyat Sumberpucung", "construction", 650_000_000)
    tender = await _opened(cast, package, {v["maju"]: 672_000_000, v["delta"]: 640_000_000})
    inexperienced = _failed(v["delta"], "qualification", "Pengalaman sejenis tidak memenuhi syarat LDP")
    await _assess(cast, tender, *_passed([v["maju"], v["delta"]], "administrative"), inexperienced)
    await _assess(cast, tender, *_passed([v["maju"]], "qualification", "technical"))  # price: above HPS
    async with cast.step() as session:
        reason = "Tidak ada penawaran yang lulus evaluasi: satu gugur kualifikasi, satu di atas HPS"
        await fail_tender(session, cast.pokja, tender, reason)
    async with cast.step() as session:
        await retender(session, cast.pokja, tender, _schedule(await database_now(session) + 7 * D))


async def _direct_procurement(cast: Cast) -> None:
    maju = cast.v["maju"]
    title = "Pengadaan Laptop dan Printer Bappeda"
    async with cast.step() as session:
        package = await create_package(
            session, cast.ppk, cast.package(PLANNING, title, "goods", 185_000_000, "direct_procurement")
        )
    async with cast.step() as session:
        invitation = Invitation(package.id, maju.vendor_id, await database_now(session) + 2 * D)
        tender = await invite_vendor(session, cast.officer, cast.master, invitation)
    async with cast.step() as session:
        files = [BidFile("penawaran.pdf", PDF, b"%PDF-1.7 penawaran 182000000")]
        await submit_signed_bid(session, maju.actor, tender.id, 182_000_000, files, cast.master)
    await cast.advance(tender.id, Stage.BID_OPENING)
    async with cast.step() as session:
        await open_bids(session, cast.officer, tender.id, cast.master)
    async with cast.step() as session:
        notes = "Harga disepakati setelah klarifikasi spesifikasi dan ongkos kirim"
        await negotiate(session, cast.officer, tender.id, 176_500_000, notes)
    async with cast.step() as session:
        await decide_award(session, cast.officer, tender.id, maju.vendor_id)
    await _contract(cast, tender.id, "SPK/3507/PL/BAPPEDA/003/2026", 176_500_000)
