"""A tenant's agencies (satker), reached as ``/t/{slug}/api/agencies`` or on the tenant's host."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.web.auth import requires
from hub.web.schemas.registry import AgencyView, NewAgency
from tenants.agencies import add_agency, list_agencies


class AgencyController(Controller):
    path = "/api/agencies"
    tags = ["agencies"]  # noqa: RUF012

    @get("/", summary="The tenant's agencies (satker)")
    async def list(self, tenant_session: NamedDependency[AsyncSession]) -> list[AgencyView]:
        return [AgencyView.of(a) for a in await list_agencies(tenant_session)]

    @post(
        "/",
        summary="Add an agency (tenant_admin of this tenant)",
        **requires(Action.AGENCY_ADD, errors=(400, 409)),
    )
    async def add(
        self,
        data: JSONBody[NewAgency],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> AgencyView:
        return AgencyView.of(await add_agency(transaction, data.name, actor=actor))
