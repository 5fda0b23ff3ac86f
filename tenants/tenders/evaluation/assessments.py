"""The committee evaluates the opened bids and verifies the top bidder's qualification.

Assessments are appended; the latest one of a bid's aspect counts, across evaluation rounds, so an
upheld objection reopens evaluation without throwing away what was right. The ranking is computed
from the opening record and the assessments every time it is asked for (``evaluation_state``):
it is never stored except as published with the award announcement or the failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from hub.core.errors import Conflict, InvalidInput
from tenants.tenders.acting import runner_tender
from tenants.tenders.evaluation.ranking import (
    VERIFICATION,
    Aspect,
    BidderResult,
    OpenedBid,
    Ranking,
    Verdict,
    rank_bids,
)
from tenants.tenders.models import Package, Tender
from tenants.tenders.outcome_models import Assessment
from tenants.tenders.preparation.criteria import criteria_of
from tenants.tenders.progress import not_before, require_status
from tenants.tenders.stages import Stage
from tenants.vocabulary import TenderStatus

MAX_REASON = 4000


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    vendor_id: int
    aspect: str
    passed: bool
    reason: str = ""
    scores: dict[str, int] | None = None


def opened_bids(tender: Tender) -> list[OpenedBid]:
    if tender.opening is None:
        raise Conflict(f"the bids of tender {tender.id} have not been opened")
    return [OpenedBid.from_opening(entry) for entry in tender.opening["bids"]]


async def evaluation_state(session: AsyncSession, tender: Tender) -> Ranking:
    """The ranking as the assessments recorded so far make it."""
    return await _ranked(session, tender, *await _verdicts(session, tender))


async def _verdicts(
    session: AsyncSession, tender: Tender
) -> tuple[dict[tuple[int, str], Verdict], dict[int, Verdict]]:
    """The latest verdict of each bidder's aspect, and of each bidder's verification."""
    rows = await session.execute(
        select(Assessment).where(Assessment.tender_id == tender.id).order_by(Assessment.id)
    )
    assessments: dict[tuple[int, str], Verdict] = {}
    verifications: dict[int, Verdict] = {}
    for row in rows.scalars():  # in order of entry: the latest verdict wins
        verdict = Verdict(row.passed, row.reason, row.scores)
        if row.aspect == VERIFICATION:
            verifications[row.vendor_id] = verdict
        else:
            assessments[(row.vendor_id, row.aspect)] = verdict
    return assessments, verifications


async def _ranked(
    session: AsyncSession,
    tender: Tender,
    assessments: dict[tuple[int, str], Verdict],
    verifications: dict[int, Verdict],
) -> Ranking:
    package = await session.get(Package, tender.package_id)
    assert package is not None
    return rank_bids(
        opened_bids(tender),
        assessments,
        verifications,
        owner_estimate=package.owner_estimate,
        criteria=criteria_of(tender.criteria),
    )


async def record_assessments(
    session: AsyncSession, actor: Actor, tender_id: int, entries: Sequence[AssessmentInput]
) -> Ranking:
    """Record the committee's verdicts (all or nothing) and return the ranking they make."""
    tender = await runner_tender(session, actor, tender_id)
    require_status(tender, TenderStatus.OPENED, doing="evaluate bids")
    now = await not_before(session, tender, Stage.EVALUATION)
    if not entries:
        raise InvalidInput("send at least one assessment", field="assessments")
    bids = {bid.vendor_id: bid for bid in opened_bids(tender)}
    package = await session.get(Package, tender.package_id)
    assert package is not None
    for entry in entries:
        scores = _check(entry, tender, bids, package.owner_estimate)
        session.add(
            Assessment(
                tender_id=tender_id,
                round=tender.round,
                vendor_id=entry.vendor_id,
                aspect=entry.aspect,
                passed=entry.passed,
                reason=entry.reason.strip(),
                scores=scores,
                recorded_by=actor.account_id,
                recorded_at=now,
            )
        )
    await session.flush()
    await actor.record(
        session,
        "evaluation.assessed",
        f"tender:{tender_id}",
        round=tender.round,
        assessments=[
            {"vendor_id": e.vendor_id, "aspect": e.aspect, "passed": e.passed, "reason": e.reason.strip()}
            for e in entries
        ],
    )
    return await evaluation_state(session, tender)


