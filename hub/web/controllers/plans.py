"""The tenant's procurement plan (RUP) over HTTP: public reads, as SiRUP publishes plans; recording
by a person with the role or by an e-planning or e-budgeting system of this tenant."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.policy import Action
from hub.web.auth import requires
from hub.web.body_limits import PLAN_BODY_BYTES
from hub.web.dependencies import ActingDependency
from hub.web.openapi import problem_responses
from hub.web.schemas.plans import NewPlanItems, PlanItemOut, PlanOutcomeOut
from tenants.plans import list_plan_items, plan_item, record_plan_items

YEAR = QueryParameter(ge=2000, le=2100, description="Only items of this fiscal year.")
AGENCY = QueryParameter(ge=1, le=2**62, description="Only items of this agency (satker).")


RupCode = Annotated[str, PathParameter(min_length=1, max_length=20, pattern=r"^[0-9]+$")]
"""A plan item's RUP code in a path: SiRUP's codes are digits."""


class PlanController(Controller):
    path = "/api/plans"
    tags = ["plans"]  # noqa: RUF012

    @post(
        "/",
        summary="Record plan items (RUP), all or none (tenant_admin, commitment_officer, e-planning)",
        request_max_body_size=PLAN_BODY_BYTES,
        **requires(Action.PLAN_RECORD, errors=(400, 409, 413, 422)),
    )
    async def record(
        self,
        data: JSONBody[NewPlanItems],
        acting: ActingDependency,
        transaction: NamedDependency[AsyncSession],
    ) -> PlanOutcomeOut:
        items = [item.fields() for item in data]
        return PlanOutcomeOut.of(await record_plan_items(transaction, acting, items, via="api"))

    @get(
        "/",
        summary="The plan's items, each with what is left of its ceiling",
        responses=problem_responses(400),
    )
    async def index(
        self,
        tenant_session: NamedDependency[AsyncSession],
        fiscal_year: Annotated[int | None, YEAR] = None,
        agency_id: Annotated[int | None, AGENCY] = None,
    ) -> list[PlanItemOut]:
        items = await list_plan_items(tenant_session, fiscal_year=fiscal_year, agency_id=agency_id)
        return [PlanItemOut.of(item) for item in items]

    @get("/{rup_code:str}", summary="One plan item by its RUP code", responses=problem_responses(404))
    async def show(self, rup_code: RupCode, tenant_session: NamedDependency[AsyncSession]) -> PlanItemOut:
        return PlanItemOut.of(await plan_item(tenant_session, rup_code))
