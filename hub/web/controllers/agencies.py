"""A tenant's agencies (satker), reached as ``/t/{slug}/api/agencies`` or on the tenant's host."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.authorization import require_role
from federation.identity.caller import Caller
from federation.identity.models import Role
from hub.core.errors import Forbidden
from hub.web.schemas import AgencyView
from tenants.agencies import add_agency, list_agencies
from tenants.registry import TenantRef


@dataclass(frozen=True, slots=True)
class NewAgency:
    name: str


class AgencyController(Controller):
    path = "/api/agencies"
    tags = ["agencies"]  # noqa: RUF012

    @get("/", summary="The tenant's agencies (satker)")
    async def list(self, tenant_session: NamedDependency[AsyncSession]) -> list[AgencyView]:
        return [AgencyView.of(a) for a in await list_agencies(tenant_session)]

    @post("/", summary="Add an agency (tenant_admin of this tenant)")
    async def add(
        self,
        data: JSONBody[NewAgency],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> AgencyView:
        if caller.account_id is None:
            raise Forbidden("a person's token is needed to add an agency")
        async with tenant_session.begin():
            await require_role(tenant_session, caller.account_id, tenant.id, [Role.TENANT_ADMIN])
            return AgencyView.of(await add_agency(tenant_session, data.name, actor_id=caller.account_id))
