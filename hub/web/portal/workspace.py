"""What the vendor workspace's pages show, read through the same services as the API's routes.

A vendor works across the province: its registrations and bids live in each regency's own schema,
so the pages that list them walk the active tenants (38 at most in a province: one small query
each). Which tenders are open to it comes from the catalogue, the province-wide index the public
portal searches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.catalogue.models import LOCAL, CatalogueEntry
from federation.catalogue.records import public_ocid
from federation.catalogue.search import find_entry
from federation.identity.models import Account
from federation.vendors import Vendor, format_npwp, get_vendor, verifications_of
from hub.core.clock import database_now
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import NotFound, TenantSuspended
from tenants.registry import TenantRef, resolve_tenant
from tenants.registry.models import Tenant, TenantStatus
from tenants.tenders import clarifications, get_tender
from tenants.tenders.award.decision import current_award
from tenants.tenders.evaluation.assessments import opened_bids
from tenants.tenders.models import Bid, Package, Registration, Tender
from tenants.tenders.notices import DeadlineNotice, deadline_notices
from tenants.tenders.outcome_models import Contract
from tenants.tenders.views import clarification_view, tender_view_now
from tenants.vocabulary import TenderStatus

OPEN_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Company:
    """The vendor as its own user sees it."""

    vendor: Vendor
    npwp: str
    verified_by: list[str]

    @property
    def verified(self) -> bool:
        return self.vendor.status == "verified"


async def company(session: AsyncSession, account: Account) -> Company:
    assert account.vendor_id is not None
    vendor = await get_vendor(session, account.vendor_id)
    verifications = await verifications_of(session, vendor.id)
    return Company(vendor, format_npwp(vendor.npwp), sorted({v.tenant_code for v in verifications}))


@dataclass(frozen=True, slots=True)
class OpenTender:
    entry: CatalogueEntry
    ocid: str
    timezone: str
    registered: bool


async def active_tenants(session: AsyncSession) -> list[Tenant]:
    query = select(Tenant).where(Tenant.status == TenantStatus.ACTIVE.value).order_by(Tenant.code)
    return list((await session.execute(query)).scalars())


async def _registered_in(engine: AsyncEngine, tenant: Tenant, vendor_id: int) -> set[int]:
    async with tenant_session(engine, tenant.schema) as session:
        query = select(Registration.tender_id).where(Registration.vendor_id == vendor_id)
        return set((await session.execute(query)).scalars())


async def open_tenders(
    session: AsyncSession, engine: AsyncEngine, prefix: str, vendor: Vendor
) -> list[OpenTender]:
    """This hub's announced tenders whose submission has not closed, in the vendor's lines of work
    (a KBLI in common, or a tender naming none), soonest closing first; registered ones marked."""
    entries = list(
        (
            await session.execute(
                select(CatalogueEntry)
                .where(
                    CatalogueEntry.origin == LOCAL,
                    CatalogueEntry.status == "announced",
                    CatalogueEntry.submission_ends_at > func.now(),
                    or_(CatalogueEntry.kbli.overlap(vendor.kbli), func.cardinality(CatalogueEntry.kbli) == 0),
                )
                .order_by(CatalogueEntry.submission_ends_at, CatalogueEntry.id)
                .limit(OPEN_LIMIT)
            )
        ).scalars()
    )
    tenants = {t.slug: t for t in await active_tenants(session)}
    registered: dict[str, set[int]] = {}
    for slug in {e.tenant_slug for e in entries if e.tenant_slug in tenants}:
        registered[slug] = await _registered_in(engine, tenants[slug], vendor.id)
    return [
        OpenTender(
            e,
            public_ocid(prefix, e.ocid),
            tenants[e.tenant_slug].timezone,
            e.tender_id in registered[e.tenant_slug],
        )
        for e in entries
        if e.tenant_slug in tenants
    ]


@dataclass(frozen=True, slots=True)
class TenderDesk:
    """One tender as a vendor takes part in it: the tender, its registration, its questions."""

    entry: CatalogueEntry
    tenant: TenantRef
    view: dict[str, Any]
    registered: bool
    questions: list[dict[str, Any]] = field(default_factory=list)
    objection: ObjectionWindow | None = None
    """The objection period of the award now announced, for a bidder that may object to it."""
    objections: list[dict[str, Any]] = field(default_factory=list)
    """This vendor's objections to the tender's awards (every round), with the answers given."""
    notices: list[DeadlineNotice] = field(default_factory=list)
    """The moves of its bid-submission deadline of the last 30 days, for a registered vendor."""


@dataclass(frozen=True, slots=True)
class ObjectionWindow:
    """The announced award's objection period as this bidder sees it; ``open`` on the database
    clock, the service judging again when an objection comes (the page may be stale by then)."""

    ends_at: datetime
    open: bool


async def _objection_window(
    session: AsyncSession, tender: Tender, vendor_id: int, now: datetime
) -> ObjectionWindow | None:
    """``None`` unless the award is announced and this vendor bid and lost: the winner and those
    who did not bid have nothing to lodge (the service would refuse them)."""
    if tender.status != TenderStatus.AWARD_ANNOUNCED or tender.opening is None:
        return None
    award = await current_award(session, tender)
    if award is None or award.announced_at is None or award.objection_ends_at is None:
        return None
    if vendor_id not in {bid.vendor_id for bid in opened_bids(tender)} or vendor_id == award.vendor_id:
        return None
    return ObjectionWindow(award.objection_ends_at, award.announced_at <= now < award.objection_ends_at)


async def tender_desk(
    session: AsyncSession, engine: AsyncEngine, prefix: str, ocid: str, vendor_id: int
) -> TenderDesk:
    """``NotFound`` for a tender this hub does not run (a peer's, an unknown ocid);
    ``TenantSuspended`` for one of a suspended LPSE."""
    entry = await find_entry(session, prefix, ocid)
    if entry.origin != LOCAL:
        raise NotFound(f"{ocid} is run by another hub")
    async with hub_sessions(engine)() as hub:
        tenant = await resolve_tenant(hub, slug=entry.tenant_slug)
    if not tenant.is_active:  # as the API's tenant routes refuse a suspended LPSE
        raise TenantSuspended(f"LPSE {tenant.name} is suspended: {tenant.status_reason}")
    async with tenant_session(engine, tenant.schema) as own:
        tender = await get_tender(own, entry.tender_id)
        view = await tender_view_now(own, tenant, tender)
        registered = await own.get(Registration, (tender.id, vendor_id)) is not None
        zone = ZoneInfo(tenant.timezone)
        questions = (
            [
                clarification_view(c, zone, show_asker=False, own_vendor=vendor_id)
                for c in await clarifications(own, tender.id)
            ]
            if registered
            else []
        )
        window = await _objection_window(own, tender, vendor_id, await database_now(own))
        notices = await deadline_notices(own, vendor_id, tender_ids=[tender.id]) if registered else []
    mine = [o for o in view.get("objections", []) if o["vendor_id"] == vendor_id]
    return TenderDesk(entry, tenant, view, registered, questions, window, mine, notices)


@dataclass(frozen=True, slots=True)
class MyBid:
    tenant: Tenant
    ocid: str
    tender_id: int
    received_at: datetime
    ciphertext_sha256: str
    signed: bytes
    """The receipt as the hub signed it: its bytes are what the signature covers."""

    @property
    def receipt(self) -> str:
        """The receipt indented to read."""
        try:
            return json.dumps(json.loads(self.signed), indent=2, ensure_ascii=False)
        except ValueError:
            return self.signed.decode("utf-8", "replace")

    @property
    def fields(self) -> dict[str, Any]:
        """The receipt's fields (none if it cannot be read: the page then shows its text alone)."""
        try:
            loaded = json.loads(self.signed)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}


