"""What a tender looks like to whoever asks: times in the tenant's zone, and only what the stage allows.

Before announcement only officials see a tender. Nothing of a bid is shown before the opening;
once opened, the bidders and their prices are public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from tenants.registry import TenantRef
from tenants.sealing import encode_public_key
from tenants.tenders.documents import list_documents
from tenants.tenders.models import Clarification, Package, Tender
from tenants.tenders.service import load_schedule
from tenants.tenders.stages import ORDER, open_stages


def local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 in the tenant's zone (WIB, WITA or WIT); stored in UTC, shown where it happens."""
    return moment.astimezone(zone).isoformat() if moment is not None else None


def package_view(package: Package) -> dict[str, Any]:
    return {
        "id": package.id,
        "agency_id": package.agency_id,
        "title": package.title,
        "fiscal_year": package.fiscal_year,
        "category": package.category,
        "method": package.method,
        "budget": package.budget,
        "owner_estimate": package.owner_estimate,
        "location": package.location,
        "kbli": list(package.kbli),
    }


async def tender_view(
    session: AsyncSession, tenant: TenantRef, tender: Tender, package: Package, now: datetime
) -> dict[str, Any]:
    zone = ZoneInfo(tenant.timezone)
    schedule = await load_schedule(session, tender.id)
    documents = await list_documents(session, tender.id)
    view: dict[str, Any] = {
        "id": tender.id,
        "tenant": tenant.slug,
        "status": tender.status,
        "evaluation": tender.evaluation,
        "package": package_view(package),
        "timezone": tenant.timezone,
        "announced_at": local(tender.announced_at, zone),
        "schedule": [
            {
                "stage": s.value,
                "starts_at": local(schedule[s].starts_at, zone),
                "ends_at": local(schedule[s].ends_at, zone),
            }
            for s in ORDER
            if s in schedule
        ],
        "open_stages": [s.value for s in open_stages(schedule, now)],
        "tender_key": encode_public_key(tender.public_key) if tender.public_key else None,
        "key_fingerprint": tender.key_fingerprint,
        "documents": [
            {"id": d.id, "name": d.name, "content_type": d.content_type, "size": d.size, "sha256": d.sha256}
            for d in documents
        ],
        "cancel_reason": tender.cancel_reason,
        "opening": tender.opening,  # None until the committee opens the bids
    }
    return view


def clarification_view(
    item: Clarification, zone: ZoneInfo, *, show_asker: bool, own_vendor: int | None
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": item.id,
        "question": item.question,
        "asked_at": local(item.asked_at, zone),
        "answer": item.answer,
        "answered_at": local(item.answered_at, zone),
        "yours": own_vendor is not None and item.vendor_id == own_vendor,
    }
    if show_asker:
        view["vendor_id"] = item.vendor_id
    return view
