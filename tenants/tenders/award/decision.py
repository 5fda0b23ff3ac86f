"""The award decision and its announcement, failed tenders and their re-tenders.

The award goes to the top-ranked bidder whose qualification was proved (or, in direct
procurement, to the invited vendor at the negotiated price). Announcing it publishes the results
(winner, price, ranking, and where and why each other bid failed) and opens the objection period
for the tender's number of days, on the database clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.vendors import require_eligible
from hub.core.errors import Conflict, InvalidInput
from tenants.tenders.acting import runner_tender
from tenants.tenders.evaluation.assessments import evaluation_state, opened_bids, top_bidder
from tenants.tenders.evaluation.ranking import BidderResult, Ranking
from tenants.tenders.models import Tender, TenderStage
from tenants.tenders.outcome_models import Award, Negotiation
from tenants.tenders.outcomes import awards_of_tenders
from tenants.tenders.preparation.tenders import create_tender
from tenants.tenders.progress import not_before, require_status
from tenants.tenders.publication.publish import publish, republish
from tenants.tenders.schedules import load_schedule, remember_schedule
from tenants.tenders.stages import Stage, Window
from tenants.vocabulary import TenderStatus

RESERVES = 2  # pemenang cadangan 1 and 2


async def current_award(session: AsyncSession, tender: Tender) -> Award | None:
    """The award of the tender's current round; read with its other awards and its contract, which
    the step's publication and answer ask for next (``awards_of_tenders``)."""
    awards = (await awards_of_tenders(session, [tender.id])).get(tender.id, [])
    return next((a for a in awards if a.round == tender.round), None)


async def require_award(session: AsyncSession, tender: Tender) -> Award:
    award = await current_award(session, tender)
    if award is None:
        raise Conflict(f"tender {tender.id} has no award in round {tender.round}")
    return award


async def decide_award(session: AsyncSession, actor: Actor, tender_id: int, vendor_id: int) -> Award:
    tender = await runner_tender(session, actor, tender_id)
    require_status(tender, TenderStatus.OPENED, doing="decide the award")
    now = await not_before(session, tender, Stage.AWARD_DECISION)
    await require_eligible(session, vendor_id, doing="be awarded")
    if tender.is_direct:
        price, reserves = await _negotiated(session, tender, vendor_id), []
    else:
        ranking = await evaluation_state(session, tender)
        leader = top_bidder(ranking)
        if vendor_id != leader.vendor_id:
            raise Conflict(
                f"the award goes to the top-ranked, verified bidder (vendor {leader.vendor_id}), "
                f"not vendor {vendor_id}"
            )
        assert leader.price is not None
        price = leader.price
        reserves = [r.vendor_id for r in ranking.ranked if r.vendor_id != vendor_id][:RESERVES]
    award = Award(
        tender_id=tender_id,
        round=tender.round,
        vendor_id=vendor_id,
        price=price,
        reserves=reserves,
        decided_by=actor.account_id,
        decided_at=now,
    )
    session.add(award)
    tender.status = TenderStatus.AWARDED.value
    await session.flush()
    await actor.record(
        session,
        "award.decided",
        f"tender:{tender_id}",
        round=tender.round,
        vendor_id=vendor_id,
        price=price,
        reserves=reserves,
    )
    if tender.is_direct:  # no announcement: a direct award is public when decided
        await publish(session, actor.tenant, tender, "award")
    else:  # its status is public (the tender's page), the award not until announced: the row, no release
        await republish(session, actor.tenant, tender)
    return award


async def _negotiated(session: AsyncSession, tender: Tender, vendor_id: int) -> int:
    if vendor_id != tender.invited_vendor_id:
        raise Conflict(f"direct procurement awards the invited vendor {tender.invited_vendor_id} only")
    latest = await session.scalar(
        select(Negotiation.price)
        .where(Negotiation.tender_id == tender.id)
        .order_by(Negotiation.id.desc())
        .limit(1)
    )
    if latest is None:
        raise Conflict("negotiate the offer's price before the award")
    return int(latest)


