"""Who is calling, as the API tells it."""

from __future__ import annotations

import msgspec

from federation.identity.caller import Caller
from tenants.registry import TenantRef


class CallerView(msgspec.Struct, frozen=True):
    """The caller of a request and what it may do in the addressed tenant."""

    account_id: int | None
    """``None`` for a machine client acting as itself."""
    client_id: str
    tenant: str
    roles: list[str]
    """Roles held in this tenant, hub-wide ones included, as of this request."""
    scopes: list[str]
    """What the token was granted: it may do no more than these allow, whatever its roles."""

    @classmethod
    def of(cls, caller: Caller, tenant: TenantRef) -> CallerView:
        roles = caller.roles_in(tenant.id) or frozenset()
        return cls(
            account_id=caller.account_id,
            client_id=caller.client_id,
            tenant=tenant.slug,
            roles=sorted(role.value for role in roles),
            scopes=sorted(caller.scopes),
        )
