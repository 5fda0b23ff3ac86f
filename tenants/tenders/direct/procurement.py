"""Direct procurement (*pengadaan langsung*): a procurement officer invites one verified vendor.

The invitation is public at once and gets its own sealing key, so the vendor's offer is sealed
and receipted as any bid and opened only after its deadline. The officer then clarifies and
negotiates the price (never above the offer or the owner's estimate), awards at the negotiated
price, and the commitment officer signs the contract. There is no award announcement and no
objection period. Only packages whose owner's estimate is within the regulation's ceiling qualify.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from federation.vendors import require_eligible
from hub.core.clock import database_now
from hub.core.errors import Conflict, InvalidInput
from hub.core.master_key import MasterKey
from tenants.tenders.acting import runner_tender, rupiah
from tenants.tenders.evaluation.assessments import opened_bids
from tenants.tenders.models import Package, Registration, Tender
from tenants.tenders.outcome_models import Negotiation
from tenants.tenders.preparation.tenders import issue_tender_key, require_no_live_tender
from tenants.tenders.progress import require_status
from tenants.tenders.publication.publish import publish
from tenants.tenders.schedules import save_schedule
from tenants.tenders.stages import Stage, Window
from tenants.vocabulary import Category, Evaluation, Method, TenderStatus

# Perpres 12/2021: direct procurement up to Rp200 million, Rp100 million for consultancy.
CEILING = 200_000_000
CONSULTANCY_CEILING = 100_000_000
OPENING_DAYS = 14
MAX_OFFER_DAYS = 30


@dataclass(frozen=True, slots=True)
class Invitation:
    package_id: int
    vendor_id: int
    offer_deadline: datetime


async def invite_vendor(session: AsyncSession, actor: Actor, master: MasterKey, data: Invitation) -> Tender:
    await actor.require(session, Action.DIRECT_INVITE)
    package = await session.get(Package, data.package_id)
    if package is None:
        raise InvalidInput(f"no package {data.package_id} in this tenant", field="package_id")
    if package.method != Method.DIRECT_PROCUREMENT:
        raise InvalidInput("the package's method is not direct procurement", field="package_id")
    ceiling = CONSULTANCY_CEILING if package.category == Category.CONSULTANCY else CEILING
    if package.owner_estimate > ceiling:
        raise InvalidInput(
            f"direct procurement is for an owner's estimate up to {ceiling} rupiah", field="package_id"
        )
    await require_no_live_tender(session, package.id)
    await require_eligible(session, data.vendor_id, doing="be invited")
    now = await database_now(session)
    deadline = data.offer_deadline
    if deadline.tzinfo is None:
        raise InvalidInput("the offer deadline needs a time zone offset", field="offer_deadline")
    if not now + timedelta(hours=1) <= deadline <= now + timedelta(days=MAX_OFFER_DAYS):
        raise InvalidInput(
            f"the offer deadline must be 1 hour to {MAX_OFFER_DAYS} days from now", field="offer_deadline"
        )
    tender = Tender(
        package_id=package.id,
        evaluation=Evaluation.LOWEST_PRICE.value,
        objection_days=0,
        status=TenderStatus.ANNOUNCED.value,
        invited_vendor_id=data.vendor_id,
        announced_at=now,
        created_by=actor.account_id,
    )
    session.add(tender)
    await session.flush()
    offering = Window(now, deadline)
    await save_schedule(
        session,
        tender.id,
        {
            Stage.ANNOUNCEMENT: offering,
            Stage.DOCUMENT_DOWNLOAD: offering,
            Stage.BID_SUBMISSION: offering,
            Stage.BID_OPENING: Window(deadline, deadline + timedelta(days=OPENING_DAYS)),
        },
    )
    await issue_tender_key(session, master, actor.tenant.code, tender)
    session.add(Registration(tender_id=tender.id, vendor_id=data.vendor_id, registered_by=actor.account_id))
    await session.flush()
    await actor.record(
        session,
        "direct.invited",
        f"tender:{tender.id}",
        package_id=package.id,
        vendor_id=data.vendor_id,
        offer_deadline=deadline.isoformat(),
        key_fingerprint=tender.key_fingerprint,
    )
    await publish(session, actor.tenant, tender, "tender")
    return tender


async def negotiate(
    session: AsyncSession, actor: Actor, tender_id: int, price: int, notes: str
) -> Negotiation:
    """Record the agreed price: not above the offer, not above the owner's estimate."""
    tender = await runner_tender(session, actor, tender_id)
    if not tender.is_direct:
        raise Conflict("price negotiation belongs to direct procurement")
    require_status(tender, TenderStatus.OPENED, doing="negotiate")
    offers = [bid for bid in opened_bids(tender) if bid.price is not None]
    if not offers:
        raise Conflict("there is no opened offer to negotiate: the procurement fails")
    price = rupiah(price, "price")
    package = await session.get(Package, tender.package_id)
    assert package is not None
    ceiling = min(offers[0].price or 0, package.owner_estimate)
    if price > ceiling:
        raise InvalidInput(
            f"the negotiated price cannot exceed {ceiling} (the offer and the owner's estimate)",
            field="price",
        )
    notes = notes.strip()
    if not 5 <= len(notes) <= 8000:
        raise InvalidInput("record what was negotiated (5 to 8000 characters)", field="notes")
    negotiation = Negotiation(
        tender_id=tender_id,
        price=price,
        notes=notes,
        recorded_by=actor.account_id,
        recorded_at=await database_now(session),
    )
    session.add(negotiation)
    await session.flush()
    await actor.record(
        session, "direct.negotiated", f"tender:{tender_id}", price=price, offered=offers[0].price
    )
    return negotiation
