"""What the caller may do in a tenant: its roles there, looked up at every request."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from federation.identity.caller import Caller
from federation.identity.policy import Action
from hub.web.auth import requires
from hub.web.schemas.identity import CallerView
from tenants.registry import TenantRef


class MeController(Controller):
    path = "/api/me"
    tags = ["identity"]  # noqa: RUF012

    @get("/", summary="The caller and its roles in this tenant", **requires(Action.ACCOUNT_READ))
    async def me(self, caller: NamedDependency[Caller], tenant: NamedDependency[TenantRef]) -> CallerView:
        return CallerView.of(caller, tenant)
