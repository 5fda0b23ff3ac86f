"""Publishing a tender's public change: the catalogue row and a feed entry, in the change's transaction.

Every step that changes what the public sees of a tender calls ``publish`` inside its own
transaction, after its writes: the catalogue and the feed are then exactly as committed as the
change, never ahead of it (a rolled-back step publishes nothing) and never behind it. Drafts are
never published; awards are published with their announcement (direct procurement: decision).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.entries import upsert_entry
from federation.catalogue.models import LOCAL, Change
from federation.catalogue.ocds import PublicAward, PublicContract, TenderSnapshot, entry_values, release
from federation.vendors import Vendor
from tenants.agencies import Agency
from tenants.registry import TenantRef
from tenants.tenders.common import database_now
from tenants.tenders.models import Package, Tender
from tenants.tenders.outcome_models import Award, Contract
from tenants.tenders.progress import current_stage
from tenants.tenders.schedules import load_schedule


async def snapshot_of(
    session: AsyncSession, tenant: TenantRef, tender: Tender, now: datetime
) -> TenderSnapshot:
    package = await session.get(Package, tender.package_id)
    assert package is not None
    agency = await session.get(Agency, package.agency_id)
    schedule = await load_schedule(session, tender.id)
    bidders = [(b["vendor_id"], b.get("vendor") or "") for b in (tender.opening or {}).get("bids", [])]
    awards = list(
        (
            await session.execute(select(Award).where(Award.tender_id == tender.id).order_by(Award.round))
        ).scalars()
    )
    published = [a for a in awards if a.announced_at is not None or tender.is_direct]
    query = select(Vendor.id, Vendor.name).where(Vendor.id.in_([a.vendor_id for a in published]))
    names: dict[int, str] = {row.id: row.name for row in await session.execute(query)}
    contract = await session.get(Contract, tender.id)
    return TenderSnapshot(
        tenant_code=tenant.code,
        tenant_slug=tenant.slug,
        tenant_name=tenant.name,
        tender_id=tender.id,
        status=tender.status,
        stage=current_stage(tender, schedule, now),
        evaluation=tender.evaluation,
        title=package.title,
        agency_id=package.agency_id,
        agency=agency.name if agency else "",
        category=package.category,
        method=package.method,
        fiscal_year=package.fiscal_year,
        budget=package.budget,
        owner_estimate=package.owner_estimate,
        kbli=list(package.kbli),
        location=package.location,
        announced_at=tender.announced_at,
        schedule={stage.value: window for stage, window in schedule.items()},
        opened_at=tender.opened_at,
        bidders=bidders,
        awards=[
            PublicAward(
                a.round,
                a.vendor_id,
                names.get(a.vendor_id, ""),
                a.price,
                a.announced_at or a.decided_at,
                a.withdrawn_at,
            )
            for a in published
        ],
        contract=PublicContract(c.number, c.value, c.signed_on, c.starts_on, c.ends_on)
        if (c := contract)
        else None,
        reason=tender.fail_reason or tender.cancel_reason,
    )


async def publish(session: AsyncSession, tenant: TenantRef, tender: Tender, *tags: str) -> None:
    """Write the tender's catalogue row and append its release to the feed, in this transaction."""
    if tender.announced_at is None:
        return  # a draft, or cancelled before announcement: never public
    now = await database_now(session)
    snapshot = await snapshot_of(session, tenant, tender, now)
    await upsert_entry(session, LOCAL, snapshot.local_id, entry_values(snapshot), now)
    session.add(
        Change(
            origin=LOCAL, ocid=snapshot.local_id, tags=list(tags), release=release(snapshot, list(tags), now)
        )
    )
    await session.flush()
