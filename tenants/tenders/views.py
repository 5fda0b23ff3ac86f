"""What a tender looks like to whoever asks: times in the tenant's zone, and only what the stage allows.

Before announcement only officials see a tender. Nothing of a bid is shown before the opening;
once opened, the bidders and their prices are public; the evaluation results, with the award
announcement (or the failure).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from tenants.registry import TenantRef
from tenants.sealing import encode_public_key
from tenants.tenders.award.objections import objections_of
from tenants.tenders.custody import custody_record, key_shares
from tenants.tenders.documents import list_documents
from tenants.tenders.models import Clarification, Package, Tender
from tenants.tenders.outcome_models import Award, Contract, Objection, ObjectionFile
from tenants.tenders.progress import current_stage
from tenants.tenders.schedules import load_schedule
from tenants.tenders.stages import ORDER, Stage, Window, open_stages
from tenants.vocabulary import KeyCustody, TenderStatus


def local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 in the tenant's zone (WIB, WITA or WIT); stored in UTC, shown where it happens."""
    return moment.astimezone(zone).isoformat() if moment is not None else None


SNAPSHOT_TIMES = frozenset({"opened_at", "received_at", "published_at"})


def localized(snapshot: Any, zone: ZoneInfo) -> Any:
    """A stored JSON record (opening, results) with its UTC times shown in the tenant's zone."""
    if isinstance(snapshot, dict):
        return {
            k: datetime.fromisoformat(v).astimezone(zone).isoformat()
            if k in SNAPSHOT_TIMES and isinstance(v, str)
            else localized(v, zone)
            for k, v in snapshot.items()
        }
    if isinstance(snapshot, list):
        return [localized(v, zone) for v in snapshot]
    return snapshot


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
        "open_stages": _open_stages(tender, schedule, now),
        "tender_key": encode_public_key(tender.public_key) if tender.public_key else None,
        "key_fingerprint": tender.key_fingerprint,
        "key_custody": await _custody(session, tender),
        "documents": [
            {"id": d.id, "name": d.name, "content_type": d.content_type, "size": d.size, "sha256": d.sha256}
            for d in documents
        ],
        "cancel_reason": tender.cancel_reason,
        "opening": localized(tender.opening, zone),  # None until the committee opens the bids
    }
    return view | await outcome_view(session, tender, schedule, now, zone)


async def tender_view_now(session: AsyncSession, tenant: TenantRef, tender: Tender) -> dict[str, Any]:
    """``tender_view`` of a tender with its package, as it stands on the database clock."""
    package = await session.get(Package, tender.package_id)
    assert package is not None  # a tender always has its package (foreign key)
    return await tender_view(session, tenant, tender, package, await database_now(session))


async def _custody(session: AsyncSession, tender: Tender) -> dict[str, Any]:
    if tender.key_custody != KeyCustody.COMMITTEE:
        return custody_record(tender, [])
    used = (tender.opening or {}).get("key_custody", {}).get("used")
    return custody_record(tender, await key_shares(session, tender.id), used)


def _open_stages(tender: Tender, schedule: dict[Stage, Window], now: datetime) -> list[str]:
    """Before the opening, what the schedule opens now; after it, the one step the tender is at."""
    if tender.status == TenderStatus.ANNOUNCED:
        return [s.value for s in open_stages(schedule, now)]
    stage = current_stage(tender, schedule, now)
    return [stage] if stage in STAGE_NAMES else []


STAGE_NAMES = frozenset(s.value for s in Stage)


async def outcome_view(
    session: AsyncSession, tender: Tender, schedule: dict[Stage, Window], now: datetime, zone: ZoneInfo
) -> dict[str, Any]:
    """After the opening: what is public of the evaluation, award, objections and contract.

    Results are public from the award announcement (or the failure) on, never before; a direct
    procurement's award is public once decided.
    """
    awards = (
        await session.execute(select(Award).where(Award.tender_id == tender.id).order_by(Award.round))
    ).scalars()
    contract = await session.get(Contract, tender.id)
    retendered_as = await session.scalar(select(Tender.id).where(Tender.retender_of == tender.id))
    published = [a for a in awards if a.announced_at is not None or tender.is_direct]
    return {
        "stage": current_stage(tender, schedule, now),
        "round": tender.round,
        "criteria": tender.criteria,
        "objection_days": None if tender.is_direct else tender.objection_days,
        "direct_procurement": {"invited_vendor_id": tender.invited_vendor_id} if tender.is_direct else None,
        "retender_of": tender.retender_of,
        "retendered_as": retendered_as,
        "failed": {"at": local(tender.failed_at, zone), "reason": tender.fail_reason}
        if tender.failed_at
        else None,
        "results": localized(tender.results, zone),
        "awards": [award_view(a, zone) for a in published],
        "objections": [objection_view(o, files, zone) for o, files in await objections_of(session, tender.id)]
        if published
        else [],
        "contract": contract_view(contract) if contract else None,
    }


def award_view(award: Award, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "round": award.round,
        "vendor_id": award.vendor_id,
        "price": award.price,
        "reserves": list(award.reserves),
        "decided_at": local(award.decided_at, zone),
        "announced_at": local(award.announced_at, zone),
        "objection_ends_at": local(award.objection_ends_at, zone),
        "withdrawn_at": local(award.withdrawn_at, zone),
        "letter": {"number": award.letter_number, "issued_at": local(award.letter_issued_at, zone)}
        if award.letter_number
        else None,
    }


def objection_view(objection: Objection, files: list[ObjectionFile], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": objection.id,
        "round": objection.round,
        "vendor_id": objection.vendor_id,
        "grounds": objection.grounds,
        "lodged_at": local(objection.lodged_at, zone),
        "files": [{"id": f.id, "name": f.name, "size": f.size, "sha256": f.sha256} for f in files],
        "answer": objection.answer,
        "upheld": objection.upheld,
        "answered_at": local(objection.answered_at, zone),
    }


def contract_view(contract: Contract) -> dict[str, Any]:
    return {
        "number": contract.number,
        "vendor_id": contract.vendor_id,
        "value": contract.value,
        "signed_on": contract.signed_on.isoformat(),
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
    }


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
