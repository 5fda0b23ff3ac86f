"""A tenant's agencies (satker), reached as ``/t/{slug}/api/agencies`` or on the tenant's host."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from hub.schemas import AgencyView
from tenants.agencies import list_agencies


class AgencyController(Controller):
    path = "/api/agencies"
    tags = ["agencies"]  # noqa: RUF012

    @get("/", summary="The tenant's agencies (satker)")
    async def list(self, tenant_session: NamedDependency[AsyncSession]) -> list[AgencyView]:
        return [AgencyView.of(a) for a in await list_agencies(tenant_session)]
