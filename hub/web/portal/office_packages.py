"""What the commitment officer's (PPK) pages of the office (``/kantor/{slug}/paket``) read: the
tenant's packages with their tenders, one package with its tenders' progress, and what waits for the
PPK's hand on each tender.

Reading only: every change these pages make goes through the API's services (``create_package``,
``issue_award_letter``, ``sign_contract``), which decide. What "waits" here is a pointer to the form
that may succeed now (an award whose objection period is over with every objection answered: the
letter of award; a letter issued, or a direct procurement's award: the contract), never a
permission: the service checks again when the form is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.vendors import Vendor
from hub.core.clock import database_now
from hub.core.errors import NotFound
from tenants.agencies.models import Agency
from tenants.tenders.models import Package, Tender
from tenants.tenders.outcome_models import Award, Contract, Objection
from tenants.tenders.progress import current_stage
from tenants.tenders.schedules import load_schedules
from tenants.tenders.stages import ORDER, Stage, Window
from tenants.vocabulary import TenderStatus

PACKAGE_SECTION = "paket"
"""The office section these pages belong to (``hub.web.portal.office.SECTIONS``)."""

PACKAGES_LIMIT = 200


class Waiting(StrEnum):
    """The PPK's next step on a tender, when it is theirs to take."""

    LETTER = "sppbj"  # the letter of award (SPPBJ)
    CONTRACT = "kontrak"


@dataclass(frozen=True, slots=True)
class StageRow:
    stage: str
    starts_at: datetime
    ends_at: datetime
    state: str  # "done", "open" or "later", on the database clock


@dataclass(frozen=True, slots=True)
class AwardFacts:
    vendor: str
    price: int
    objection_ends_at: datetime | None
    unanswered_objections: int
    letter_number: str | None
    letter_issued_at: datetime | None


@dataclass(frozen=True, slots=True)
class ContractFacts:
    number: str
    vendor: str
    value: int
    signed_on: date
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class TenderProgress:
    """One tender of a package: where it stands, and what (if anything) waits for the PPK."""

    id: int
    status: str
    round: int
    stage: str
    is_direct: bool
    waiting: Waiting | None
    schedule: list[StageRow] = field(default_factory=list)
    award: AwardFacts | None = None
    contract: ContractFacts | None = None


@dataclass(frozen=True, slots=True)
class PackageRow:
    id: int
    title: str
    agency: str
    fiscal_year: int
    category: str
    method: str
    budget: int
    owner_estimate: int
    kbli: list[str]
    location: str
    created_at: datetime
    tenders: list[TenderProgress]

    @property
    def waiting(self) -> list[TenderProgress]:
        return [t for t in self.tenders if t.waiting is not None]


async def agencies(session: AsyncSession) -> list[tuple[int, str]]:
    """The tenant's agencies (id, name), for the package form's choice."""
    rows = await session.execute(select(Agency.id, Agency.name).order_by(Agency.name))
    return [(agency_id, name) for agency_id, name in rows.all()]


async def packages(session: AsyncSession, limit: int = PACKAGES_LIMIT) -> list[PackageRow]:
    """The tenant's packages, newest first, each with its tenders (``session`` is the tenant's)."""
    query = (
        select(Package, Agency.name)
        .join(Agency, Agency.id == Package.agency_id)
        .order_by(Package.id.desc())
        .limit(limit)
    )
    found = (await session.execute(query)).all()
    tenders = await _tenders_of(session, [p.id for p, _ in found], detailed=False)
    return [_row(p, agency, tenders.get(p.id, [])) for p, agency in found]


async def package(session: AsyncSession, package_id: int, vendors: AsyncSession) -> PackageRow:
    """One package with its tenders' schedules, awards and contracts; ``NotFound`` if the tenant has
    none by that id. ``vendors`` is the hub's session, where the winners' names are."""
    found = (
        await session.execute(
            select(Package, Agency.name)
            .join(Agency, Agency.id == Package.agency_id)
            .where(Package.id == package_id)
        )
    ).first()
    if found is None:
        raise NotFound(f"no package {package_id}")
    tenders = await _tenders_of(session, [package_id], detailed=True, vendors=vendors)
    return _row(found[0], found[1], tenders.get(package_id, []))


async def tender_of_package(
    session: AsyncSession, package_id: int, tender_id: int, vendors: AsyncSession
) -> tuple[PackageRow, TenderProgress]:
    """A package and one of its tenders (``NotFound`` if the tender is not the package's)."""
    found = await package(session, package_id, vendors)
    tender = next((t for t in found.tenders if t.id == tender_id), None)
    if tender is None:
        raise NotFound(f"no tender {tender_id} in package {package_id}")
    return found, tender


def _row(p: Package, agency: str, tenders: list[TenderProgress]) -> PackageRow:
    return PackageRow(
        p.id,
        p.title,
        agency,
        p.fiscal_year,
        p.category,
        p.method,
        p.budget,
        p.owner_estimate,
        list(p.kbli),
        p.location,
        p.created_at,
        tenders,
    )


