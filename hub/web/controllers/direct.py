"""Direct procurement (pengadaan langsung) over HTTP, and the tenant's procurement rules."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.web.auth import requires
from hub.web.schemas.direct import DirectInvitation, NegotiatedPrice, NegotiationView, ProcurementRules
from hub.web.schemas.tenders import Id, TenderView
from tenants.tenders.direct.procurement import invite_vendor, negotiate
from tenants.tenders.procurement_rules import (
    objection_limits,
    plans_required,
    set_objection_limits,
    set_plans_required,
)
from tenants.tenders.views import tender_view_now


class DirectProcurementController(Controller):
    path = "/api"
    tags = ["direct procurement"]  # noqa: RUF012

    @post(
        "/direct-procurements",
        summary="Invite one verified vendor to offer (procurement_officer)",
        **requires(Action.DIRECT_INVITE, errors=(400, 409)),
    )
    async def invite(
        self,
        data: JSONBody[DirectInvitation],
        actor: NamedDependency[Actor],
        state: State,
        transaction: NamedDependency[AsyncSession],
    ) -> TenderView:
        tender = await invite_vendor(transaction, actor, state.master, data.invitation())
        return TenderView.of(await tender_view_now(transaction, actor.tenant, tender))

    @post(
        "/tenders/{tender_id:int}/negotiations",
        summary="Record the negotiated price (procurement_officer)",
        **requires(Action.TENDER_RUN, errors=(400, 409)),
    )
    async def negotiate(
        self,
        tender_id: Id,
        data: JSONBody[NegotiatedPrice],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> NegotiationView:
        return NegotiationView.of(await negotiate(transaction, actor, tender_id, data.price, data.notes))

    @get("/procurement-rules", summary="The limits this LPSE sets (objection period length)")
    async def rules(self, tenant_session: NamedDependency[AsyncSession]) -> ProcurementRules:
        limits = await objection_limits(tenant_session)
        return ProcurementRules.of(limits, await plans_required(tenant_session))

    @put(
        "/procurement-rules",
        summary="Change the limits and the plans-required rule (tenant_admin)",
        **requires(Action.RULES_CHANGE, errors=(400,)),
    )
    async def change_rules(
        self,
        data: JSONBody[ProcurementRules],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> ProcurementRules:
        limits = await set_objection_limits(transaction, actor, data.limits())
        if data.plans_required is None:  # left out: unchanged
            return ProcurementRules.of(limits, await plans_required(transaction))
        return ProcurementRules.of(limits, await set_plans_required(transaction, actor, data.plans_required))
