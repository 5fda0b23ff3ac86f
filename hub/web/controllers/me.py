"""What the caller may do in a tenant: its roles there, looked up at every request."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.accounts import roles_in
from federation.identity.caller import Caller
from tenants.registry import TenantRef


class MeController(Controller):
    path = "/api/me"
    tags = ["identity"]  # noqa: RUF012

    @get("/", summary="The caller and its roles in this tenant")
    async def me(
        self,
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, object]:
        roles = await roles_in(tenant_session, caller.account_id, tenant.id) if caller.account_id else set()
        return {
            "account_id": caller.account_id,
            "client_id": caller.client_id,
            "tenant": tenant.slug,
            "roles": sorted(r.value for r in roles),
            "scopes": sorted(caller.scopes),
        }
