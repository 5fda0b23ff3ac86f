"""Packages and tenders: created, scheduled, announced (made public and given a key), cancelled.

Functions take a tenant session inside the caller's transaction. Each checks the actor's role in
the tenant and appends to the tenant's audit chain in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.clock import database_now, remember_database_now
from hub.core.errors import Conflict, InvalidInput, NotFound
from hub.core.master_key import MasterKey
from tenants.agencies import Agency
from tenants.sealing import fingerprint, generate_tender_keypair, tender_key_context, wrap_key
from tenants.tenders.acting import get_tender, runner_tender, rupiah
from tenants.tenders.custody import share_tender_key
from tenants.tenders.custody.rules import custody_rules
from tenants.tenders.document_entries import remember_documents
from tenants.tenders.models import Package, Tender, TenderStage
from tenants.tenders.outages import extended_end
from tenants.tenders.outcome_models import ProcurementRules
from tenants.tenders.outcomes import remember_no_outcome
from tenants.tenders.preparation.bid_keys import tenant_key
from tenants.tenders.preparation.criteria import parse_criteria
from tenants.tenders.preparation.under_plan import take_from_plan
from tenants.tenders.procurement_rules import objection_limits
from tenants.tenders.publication.publish import publish
from tenants.tenders.reschedules import forget_reschedules
from tenants.tenders.schedules import load_schedule, remember_schedule, save_schedule
from tenants.tenders.stages import Stage, Window, parse_schedule
from tenants.tenders.step_read import RULES_ROW
from tenants.vocabulary import Category, Evaluation, KeyCustody, Method, TenderStatus

__all__ = ["load_schedule", "save_schedule"]


@dataclass(frozen=True, slots=True)
class PackageInput:
    agency_id: int
    title: str
    fiscal_year: int
    category: str
    method: str
    budget: int
    owner_estimate: int
    location: str = ""
    kbli: list[str] = field(default_factory=list)
    plan_rup_code: str | None = None
    """The RUP code (kode RUP) of the plan item it is procured under: same agency and fiscal year,
    its budget within what is left of the item's ceiling; required where the tenant's rules say."""


def _choice(value: str, allowed: type[Category] | type[Method] | type[Evaluation], name: str) -> str:
    try:
        return allowed(value).value
    except ValueError:
        choices = ", ".join(c.value for c in allowed)
        raise InvalidInput(f"unknown {name} {value!r}: use one of {choices}", field=name) from None


async def create_package(session: AsyncSession, actor: Actor, data: PackageInput) -> Package:
    await actor.require(session, Action.PACKAGE_CREATE)
    agency = (await session.execute(_AGENCY_AND_CLOCK, {"agency_id": data.agency_id})).first()
    if agency is None:
        raise InvalidInput(f"no agency {data.agency_id} in this tenant", field="agency_id")
    remember_database_now(session, agency.now)  # for the audit entry: one round trip fewer
    title = " ".join(data.title.split())
    if not 5 <= len(title) <= 300:
        raise InvalidInput("a package title needs 5 to 300 characters", field="title")
    if not 2000 <= data.fiscal_year <= 2100:
        raise InvalidInput("fiscal_year must be a year", field="fiscal_year")
    budget, estimate = rupiah(data.budget, "budget"), rupiah(data.owner_estimate, "owner_estimate")
    if estimate > budget:
        raise InvalidInput(
            "the owner's estimate (HPS) cannot exceed the budget (pagu)", field="owner_estimate"
        )
    if any(len(k) != 5 or not k.isdigit() for k in data.kbli):
        raise InvalidInput("KBLI codes have five digits", field="kbli")
    plan = await take_from_plan(
        session, data.plan_rup_code, data.agency_id, data.fiscal_year, budget, required=agency.plans_required
    )
    package = Package(
        agency_id=data.agency_id,
        title=title,
        fiscal_year=data.fiscal_year,
        category=_choice(data.category, Category, "category"),
        method=_choice(data.method, Method, "method"),
        budget=budget,
        owner_estimate=estimate,
        location=data.location.strip(),
        kbli=sorted(set(data.kbli)),
        plan_item_id=plan.id if plan else None,
        created_by=actor.account_id,
    )
    session.add(package)
    await session.flush()
    await actor.record(
        session,
        "package.created",
        f"package:{package.id}",
        title=title,
        budget=budget,
        owner_estimate=estimate,
        **({"plan_rup_code": plan.rup_code} if plan else {}),
    )
    return package


async def create_tender(
    session: AsyncSession,
    actor: Actor,
    package_id: int,
    evaluation: str,
    schedule: Mapping[str, tuple[datetime, datetime]],
    *,
    criteria: Mapping[str, Any] | None = None,
    objection_days: int | None = None,
    retender_of: int | None = None,
) -> Tender:
    await actor.require(session, Action.TENDER_PREPARE)
    row = (await session.execute(_PACKAGE_AND_CLOCK, {"package_id": package_id})).first()
    if row is None:
        raise InvalidInput(f"no package {package_id} in this tenant", field="package_id")
    package, rules = row.Package, row.ProcurementRules  # the rules held (``held``) for ``objection_limits``
    remember_database_now(session, row.now)  # for the audit entry: one round trip fewer
    if package.method == Method.DIRECT_PROCUREMENT:
        raise InvalidInput(
            "a direct procurement package is run by a procurement officer, not put to tender",
            field="package_id",
        )
    _refuse_live(package_id, row.live)
    evaluation = _choice(evaluation, Evaluation, "evaluation")
    scoring = parse_criteria(evaluation, criteria)
    stages = parse_schedule(schedule)
    tender = Tender(
        package_id=package_id,
        evaluation=evaluation,
        criteria=scoring.as_json() if scoring else None,
        objection_days=(await objection_limits(session)).choose(objection_days),
        status=TenderStatus.DRAFT.value,
        retender_of=retender_of,
        created_by=actor.account_id,
    )
    del rules
    session.add(tender)
    await session.flush()
    await save_schedule(session, tender.id, stages)
    # A new tender's schedule is what was just saved; it has no documents, awards or contract yet:
    # the view answered reads none of them (issue 20).
    remember_schedule(session, tender.id, [(s.value, w.starts_at, w.ends_at) for s, w in stages.items()])
    remember_documents(session, tender.id, [])
    remember_no_outcome(session, tender.id)
    await actor.record(
        session,
        "tender.created",
        f"tender:{tender.id}",
        package_id=package_id,
        evaluation=evaluation,
        criteria=tender.criteria,
        objection_days=tender.objection_days,
        retender_of=retender_of,
        schedule={s.value: [w.starts_at.isoformat(), w.ends_at.isoformat()] for s, w in stages.items()},
    )
    return tender


async def require_no_live_tender(session: AsyncSession, package_id: int) -> None:
    """A package is procured once at a time: a new tender only after the last one failed or was cancelled."""
    live = await session.scalar(select(Tender.id).where(Tender.package_id == package_id, _live()))
    _refuse_live(package_id, live)


def _live() -> ColumnElement[bool]:
    return Tender.status.not_in([TenderStatus.FAILED.value, TenderStatus.CANCELLED.value])


def _refuse_live(package_id: int, live: int | None) -> None:
    if live is not None:
        raise Conflict(f"package {package_id} is already in tender {live}")


async def announce_tender(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    master: MasterKey,
    *,
    committee: Sequence[int] | None = None,
) -> Tender:
    """Make the tender public and give it the key pair bids are sealed for: held by the hub, or, if
    the tenant so chose, in shares by ``committee`` (default: every member of the tender's runner
    role with a member key; ``tenants.tenders.custody.share_tender_key``)."""
    await actor.require(session, Action.TENDER_PREPARE)
    tender = await get_tender(session, tender_id, for_update=True)
    if tender.status != TenderStatus.DRAFT:
        raise Conflict(f"tender {tender_id} is {tender.status}, not a draft")
    now = await database_now(session)
    schedule = await load_schedule(session, tender_id)
    if schedule[Stage.BID_SUBMISSION].ends_at <= now:
        raise Conflict("bid submission would already be over: reschedule before announcing")
    if (await custody_rules(session)).key_custody == KeyCustody.COMMITTEE:
        await share_tender_key(session, actor, tender, committee)
    elif committee is not None:
        raise InvalidInput(
            "this LPSE's tender keys are held by the hub: a committee holds shares only where the "
            "tenant_admin chose committee custody",
            field="committee",
        )
    else:
        await issue_tender_key(session, master, actor.tenant.code, tender)
    tender.status, tender.announced_at = TenderStatus.ANNOUNCED.value, now
    await session.flush()
    await actor.record(
        session,
        "tender.announced",
        f"tender:{tender.id}",
        key_fingerprint=tender.key_fingerprint,
        key_custody=tender.key_custody,
    )
    await publish(session, actor.tenant, tender, "tender")
    return tender


async def issue_tender_key(
    session: AsyncSession, master: MasterKey, tenant_code: str, tender: Tender
) -> None:
    """Give the tender the key pair its bids are sealed for; the private half wrapped by the tenant key."""
    private, public = generate_tender_keypair()
    key = await tenant_key(session, master, tenant_code)
    tender.wrapped_private_key = wrap_key(private, key, tender_key_context(tenant_code, tender.id))
    tender.public_key, tender.key_fingerprint = public, fingerprint(public)


async def reschedule_stage(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    stage: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> Window:
    """Move a stage that has not started yet; a started or past stage is history. Bid submission
    never ends before the end an outage gave it (``tenants.tenders.outages``)."""
    await actor.require(session, Action.TENDER_PREPARE)
    if not reason.strip():
        raise InvalidInput("a schedule change needs a reason", field="reason")
    tender = await get_tender(session, tender_id, for_update=True)
    if tender.status == TenderStatus.CANCELLED:
        raise Conflict(f"tender {tender_id} is cancelled")
    schedule = await load_schedule(session, tender_id)
    try:
        changed = Stage(stage)
    except ValueError:
        raise InvalidInput(f"unknown stage {stage!r}", field="stage") from None
    await _not_before_extension(session, tender_id, changed, ends_at)
    now = await database_now(session)
    old = schedule.get(changed)
    if old is not None and old.starts_at <= now:
        raise Conflict(f"{stage} has started already: past and current stages cannot change")
    if starts_at.tzinfo is not None and starts_at <= now:
        raise InvalidInput("a stage can only be moved into the future", field="starts_at")
    target = parse_schedule(
        {**{s.value: (w.starts_at, w.ends_at) for s, w in schedule.items()}, stage: (starts_at, ends_at)}
    )
    row = await session.get(TenderStage, (tender_id, changed.value))
    if row is None:
        session.add(
            TenderStage(tender_id=tender_id, stage=changed.value, starts_at=starts_at, ends_at=ends_at)
        )
    else:
        row.starts_at, row.ends_at = starts_at, ends_at
    await session.flush()
    await actor.record(
        session,
        "tender.rescheduled",
        f"tender:{tender_id}",
        stage=stage,
        reason=reason.strip(),
        old=[old.starts_at.isoformat(), old.ends_at.isoformat()] if old else None,
        new=[starts_at.isoformat(), ends_at.isoformat()],
    )
    forget_reschedules(session, tender_id)  # the publication reads this entry
    await publish(session, actor.tenant, await get_tender(session, tender_id), "tenderAmendment")
    return target[changed]


async def _not_before_extension(
    session: AsyncSession, tender_id: int, stage: Stage, ends_at: datetime
) -> None:
    if stage != Stage.BID_SUBMISSION:
        return  # the opening cannot start before submission ends (``check_order``)
    floor = await extended_end(session, tender_id)
    if floor is not None and ends_at < floor:
        raise Conflict(
            f"bid_submission was extended after an outage to {floor.isoformat()}: the committee cannot "
            "end it sooner"
        )


async def cancel_tender(session: AsyncSession, actor: Actor, tender_id: int, reason: str) -> Tender:
    tender = await runner_tender(session, actor, tender_id)
    if not reason.strip():
        raise InvalidInput("a cancellation needs a reason", field="reason")
    if tender.status == TenderStatus.CANCELLED:
        raise Conflict(f"tender {tender_id} is cancelled already")
    if tender.opened_at is not None:
        raise Conflict(f"tender {tender_id} was opened; a later stage decides its fate")
    tender.status, tender.cancelled_at = TenderStatus.CANCELLED.value, await database_now(session)
    tender.cancel_reason = reason.strip()
    await session.flush()
    await actor.record(session, "tender.cancelled", f"tender:{tender_id}", reason=tender.cancel_reason)
    await publish(session, actor.tenant, tender, "tenderCancellation")
    return tender


async def list_tenders(session: AsyncSession, *, include_drafts: bool) -> list[tuple[Tender, Package]]:
    query = select(Tender, Package).join(Package, Package.id == Tender.package_id).order_by(Tender.id.desc())
    if not include_drafts:
        query = query.where(Tender.status != TenderStatus.DRAFT)
    return [(t, p) for t, p in (await session.execute(query)).all()]


async def visible_tender(session: AsyncSession, tender_id: int, *, official: bool) -> Tender:
    """A tender as the caller may see it: drafts exist only for the tenant's officials."""
    tender = await get_tender(session, tender_id)
    if tender.status == TenderStatus.DRAFT and not official:
        raise NotFound(f"no tender {tender_id} in this tenant")
    return tender


_AGENCY_AND_CLOCK = select(
    Agency.id,
    func.now().label("now"),
    func.coalesce(
        select(ProcurementRules.plans_required).where(ProcurementRules.id == RULES_ROW).scalar_subquery(),
        False,
    ).label("plans_required"),
).where(Agency.id == bindparam("agency_id", type_=BigInteger))
_PACKAGE_AND_CLOCK = (
    select(
        Package,
        func.now().label("now"),
        select(Tender.id)
        .where(Tender.package_id == Package.id, _live())
        .limit(1)
        .scalar_subquery()
        .label("live"),
        ProcurementRules,
    )
    .outerjoin(ProcurementRules, ProcurementRules.id == RULES_ROW)
    .where(Package.id == bindparam("package_id", type_=BigInteger))
)
"""A new package's agency (and the tenant's ``plans_required`` rule), a new tender's package, each
read with the clock its audit entry needs; the package with its live tender (if any) and the tenant's
rules (``objection_limits``)."""