async def announce_award(session: AsyncSession, actor: Actor, tender_id: int) -> Award:
    """Publish the results and open the objection period."""
    tender = await runner_tender(session, actor, tender_id)
    if tender.is_direct:
        raise Conflict("direct procurement has no award announcement: the award is public when decided")
    require_status(tender, TenderStatus.AWARDED, doing="announce the award")
    now = await not_before(session, tender, Stage.AWARD_ANNOUNCEMENT)
    award = await require_award(session, tender)
    award.announced_at = now
    award.objection_ends_at = now + timedelta(days=tender.objection_days)
    schedule = await _set_stage(session, tender_id, Stage.OBJECTION_PERIOD, now, award.objection_ends_at)
    tender.results = published_results(await evaluation_state(session, tender), tender, now, award)
    tender.status = TenderStatus.AWARD_ANNOUNCED.value
    await session.flush()
    # The schedule as written, for the publication and the view: not read again (issue 20).
    remember_schedule(session, tender_id, [(s.value, w.starts_at, w.ends_at) for s, w in schedule.items()])
    await actor.record(
        session,
        "award.announced",
        f"tender:{tender_id}",
        round=tender.round,
        vendor_id=award.vendor_id,
        price=award.price,
        objection_ends_at=award.objection_ends_at.isoformat(),
    )
    await publish(session, actor.tenant, tender, "award")
    return award


def published_results(ranking: Ranking, tender: Tender, now: datetime, award: Award | None) -> dict[str, Any]:
    """The results as the public reads them: frozen at announcement (or failure)."""
    return {
        "round": tender.round,
        "published_at": now.isoformat(),
        "winner": award.vendor_id if award else None,
        "price": award.price if award else None,
        "reserves": list(award.reserves) if award else [],
        "bidders": [r.as_json() for r in _public_order(ranking)],
    }


def _public_order(ranking: Ranking) -> list[BidderResult]:
    ranked = ranking.ranked
    return ranked + [r for r in ranking.results if r.rank is None]


async def _set_stage(
    session: AsyncSession, tender_id: int, stage: Stage, starts_at: datetime, ends_at: datetime
) -> dict[Stage, Window]:
    """Set a stage's window (a row the schedule has not, added; without reading it); the schedule
    it makes."""
    schedule = await load_schedule(session, tender_id)
    row = await session.get(TenderStage, (tender_id, stage.value)) if stage in schedule else None
    if row is None:
        session.add(TenderStage(tender_id=tender_id, stage=stage.value, starts_at=starts_at, ends_at=ends_at))
    else:
        row.starts_at, row.ends_at = starts_at, ends_at
    return {**schedule, stage: Window(starts_at, ends_at)}


async def fail_tender(session: AsyncSession, actor: Actor, tender_id: int, reason: str) -> Tender:
    """Gagal tender: no passing bid (or another stated reason); the evaluation results are published."""
    tender = await runner_tender(session, actor, tender_id)
    require_status(tender, TenderStatus.OPENED, doing="declare the tender failed")
    reason = reason.strip()
    if not 10 <= len(reason) <= 4000:
        raise InvalidInput("a failed tender needs its reason (10 to 4000 characters)", field="reason")
    now = await not_before(session, tender, Stage.EVALUATION)
    opened_bids(tender)
    tender.results = published_results(await evaluation_state(session, tender), tender, now, None)
    tender.status, tender.failed_at, tender.fail_reason = TenderStatus.FAILED.value, now, reason
    await session.flush()
    await actor.record(session, "tender.failed", f"tender:{tender_id}", round=tender.round, reason=reason)
    await publish(session, actor.tenant, tender, "tenderUpdate")
    return tender


async def retender(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    schedule: Mapping[str, tuple[datetime, datetime]],
    *,
    evaluation: str | None = None,
    criteria: Mapping[str, Any] | None = None,
    objection_days: int | None = None,
) -> Tender:
    """A new draft tender of the same package, linked to the failed or cancelled one it repeats."""
    original = await runner_tender(session, actor, tender_id)
    if original.is_direct:
        raise Conflict("a direct procurement is repeated by a new invitation, not a re-tender")
    require_status(original, TenderStatus.FAILED, TenderStatus.CANCELLED, doing="re-tender")
    again = await session.scalar(select(Tender.id).where(Tender.retender_of == tender_id))
    if again is not None:
        raise Conflict(f"tender {tender_id} was re-tendered already as tender {again}")
    chosen = evaluation or original.evaluation
    tender = await create_tender(
        session,
        actor,
        original.package_id,
        chosen,
        schedule,
        criteria=criteria if criteria is not None or chosen != original.evaluation else original.criteria,
        objection_days=objection_days,
        retender_of=tender_id,
    )
    await actor.record(session, "tender.retendered", f"tender:{tender_id}", retender_id=tender.id)
    return tender