async def _tenders_of(
    session: AsyncSession,
    package_ids: Sequence[int],
    *,
    detailed: bool,
    vendors: AsyncSession | None = None,
) -> dict[int, list[TenderProgress]]:
    """The packages' tenders by package: where each stands and what waits for the PPK; ``detailed``
    adds the schedules, awards and contracts (a package's page), the winners named from ``vendors``."""
    if not package_ids:
        return {}
    query = select(Tender).where(Tender.package_id.in_(package_ids)).order_by(Tender.id)
    tenders = list((await session.execute(query)).scalars())
    ids = [t.id for t in tenders]
    now = await database_now(session)
    schedules = await load_schedules(session, ids)
    awards = await _current_awards(session, ids)
    unanswered = await _unanswered_objections(session, ids)
    contracts = await _contracts(session, ids) if detailed else {}
    winners = {a.vendor_id for a in awards.values()} | {c.vendor_id for c in contracts.values()}
    names = await _vendor_names(vendors, winners) if detailed and vendors is not None else {}
    by_package: dict[int, list[TenderProgress]] = {}
    for tender in tenders:
        schedule = schedules.get(tender.id, {})
        award = awards.get(tender.id)
        objections = unanswered.get(tender.id, 0)
        contract = contracts.get(tender.id)
        progress = TenderProgress(
            id=tender.id,
            status=tender.status,
            round=tender.round,
            stage=_stage(tender, schedule, now),
            is_direct=tender.is_direct,
            waiting=_waiting(tender, award, objections, now),
            schedule=_schedule_rows(schedule, now) if detailed else [],
            award=_award_facts(award, objections, names) if detailed and award is not None else None,
            contract=_contract_facts(contract, names) if contract is not None else None,
        )
        by_package.setdefault(tender.package_id, []).append(progress)
    return by_package


async def _current_awards(session: AsyncSession, tender_ids: Sequence[int]) -> dict[int, Award]:
    """Each tender's award of its current round, if it has one."""
    query = (
        select(Award)
        .join(Tender, (Tender.id == Award.tender_id) & (Tender.round == Award.round))
        .where(Award.tender_id.in_(tender_ids))
    )
    return {a.tender_id: a for a in (await session.execute(query)).scalars()}


async def _unanswered_objections(session: AsyncSession, tender_ids: Sequence[int]) -> dict[int, int]:
    """How many objections to each tender's current award wait for the committee's answer."""
    query = (
        select(Objection.tender_id, func.count())
        .join(Tender, Tender.id == Objection.tender_id)
        .where(
            Objection.tender_id.in_(tender_ids),
            Objection.round == Tender.round,
            Objection.answered_at.is_(None),
        )
        .group_by(Objection.tender_id)
    )
    return {tender_id: count for tender_id, count in (await session.execute(query)).all()}


async def _contracts(session: AsyncSession, tender_ids: Sequence[int]) -> dict[int, Contract]:
    query = select(Contract).where(Contract.tender_id.in_(tender_ids))
    return {c.tender_id: c for c in (await session.execute(query)).scalars()}


async def _vendor_names(session: AsyncSession, vendor_ids: set[int]) -> dict[int, str]:
    """The companies' names, from the hub's session."""
    if not vendor_ids:
        return {}
    rows = await session.execute(select(Vendor.id, Vendor.name).where(Vendor.id.in_(vendor_ids)))
    return {vendor_id: name for vendor_id, name in rows.all()}


def _stage(tender: Tender, schedule: dict[Stage, Window], now: datetime) -> str:
    if tender.status == TenderStatus.ANNOUNCED and Stage.BID_SUBMISSION not in schedule:
        return Stage.ANNOUNCEMENT.value  # a direct procurement's invitation has no bid window
    return current_stage(tender, schedule, now)


def _waiting(tender: Tender, award: Award | None, unanswered: int, now: datetime) -> Waiting | None:
    status = TenderStatus(tender.status)
    if status == TenderStatus.AWARD_LETTER or (tender.is_direct and status == TenderStatus.AWARDED):
        return Waiting.CONTRACT
    if (
        status == TenderStatus.AWARD_ANNOUNCED
        and award is not None
        and award.objection_ends_at is not None
        and award.objection_ends_at <= now
        and not unanswered
    ):
        return Waiting.LETTER
    return None


def _schedule_rows(schedule: dict[Stage, Window], now: datetime) -> list[StageRow]:
    def state(window: Window) -> str:
        return "done" if window.ends_at <= now else "open" if window.is_open(now) else "later"

    return [
        StageRow(s.value, schedule[s].starts_at, schedule[s].ends_at, state(schedule[s]))
        for s in ORDER
        if s in schedule
    ]


def _award_facts(award: Award, unanswered: int, names: dict[int, str]) -> AwardFacts:
    return AwardFacts(
        names.get(award.vendor_id, f"#{award.vendor_id}"),
        award.price,
        award.objection_ends_at,
        unanswered,
        award.letter_number,
        award.letter_issued_at,
    )


def _contract_facts(contract: Contract, names: dict[int, str]) -> ContractFacts:
    return ContractFacts(
        contract.number,
        names.get(contract.vendor_id, f"#{contract.vendor_id}"),
        contract.value,
        contract.signed_on,
        contract.starts_on,
        contract.ends_on,
    )
