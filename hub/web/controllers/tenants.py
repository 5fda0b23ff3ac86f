"""The public list of the hub's tenants."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from hub.web.schemas.registry import TenantView
from tenants.registry import TenantStatus, list_tenants


class TenantController(Controller):
    path = "/api/tenants"
    tags = ["tenants"]  # noqa: RUF012

    @get("/", summary="Active tenants (LPSEs) of this hub")
    async def index(self, db_session: NamedDependency[AsyncSession]) -> list[TenantView]:
        return [TenantView.of(t) for t in await list_tenants(db_session, status=TenantStatus.ACTIVE)]
