"""After the opening, over HTTP: evaluation, qualification verification, award, failure, re-tender.

Each step is the tender's runner's (``Action.TENDER_RUN``): the selection committee's, or the
procurement officer's in direct procurement; the service narrows the role to the tender's runner.
"""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.web.auth import IN_TRANSACTION, requires
from hub.web.schemas.outcomes import (
    Assessments,
    AwardChoice,
    AwardDecisionView,
    EvaluationView,
    Verification,
)
from hub.web.schemas.tenders import Id, Reason, Retender, TenderView
from tenants.tenders import get_tender
from tenants.tenders.award.decision import announce_award, decide_award, fail_tender, retender
from tenants.tenders.evaluation.assessments import (
    evaluation_state,
    record_assessments,
    verify_qualification,
)
from tenants.tenders.views import tender_view_now


class EvaluationController(Controller):
    path = "/api/tenders/{tender_id:int}"
    tags = ["evaluation"]  # noqa: RUF012

    @get(
        "/evaluation",
        summary="The evaluation as it stands (the tenant's officials, before publication)",
        **requires(Action.OFFICIAL_READ, errors=(400, 409)),
    )
    async def show(
        self,
        tender_id: Id,
        actor: NamedDependency[Actor],
        tenant_session: NamedDependency[AsyncSession],
    ) -> EvaluationView:
        tender = await get_tender(tenant_session, tender_id)
        return EvaluationView.of(tender.round, await evaluation_state(tenant_session, tender), actor.tenant)

    @post(
        "/assessments",
        summary="Record verdicts on bids' aspects (the tender's runner)",
        **requires(Action.TENDER_RUN, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def assess(
        self,
        tender_id: Id,
        data: JSONBody[Assessments],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> EvaluationView:
        ranking = await record_assessments(transaction, actor, tender_id, data.assessments)
        tender = await get_tender(transaction, tender_id)
        return EvaluationView.of(tender.round, ranking, actor.tenant)

    @post(
        "/qualification-verifications",
        summary="Record the top bidder's proof of qualification (the tender's runner)",
        **requires(Action.TENDER_RUN, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def verify(
        self,
        tender_id: Id,
        data: JSONBody[Verification],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> EvaluationView:
        ranking = await verify_qualification(
            transaction, actor, tender_id, data.vendor_id, data.passed, data.reason
        )
        tender = await get_tender(transaction, tender_id)
        return EvaluationView.of(tender.round, ranking, actor.tenant)

    @post(
        "/award",
        summary="Decide the award (selection_committee; procurement_officer for direct)",
        **requires(Action.TENDER_RUN, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def award(
        self,
        tender_id: Id,
        data: JSONBody[AwardChoice],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> AwardDecisionView:
        return AwardDecisionView.of(await decide_award(transaction, actor, tender_id, data.vendor_id))

    @post(
        "/award-announcement",
        summary="Publish the results and open the objection period (selection_committee)",
        **requires(Action.TENDER_RUN, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def announce(
        self,
        tender_id: Id,
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> TenderView:
        award = await announce_award(transaction, actor, tender_id)
        tender = await get_tender(transaction, award.tender_id)
        return TenderView.of(await tender_view_now(transaction, actor.tenant, tender))

    @post(
        "/failure",
        summary="Declare the tender failed (gagal tender), with its reason",
        **requires(Action.TENDER_RUN, errors=(400, 409)),
    )
    async def fail(
        self,
        tender_id: Id,
        data: JSONBody[Reason],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> TenderView:
        tender = await fail_tender(transaction, actor, tender_id, data.reason)
        return TenderView.of(await tender_view_now(transaction, actor.tenant, tender))

    @post(
        "/retender",
        summary="Create a re-tender of a failed or cancelled tender (a new draft)",
        **requires(Action.TENDER_RUN, errors=(400, 409)),
    )
    async def retender(
        self,
        tender_id: Id,
        data: JSONBody[Retender],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> TenderView:
        tender = await retender(
            transaction,
            actor,
            tender_id,
            {name: (w.starts_at, w.ends_at) for name, w in data.schedule.items()},
            evaluation=data.evaluation,
            criteria=data.criteria_input(),
            objection_days=data.objection_days,
        )
        return TenderView.of(await tender_view_now(transaction, actor.tenant, tender))
