"""Direct procurement (pengadaan langsung) over HTTP, and the tenant's procurement rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from hub.web.controllers.tenders import actor, view_of
from tenants.registry import TenantRef
from tenants.tenders.direct.procurement import Invitation, invite_vendor, negotiate
from tenants.tenders.procurement_rules import ObjectionLimits, objection_limits, set_objection_limits


@dataclass(frozen=True, slots=True)
class Rules:
    objection_min_days: int
    objection_max_days: int
    objection_default_days: int

    @classmethod
    def of(cls, limits: ObjectionLimits) -> Rules:
        return cls(limits.min_days, limits.max_days, limits.default_days)


@dataclass(frozen=True, slots=True)
class NegotiatedPrice:
    price: int
    notes: str


class DirectProcurementController(Controller):
    path = "/api"
    tags = ["direct procurement"]  # noqa: RUF012

    @post("/direct-procurements", summary="Invite one verified vendor to offer (procurement_officer)")
    async def invite(
        self,
        data: JSONBody[Invitation],
        caller: NamedDependency[Caller],
        state: State,
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            tender = await invite_vendor(tenant_session, actor(caller, tenant), state.master, data)
            return await view_of(tenant_session, tenant, tender)

    @post(
        "/tenders/{tender_id:int}/negotiations", summary="Record the negotiated price (procurement_officer)"
    )
    async def negotiate(
        self,
        tender_id: FromPath[int],
        data: JSONBody[NegotiatedPrice],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            negotiation = await negotiate(
                tenant_session, actor(caller, tenant), tender_id, data.price, data.notes
            )
            return {"id": negotiation.id, "price": negotiation.price, "notes": negotiation.notes}

    @get("/procurement-rules", summary="The limits this LPSE sets (objection period length)")
    async def rules(self, tenant_session: NamedDependency[AsyncSession]) -> Rules:
        return Rules.of(await objection_limits(tenant_session))

    @put("/procurement-rules", summary="Change the limits (tenant_admin)")
    async def change_rules(
        self,
        data: JSONBody[Rules],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> Rules:
        limits = ObjectionLimits(
            data.objection_min_days, data.objection_max_days, data.objection_default_days
        )
        async with tenant_session.begin():
            return Rules.of(await set_objection_limits(tenant_session, actor(caller, tenant), limits))