def _check(
    entry: AssessmentInput, tender: Tender, bids: Mapping[int, OpenedBid], owner_estimate: int
) -> dict[str, int] | None:
    """Refuse a verdict the rules do not allow; the checked scores of a scored technical verdict."""
    try:
        aspect = Aspect(entry.aspect)
    except ValueError:
        names = ", ".join(a.value for a in Aspect)
        raise InvalidInput(f"unknown aspect {entry.aspect!r}: use one of {names}", field="aspect") from None
    bid = bids.get(entry.vendor_id)
    if bid is None:
        raise InvalidInput(f"vendor {entry.vendor_id} has no opened bid in this tender", field="vendor_id")
    if bid.price is None:
        raise Conflict(f"the bid of vendor {entry.vendor_id} could not be opened: it fails administration")
    if not isinstance(entry.passed, bool):
        raise InvalidInput("passed must be true or false", field="passed")
    reason = entry.reason.strip()
    if not entry.passed and not reason:
        raise InvalidInput("a failed aspect needs its reason: bidders and the public read it", field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"a reason has at most {MAX_REASON} characters", field="reason")
    if aspect is Aspect.PRICE and entry.passed and bid.price > owner_estimate:
        raise InvalidInput(
            f"vendor {entry.vendor_id} offered {bid.price}, above the owner's estimate {owner_estimate}: "
            "it fails price evaluation",
            field="passed",
        )
    criteria = criteria_of(tender.criteria)
    if aspect is not Aspect.TECHNICAL or criteria is None:
        if entry.scores:
            raise InvalidInput("scores belong to the technical aspect of a scored tender", field="scores")
        return None
    scores = criteria.check_scores(entry.scores)
    score = criteria.technical_score(scores)
    if entry.passed and score < criteria.passing_score:
        raise InvalidInput(
            f"a technical score of {float(score):.2f} is below the passing score {criteria.passing_score}",
            field="passed",
        )
    return scores


async def verify_qualification(
    session: AsyncSession, actor: Actor, tender_id: int, vendor_id: int, passed: bool, reason: str
) -> Ranking:
    """Record the proof of qualification of the top-ranked bidder; a failure moves the next one up."""
    tender = await runner_tender(session, actor, tender_id)
    require_status(tender, TenderStatus.OPENED, doing="verify qualifications")
    now = await not_before(session, tender, Stage.QUALIFICATION_VERIFICATION)
    assessments, verifications = await _verdicts(session, tender)
    leader = _leader_of_complete(await _ranked(session, tender, assessments, verifications))
    if leader.verified:
        raise Conflict(f"vendor {leader.vendor_id} has been verified already: decide the award")
    if vendor_id != leader.vendor_id:
        raise Conflict(f"verify the top-ranked bidder first: vendor {leader.vendor_id}")
    if not passed and not reason.strip():
        raise InvalidInput("a failed verification needs its reason", field="reason")
    session.add(
        Assessment(
            tender_id=tender_id,
            round=tender.round,
            vendor_id=vendor_id,
            aspect=VERIFICATION,
            passed=passed,
            reason=reason.strip(),
            recorded_by=actor.account_id,
            recorded_at=now,
        )
    )
    await session.flush()
    await actor.record(
        session,
        "evaluation.verified",
        f"tender:{tender_id}",
        round=tender.round,
        vendor_id=vendor_id,
        passed=passed,
        reason=reason.strip(),
    )
    # The ranking with this verdict, the latest of its bidder's: as a read of the assessments would
    # rank them now, without the read (issue 20).
    verifications[vendor_id] = Verdict(passed, reason.strip(), None)
    return await _ranked(session, tender, assessments, verifications)


def _leader_of_complete(ranking: Ranking) -> BidderResult:
    if not ranking.complete:
        pending = ", ".join(str(r.vendor_id) for r in ranking.results if r.status == "pending")
        raise Conflict(f"the evaluation is not complete: vendors {pending} still need assessments")
    leader = ranking.leader
    if leader is None:
        raise Conflict("no bid passed the evaluation: the tender fails (gagal tender)")
    return leader


def top_bidder(ranking: Ranking) -> BidderResult:
    """The bidder an award goes to: evaluation complete, the top-ranked one, its qualification proved."""
    leader = _leader_of_complete(ranking)
    if not leader.verified:
        raise Conflict(f"verify the qualification of vendor {leader.vendor_id} before the award")
    return leader
