"""Publishing a tender's public change: the catalogue row and a feed entry, in the change's transaction.

Every step that changes what the public sees of a tender calls ``publish`` inside its own
transaction, after its writes: the catalogue and the feed are then exactly as committed as the
change, never ahead of it (a rolled-back step publishes nothing) and never behind it. Drafts are
never published; awards are published with their announcement (direct procurement: decision).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, Insert, Select, bindparam, insert, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.entries import entry_parameters, entry_upsert
from federation.catalogue.models import LOCAL, Change
from federation.catalogue.ocds import (
    PublicAmendment,
    PublicAward,
    PublicBid,
    PublicContract,
    PublicPlan,
    TenderSnapshot,
    entry_values,
    release,
)
from hub.core.clock import database_now
from hub.core.direct import first_row, flush_pending
from monitoring.metrics import record_tender_change
from tenants.agencies import Agency
from tenants.audit.models import AuditEntry
from tenants.plans import PlanItem
from tenants.registry import TenantRef
from tenants.tenders.implementation_reads import ImplementationRows, implementations_of
from tenants.tenders.models import Package, Tender
from tenants.tenders.outcome_models import Award, Contract
from tenants.tenders.outcomes import awarded_names, awards_of_tenders, contracts_of_tenders
from tenants.tenders.progress import current_stage
from tenants.tenders.reschedules import SCHEDULE_CHANGES, never_rescheduled
from tenants.tenders.schedules import load_schedules
from tenants.tenders.stages import Stage, Window


async def snapshot_of(
    session: AsyncSession, tenant: TenantRef, tender: Tender, now: datetime
) -> TenderSnapshot:
    [snapshot] = await snapshots_of(session, tenant, [tender], now)
    return snapshot


async def snapshots_of(
    session: AsyncSession, tenant: TenantRef, tenders: Sequence[Tender], now: datetime
) -> list[TenderSnapshot]:
    """What the public sees of each tender, read in a fixed number of queries however many there are.

    Callers pass a bounded batch (a rebuild reads a tenant's tenders a few thousand at a time).
    """
    ids = [t.id for t in tenders]
    packages = await _by_id(session, Package, {t.package_id for t in tenders})
    agencies = await _by_id(session, Agency, {p.agency_id for p in packages.values()})
    schedules = await load_schedules(session, ids)
    public = {t.id: t.is_direct for t in tenders}  # a direct procurement's award is public once decided
    published: dict[int, list[Award]] = {}
    awarded: set[int] = set()
    for awards in (await awards_of_tenders(session, ids)).values():  # read with their contracts
        for award in awards:
            awarded.add(award.tender_id)
            if award.announced_at is not None or public[award.tender_id]:
                published.setdefault(award.tender_id, []).append(award)
    contracts = await contracts_of_tenders(session, ids)
    implementations = await implementations_of(session, list(contracts)) if contracts else {}
    names = await awarded_names(session, ids)  # read with the awards
    amendments = await _amendments(session, ids)
    repeated = await _public_repeated(session, {t.retender_of for t in tenders} - {None})
    plans = await _plans(session, {p.plan_item_id for p in packages.values()} - {None})
    return [
        _snapshot(
            tenant,
            t,
            packages[t.package_id],
            agencies.get(packages[t.package_id].agency_id),
            schedules.get(t.id, {}),
            [_public_award(a, names) for a in published.get(t.id, [])],
            _public_contract(contracts.get(t.id), implementations.get(t.id)),
            amendments.get(t.id, []),
            now,
            f"{tenant.code}-{t.retender_of}" if t.retender_of in repeated else None,
            plans.get(packages[t.package_id].plan_item_id),
        )
        for t in tenders
    ]


async def _plans(session: AsyncSession, ids: Collection[int | None]) -> dict[int | None, PublicPlan]:
    """The plan items (RUP) of the packages that name one: no statement when none does."""
    if not ids:
        return {}
    query = select(PlanItem).where(PlanItem.id.in_(ids))
    return {
        i.id: PublicPlan(i.rup_code, i.name, i.ceiling, i.funding_source, i.budget_line)
        for i in (await session.scalars(query)).all()
    }


async def _public_repeated(session: AsyncSession, ids: Collection[int | None]) -> set[int]:
    """Which of the tenders re-tendered were ever public: one cancelled as a draft has no ocid to link."""
    if not ids:
        return set()
    query = select(Tender.id).where(Tender.id.in_(ids), Tender.announced_at.is_not(None))
    return set((await session.scalars(query)).all())


async def _amendments(session: AsyncSession, ids: Collection[int]) -> dict[int, list[PublicAmendment]]:
    """Each tender's schedule changes after its announcement, from the audit chain (the reason is there).

    "After" is by the chain's order (``seq``), not by times: the demo's backdating moves a tender's
    ``announced_at`` and never the chain's entries.
    """
    subjects = {f"tender:{i}": i for i in set(ids) - never_rescheduled(session, ids)}
    if not subjects:  # none was ever rescheduled, as their steps' reads found: no amendments
        return {}
    query = (
        select(AuditEntry.seq, AuditEntry.at, AuditEntry.action, AuditEntry.subject, AuditEntry.payload)
        .where(
            AuditEntry.subject.in_(subjects),
            AuditEntry.action.in_(("tender.announced", *SCHEDULE_CHANGES)),
        )
        .order_by(AuditEntry.seq)
    )
    announced: set[int] = set()
    amendments: dict[int, list[PublicAmendment]] = {}
    for row in await session.execute(query):
        tender_id = subjects[row.subject]
        if row.action == "tender.announced":
            announced.add(tender_id)
        elif tender_id in announced:
            amendments.setdefault(tender_id, []).append(_amendment(row.seq, row.at, row.payload))
    return amendments


def _amendment(seq: int, at: datetime, payload: Mapping[str, Any]) -> PublicAmendment:
    def window(pair: Sequence[str]) -> tuple[datetime, datetime]:
        return datetime.fromisoformat(pair[0]), datetime.fromisoformat(pair[1])

    old = payload.get("old")
    return PublicAmendment(
        seq, at, payload["stage"], payload["reason"], window(old) if old else None, window(payload["new"])
    )


async def _by_id(session: AsyncSession, model: type[Package] | type[Agency], ids: set[int]) -> dict[int, Any]:
    """Rows by their ids: one, as the session may hold it already (the step that publishes read its
    tender's package); more, in one statement."""
    if len(ids) == 1:
        (only,) = ids
        row = await session.get(model, only)
        return {only: row} if row is not None else {}
    return await _keyed(session, select(model).where(model.id.in_(ids)))


async def _keyed(session: AsyncSession, query: Select[Any], key: str = "id") -> dict[int, Any]:
    return {getattr(row, key): row for row in (await session.execute(query)).scalars()}


def _public_award(award: Award, names: dict[int, str]) -> PublicAward:
    return PublicAward(
        award.round,
        award.vendor_id,
        names.get(award.vendor_id, ""),
        award.price,
        award.announced_at or award.decided_at,
        award.withdrawn_at,
        award.objection_ends_at,
    )


def _public_contract(c: Contract | None, rows: ImplementationRows | None) -> PublicContract | None:
    """The contract with its current terms (its latest amendment's) and its implementation."""
    if c is None:
        return None
    rows = rows or ImplementationRows()
    terms = rows.terms_of(c)
    public = rows.public() if not rows.is_empty else None
    return PublicContract(c.number, terms.value, c.signed_on, c.starts_on, terms.ends_on, public)


def _snapshot(
    tenant: TenantRef,
    tender: Tender,
    package: Package,
    agency: Agency | None,
    schedule: dict[Stage, Window],
    awards: list[PublicAward],
    contract: PublicContract | None,
    amendments: list[PublicAmendment],
    now: datetime,
    repeats: str | None,
    plan: PublicPlan | None = None,
) -> TenderSnapshot:
    opened = (tender.opening or {}).get("bids", [])
    bidders = [(b["vendor_id"], b.get("vendor") or "") for b in opened]
    results = {r["vendor_id"]: r["status"] for r in (tender.results or {}).get("bidders", [])}
    bids = [
        PublicBid(
            b["vendor_id"],
            b.get("vendor") or "",
            datetime.fromisoformat(b["received_at"]) if b.get("received_at") else None,
            b.get("price") if b.get("status") == "ok" else None,
            results.get(b["vendor_id"]),
        )
        for b in opened
    ]
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
        bids=bids,
        evaluated=tender.results is not None,
        amendments=amendments,
        awards=awards,
        contract=contract,
        reason=tender.fail_reason or tender.cancel_reason,
        timezone=tenant.timezone,
        repeats=repeats,
        plan=plan,
    )


async def publish(session: AsyncSession, tenant: TenantRef, tender: Tender, *tags: str) -> None:
    """Write the tender's catalogue row and append its release to the feed, in this transaction."""
    if tender.announced_at is None:
        return  # a draft, or cancelled before announcement: never public
    now = await database_now(session)
    snapshot = await snapshot_of(session, tenant, tender, now)
    # The catalogue row and the feed entry in one statement (the row's upsert a CTE of the insert):
    # one round trip a public change, not two; and a statement built once (issue 20).
    values = entry_values(snapshot)
    parameters = entry_parameters(LOCAL, snapshot.local_id, values, now)
    parameters |= {"tags": list(tags), "release": release(snapshot, list(tags), now)}
    # Sent without the ORM's work per statement (its bulk insert's), after the changes it publishes
    # (``hub.core.direct``): six steps of every tender publish (issue 20).
    await flush_pending(session)
    await first_row(session, _publication(tuple(values)), parameters)
    record_tender_change(session, tenant.slug, tender.status, tags, tender.announced_at, now)


@functools.cache
def _publication(columns: tuple[str, ...]) -> Insert:
    """``publish``'s statement: the feed entry's insert with the catalogue row's upsert
    (``entry_upsert(columns)``) as its CTE; its parameters are the upsert's, ``tags`` and ``release``.
    Built once (``entry_values`` always has the same columns)."""
    entry = entry_upsert(columns).cte("catalogue_entry")
    named = ("origin", "ocid", "tags", "release")
    change = insert(Change).values({name: bindparam(name) for name in named})
    return change.add_cte(entry)


CORRECTED_SECTIONS = (("awards", "awardUpdate"), ("contracts", "contractUpdate"))
"""The release's sections with an update tag of their own; a change anywhere else is a ``tenderUpdate``."""
UNCOMPARED = ("date", "tag")
"""What differs between any two releases of the same facts: when each was published, and why."""


def correction_tags(published: Mapping[str, Any] | None, fresh: Mapping[str, Any]) -> list[str]:
    """The tags of a release that corrects ``published`` (the tender's last release) to ``fresh``.

    Empty when both tell the same facts. A tender public with no release at all gets ``tender``;
    otherwise each differing section gets its update tag (OCDS: "an update may ... make corrections to
    prior published information").
    """
    if published is None:
        return ["tender"]
    sections = {key for key in published.keys() | fresh.keys() if published.get(key) != fresh.get(key)}
    sections -= set(UNCOMPARED)
    if not sections:
        return []
    own = {key for key, _ in CORRECTED_SECTIONS}
    tags = ["tenderUpdate"] if sections - own else []
    return tags + [tag for key, tag in CORRECTED_SECTIONS if key in sections]


async def last_releases(
    session: AsyncSession,
    ocids: Collection[str],
    *,
    along: CTE | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The last release published of each of these local tenders (none for a tender never published).

    ``along``: a data-modifying CTE sent in the same statement (it must not write ``hub.changes``),
    with its bind ``parameters``."""
    if not ocids:
        return {}
    query = (
        select(Change.ocid, Change.release)
        .where(Change.origin == LOCAL, Change.ocid.in_(ocids))
        .order_by(Change.ocid, Change.position.desc())
        .ext(distinct_on(Change.ocid))
    )
    if along is not None:
        query = query.add_cte(along)
    return {row.ocid: row.release for row in await session.execute(query, dict(parameters or {}))}


def correction(snapshot: TenderSnapshot, published: Mapping[str, Any] | None, now: datetime) -> Change | None:
    """The feed entry that brings a tender's published release up to its facts; ``None`` if it is."""
    fresh = release(snapshot, [], now)
    tags = correction_tags(published, fresh)
    if not tags:
        return None
    return Change(origin=LOCAL, ocid=snapshot.local_id, tags=tags, release={**fresh, "tag": tags})


async def republish(session: AsyncSession, tenant: TenantRef, tender: Tender) -> list[str]:
    """Bring a public tender's catalogue row and feed up to its facts, in this transaction.

    For facts changed outside the services (the demo moving a tender's times into the past), and for a
    change the row shows but the release does not (an award decided, not yet announced): the row is
    rewritten, and a release is appended only if the public one differs, tagged by what changed. The
    tags appended (none if the feed told the same facts already); a draft publishes nothing.
    """
    if tender.announced_at is None:
        return []
    now = await database_now(session)
    snapshot = await snapshot_of(session, tenant, tender, now)
    # The row's upsert a CTE of the read of the last release (it reads the feed, not the row): one
    # round trip, not two (issue 20).
    values = entry_values(snapshot)
    entry = entry_upsert(values).cte("catalogue_entry")
    parameters = entry_parameters(LOCAL, snapshot.local_id, values, now)
    published = await last_releases(session, [snapshot.local_id], along=entry, parameters=parameters)
    change = correction(snapshot, published.get(snapshot.local_id), now)
    if change is None:
        return []
    session.add(change)
    await session.flush()
    return list(change.tags)