def _my_bid(prefix: str, tenant: Tenant, bid: Bid) -> MyBid:
    ocid = public_ocid(prefix, f"{tenant.code}-{bid.tender_id}")
    return MyBid(tenant, ocid, bid.tender_id, bid.received_at, bid.ciphertext_sha256, bid.receipt)


def _standing(vendor_id: int) -> Select[Bid]:
    return select(Bid).where(Bid.vendor_id == vendor_id, Bid.superseded_at.is_(None))


async def my_bids(session: AsyncSession, engine: AsyncEngine, prefix: str, vendor_id: int) -> list[MyBid]:
    """The vendor's standing bids (a resubmission supersedes the earlier one) in every regency,
    newest first, each with its receipt."""
    found: list[MyBid] = []
    for tenant in await active_tenants(session):
        async with tenant_session(engine, tenant.schema) as own:
            for bid in (await own.execute(_standing(vendor_id))).scalars():
                found.append(_my_bid(prefix, tenant, bid))
    return sorted(found, key=lambda b: b.received_at, reverse=True)


async def my_bid(
    session: AsyncSession, engine: AsyncEngine, prefix: str, vendor_id: int, tenant_code: str, tender_id: int
) -> MyBid:
    """The vendor's standing bid for one tender of an active regency, with its receipt;
    ``NotFound`` for another vendor's bid as for none at all (whether it exists is not told)."""
    query = select(Tenant).where(Tenant.code == tenant_code, Tenant.status == TenantStatus.ACTIVE.value)
    tenant = (await session.execute(query)).scalar_one_or_none()
    bid = None
    if tenant is not None:
        async with tenant_session(engine, tenant.schema) as own:
            standing = _standing(vendor_id).where(Bid.tender_id == tender_id)
            bid = (await own.execute(standing)).scalar_one_or_none()
    if tenant is None or bid is None:
        raise NotFound("no such bid of yours")
    return _my_bid(prefix, tenant, bid)


@dataclass(frozen=True, slots=True)
class MyContract:
    tenant: Tenant
    ocid: str
    title: str
    contract: Contract


async def my_contracts(
    session: AsyncSession, engine: AsyncEngine, prefix: str, vendor_id: int
) -> list[MyContract]:
    """The contracts this vendor signed in every regency (the tenders it won), the most recently
    signed first; their dates are calendar dates in the regency's zone, as the commitment officer
    recorded them."""
    found: list[MyContract] = []
    for tenant in await active_tenants(session):
        async with tenant_session(engine, tenant.schema) as own:
            query = select(Contract).where(Contract.vendor_id == vendor_id)
            for contract in (await own.execute(query)).scalars():
                tender = await get_tender(own, contract.tender_id)
                package = await own.get(Package, tender.package_id)
                assert package is not None  # a tender always has its package (foreign key)
                ocid = public_ocid(prefix, f"{tenant.code}-{contract.tender_id}")
                found.append(MyContract(tenant, ocid, package.title, contract))
    return sorted(found, key=lambda c: (c.contract.signed_on, c.ocid), reverse=True)
