"""What a tender looks like to whoever asks: times in the tenant's zone, and only what the stage allows.

Before announcement only officials see a tender. Nothing of a bid is shown before the opening;
once opened, the bidders and their prices are public; the evaluation results, with the award
announcement (or the failure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from tenants.registry import TenantRef
from tenants.sealing import encode_public_key
from tenants.tenders.custody import TenderKeyShare, custody_record
from tenants.tenders.document_entries import documents_of_tenders
from tenants.tenders.models import Clarification, Package, Tender
from tenants.tenders.outcome_models import Award, Contract, Objection, ObjectionFile
from tenants.tenders.outcomes import awards_of_tenders, contracts_of_tenders
from tenants.tenders.progress import current_stage
from tenants.tenders.schedules import load_schedules
from tenants.tenders.stages import ORDER, Stage, Window, open_stages
from tenants.tenders.view_reads import (
    key_shares_of_tenders,
    objections_of_tenders,
    retenders_of_tenders,
)
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
    return (await tender_views(session, tenant, [(tender, package)], now))[0]


async def tender_views(
    session: AsyncSession, tenant: TenantRef, tenders: Sequence[tuple[Tender, Package]], now: datetime
) -> list[dict[str, Any]]:
    """``tender_view`` of many tenders, in a number of statements that does not grow with theirs:
    one per kind of row (``tenants.tenders.view_reads``), and none of a kind no tender needs."""
    if not tenders:
        return []
    zone = ZoneInfo(tenant.timezone)
    ids = [t.id for t, _ in tenders]
    schedules = await load_schedules(session, ids)
    documents = await documents_of_tenders(session, ids)
    shares = await key_shares_of_tenders(
        session, [t.id for t, _ in tenders if t.key_custody == KeyCustody.COMMITTEE]
    )
    awards = await awards_of_tenders(session, ids)
    # A contract follows an award; a re-tender, a failed or cancelled tender: none read for others.
    contracts = await contracts_of_tenders(session, [i for i in ids if awards.get(i)])
    retenders = await retenders_of_tenders(
        session, [t.id for t, _ in tenders if t.status in (TenderStatus.FAILED, TenderStatus.CANCELLED)]
    )
    published = {
        tender.id: [a for a in awards.get(tender.id, []) if a.announced_at is not None or tender.is_direct]
        for tender, _ in tenders
    }
    objections = await objections_of_tenders(session, [i for i, p in published.items() if p])
    return [
        _view(tender, package, tenant, zone, schedules.get(tender.id, {}), now, shares.get(tender.id, []))
        | _outcome(
            tender,
            schedules.get(tender.id, {}),
            now,
            zone,
            _Outcome(
                published[tender.id],
                objections.get(tender.id, []),
                contracts.get(tender.id),
                retenders.get(tender.id),
            ),
        )
        | {
            "documents": [
                {
                    "id": d.id,
                    "name": d.name,
                    "content_type": d.content_type,
                    "size": d.size,
                    "sha256": d.sha256,
                }
                for d in documents.get(tender.id, [])
            ]
        }
        for tender, package in tenders
    ]


def _view(
    tender: Tender,
    package: Package,
    tenant: TenantRef,
    zone: ZoneInfo,
    schedule: dict[Stage, Window],
    now: datetime,
    shares: list[TenderKeyShare],
) -> dict[str, Any]:
    return {
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
        "key_custody": _custody(tender, shares),
        "cancel_reason": tender.cancel_reason,
        "opening": localized(tender.opening, zone),  # None until the committee opens the bids
    }


async def tender_view_now(session: AsyncSession, tenant: TenantRef, tender: Tender) -> dict[str, Any]:
    """``tender_view`` of a tender with its package, as it stands on the database clock."""
    package = await session.get(Package, tender.package_id)
    assert package is not None  # a tender always has its package (foreign key)
    return await tender_view(session, tenant, tender, package, await database_now(session))


def _custody(tender: Tender, shares: list[TenderKeyShare]) -> dict[str, Any]:
    if tender.key_custody != KeyCustody.COMMITTEE:
        return custody_record(tender, [])
    used = (tender.opening or {}).get("key_custody", {}).get("used")
    return custody_record(tender, shares, used)


def _open_stages(tender: Tender, schedule: dict[Stage, Window], now: datetime) -> list[str]:
    """Before the opening, what the schedule opens now; after it, the one step the tender is at."""
    if tender.status == TenderStatus.ANNOUNCED:
        return [s.value for s in open_stages(schedule, now)]
    stage = current_stage(tender, schedule, now)
    return [stage] if stage in STAGE_NAMES else []


STAGE_NAMES = frozenset(s.value for s in Stage)


@dataclass(frozen=True)
class _Outcome:
    """What the outcome view shows of a tender's rows beside it."""

    published: list[Award]
    objections: list[tuple[Objection, list[ObjectionFile]]]
    contract: Contract | None
    retendered_as: int | None


def _outcome(
    tender: Tender, schedule: dict[Stage, Window], now: datetime, zone: ZoneInfo, outcome: _Outcome
) -> dict[str, Any]:
    """After the opening: what is public of the evaluation, award, objections and contract.

    Results are public from the award announcement (or the failure) on, never before; a direct
    procurement's award is public once decided.
    """
    return {
        "stage": current_stage(tender, schedule, now),
        "round": tender.round,
        "criteria": tender.criteria,
        "objection_days": None if tender.is_direct else tender.objection_days,
        "direct_procurement": {"invited_vendor_id": tender.invited_vendor_id} if tender.is_direct else None,
        "retender_of": tender.retender_of,
        "retendered_as": outcome.retendered_as,
        "failed": {"at": local(tender.failed_at, zone), "reason": tender.fail_reason}
        if tender.failed_at
        else None,
        "results": localized(tender.results, zone),
        "awards": [award_view(a, zone) for a in outcome.published],
        "objections": [objection_view(o, files, zone) for o, files in outcome.objections]
        if outcome.published
        else [],
        "contract": contract_view(outcome.contract) if outcome.contract else None,
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
