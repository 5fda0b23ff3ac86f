"""What the procurement officer's direct procurement pages (``/kantor/{slug}/langsung``) read: the
tenant's direct procurements, the packages that may still be offered to one vendor, the verified
vendors an officer may invite, and where one invitation stands.

Reads only: every change goes through the API's services (``tenants.tenders.direct``, bid opening,
the award decision), called by the controller with the officer as the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.vendors.models import Vendor, VendorStatus
from tenants.tenders.evaluation.assessments import opened_bids
from tenants.tenders.models import Package, Tender
from tenants.tenders.outcome_models import Award, Negotiation
from tenants.tenders.schedules import load_schedule
from tenants.tenders.stages import Stage
from tenants.vocabulary import Method, TenderStatus

LIST_LIMIT = 100
FOUND_LIMIT = 20


@dataclass(frozen=True, slots=True)
class DirectRow:
    """One direct procurement as the officer's list shows it."""

    id: int
    title: str
    vendor_id: int | None
    """Always set for a direct procurement (the column is nullable for tenders by competition)."""
    status: str
    owner_estimate: int


@dataclass(frozen=True, slots=True)
class PackageChoice:
    id: int
    title: str
    owner_estimate: int


@dataclass(frozen=True, slots=True)
class VendorChoice:
    id: int
    name: str
    npwp: str


@dataclass(frozen=True, slots=True)
class DirectProgress:
    """Where one invitation stands: its package, its offer deadline, the offer once opened, the
    negotiated price and the award."""

    tender: Tender
    package: Package
    offer_deadline: datetime | None
    offered: int | None
    negotiation: Negotiation | None
    award: Award | None

    @property
    def opened(self) -> bool:
        return self.tender.opening is not None


async def direct_procurements(session: AsyncSession, limit: int = LIST_LIMIT) -> list[DirectRow]:
    """The tenant's direct procurements, newest first (``session`` is the tenant's)."""
    query = (
        select(Tender.id, Package.title, Tender.invited_vendor_id, Tender.status, Package.owner_estimate)
        .join(Package, Package.id == Tender.package_id)
        .where(Tender.invited_vendor_id.is_not(None))
        .order_by(Tender.id.desc())
        .limit(limit)
    )
    return [DirectRow(*row) for row in (await session.execute(query)).all()]


async def invitable_packages(session: AsyncSession) -> list[PackageChoice]:
    """Packages of the direct procurement method with no live procurement (none, or the last one
    failed or was cancelled). Whether one qualifies is still the invitation's service to say."""
    live = select(Tender.package_id).where(
        Tender.status.not_in([TenderStatus.FAILED.value, TenderStatus.CANCELLED.value])
    )
    query = (
        select(Package.id, Package.title, Package.owner_estimate)
        .where(Package.method == Method.DIRECT_PROCUREMENT.value, Package.id.not_in(live))
        .order_by(Package.id.desc())
        .limit(LIST_LIMIT)
    )
    return [PackageChoice(*row) for row in (await session.execute(query)).all()]


async def verified_vendors(session: AsyncSession, wanted: str) -> list[VendorChoice]:
    """Verified vendors whose name holds ``wanted`` or whose NPWP starts with its digits (``session``
    is the hub's). An empty search finds nobody: the list is for choosing, not for browsing."""
    wanted = wanted.strip()
    if not wanted:
        return []
    digits = "".join(c for c in wanted if c.isdigit())
    pattern = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches: list[ColumnElement[bool]] = [Vendor.name.ilike(pattern, escape="\\")]
    if len(digits) >= 3:
        matches.append(Vendor.npwp.startswith(digits))
    query = (
        select(Vendor.id, Vendor.name, Vendor.npwp)
        .where(Vendor.status == VendorStatus.VERIFIED.value, or_(*matches))
        .order_by(Vendor.name)
        .limit(FOUND_LIMIT)
    )
    return [VendorChoice(*row) for row in (await session.execute(query)).all()]


async def vendor_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """The names of vendors by id (``session`` is the hub's)."""
    if not ids:
        return {}
    rows = await session.execute(select(Vendor.id, Vendor.name).where(Vendor.id.in_(ids)))
    return {vendor_id: name for vendor_id, name in rows.all()}


async def direct_progress(session: AsyncSession, tender_id: int) -> DirectProgress | None:
    """One direct procurement of the tenant (``None``: no such one, or a tender by competition)."""
    tender = await session.get(Tender, tender_id)
    if tender is None or not tender.is_direct:
        return None
    package = await session.get(Package, tender.package_id)
    assert package is not None  # a tender always has its package (foreign key)
    schedule = await load_schedule(session, tender.id)
    submission = schedule.get(Stage.BID_SUBMISSION)
    offers = [bid.price for bid in opened_bids(tender) if bid.price is not None] if tender.opening else []
    negotiation = await session.scalar(
        select(Negotiation).where(Negotiation.tender_id == tender.id).order_by(Negotiation.id.desc()).limit(1)
    )
    award = await session.scalar(
        select(Award).where(Award.tender_id == tender.id, Award.withdrawn_at.is_(None)).limit(1)
    )
    return DirectProgress(
        tender,
        package,
        submission.ends_at if submission else None,
        offers[0] if offers else None,
        negotiation,
        award,
    )
