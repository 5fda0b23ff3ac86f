"""After the opening, over HTTP: evaluation, qualification verification, award, failure, re-tender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from hub.core.errors import Forbidden
from hub.web.controllers.tenders import Reason, StageWindow, actor, is_official, view_of
from tenants.registry import TenantRef
from tenants.tenders import get_tender
from tenants.tenders.award.decision import announce_award, decide_award, fail_tender, retender
from tenants.tenders.evaluation.assessments import (
    AssessmentInput,
    evaluation_state,
    record_assessments,
    verify_qualification,
)
from tenants.tenders.evaluation.ranking import Ranking
from tenants.tenders.views import localized


@dataclass(frozen=True, slots=True)
class Assessments:
    assessments: list[AssessmentInput]


@dataclass(frozen=True, slots=True)
class Verification:
    vendor_id: int
    passed: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AwardChoice:
    vendor_id: int


@dataclass(frozen=True, slots=True)
class Retender:
    schedule: dict[str, StageWindow]
    evaluation: str | None = None
    criteria: dict[str, Any] | None = None
    objection_days: int | None = None


def ranking_view(tender_round: int, ranking: Ranking, tenant: TenantRef) -> dict[str, Any]:
    ranked = ranking.ranked
    bidders = [r.as_json() for r in ranked + [r for r in ranking.results if r.rank is None]]
    return {
        "round": tender_round,
        "complete": ranking.complete,
        "leader": ranking.leader.vendor_id if ranking.leader else None,
        "bidders": localized(bidders, ZoneInfo(tenant.timezone)),
    }


class EvaluationController(Controller):
    path = "/api/tenders/{tender_id:int}"
    tags = ["evaluation"]  # noqa: RUF012

    @get("/evaluation", summary="The evaluation as it stands (the tenant's officials, before publication)")
    async def show(
        self,
        tender_id: FromPath[int],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        if not await is_official(tenant_session, caller, tenant):
            raise Forbidden("the evaluation is published with the award announcement")
        tender = await get_tender(tenant_session, tender_id)
        return ranking_view(tender.round, await evaluation_state(tenant_session, tender), tenant)

    @post("/assessments", summary="Record verdicts on bids' aspects (selection_committee)")
    async def assess(
        self,
        tender_id: FromPath[int],
        data: JSONBody[Assessments],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            ranking = await record_assessments(
                tenant_session, actor(caller, tenant), tender_id, data.assessments
            )
            tender = await get_tender(tenant_session, tender_id)
            return ranking_view(tender.round, ranking, tenant)

    @post("/qualification-verifications", summary="Record the top bidder's proof of qualification")
    async def verify(
        self,
        tender_id: FromPath[int],
        data: JSONBody[Verification],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            ranking = await verify_qualification(
                tenant_session, actor(caller, tenant), tender_id, data.vendor_id, data.passed, data.reason
            )
            tender = await get_tender(tenant_session, tender_id)
            return ranking_view(tender.round, ranking, tenant)

    @post("/award", summary="Decide the award (selection_committee; procurement_officer for direct)")
    async def award(
        self,
        tender_id: FromPath[int],
        data: JSONBody[AwardChoice],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            award = await decide_award(tenant_session, actor(caller, tenant), tender_id, data.vendor_id)
            return {
                "round": award.round,
                "vendor_id": award.vendor_id,
                "price": award.price,
                "reserves": list(award.reserves),
            }

    @post("/award-announcement", summary="Publish the results and open the objection period")
    async def announce(
        self,
        tender_id: FromPath[int],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            award = await announce_award(tenant_session, actor(caller, tenant), tender_id)
            return await view_of(tenant_session, tenant, await get_tender(tenant_session, award.tender_id))

    @post("/failure", summary="Declare the tender failed (gagal tender), with its reason")
    async def fail(
        self,
        tender_id: FromPath[int],
        data: JSONBody[Reason],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            tender = await fail_tender(tenant_session, actor(caller, tenant), tender_id, data.reason)
            return await view_of(tenant_session, tenant, tender)

    @post("/retender", summary="Create a re-tender of a failed or cancelled tender (a new draft)")
    async def retender(
        self,
        tender_id: FromPath[int],
        data: JSONBody[Retender],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        schedule = {name: (w.starts_at, w.ends_at) for name, w in data.schedule.items()}
        async with tenant_session.begin():
            tender = await retender(
                tenant_session,
                actor(caller, tenant),
                tender_id,
                schedule,
                evaluation=data.evaluation,
                criteria=data.criteria,
                objection_days=data.objection_days,
            )
            return await view_of(tenant_session, tenant, tender)
