"""The verified subject of an access token, as services see it."""

from __future__ import annotations

from dataclasses import dataclass

from federation.identity.models import Role


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: a person's account, or a machine client acting as itself."""

    account_id: int | None
    """``None`` for a machine client (client credentials grant): it acts as itself, not as a person."""
    client_id: str
    scopes: frozenset[str]
    token_id: str
    tenant_id: int | None = None
    """The one tenant a machine client acts in (``federation.oidc.models.OAuthClient.tenant_id``),
    from its token; ``None`` for a person and for a machine client of no tenant."""
    memberships: frozenset[tuple[int | None, Role]] | None = None
    """The account's roles as ``(tenant id, role)``, ``None`` for hub-wide ones, read with the token
    for this request; ``None`` when not read."""

    def roles_in(self, tenant_id: int) -> frozenset[Role] | None:
        """The roles held in the tenant, hub-wide ones included; ``None`` when not read."""
        if self.memberships is None:
            return None
        return frozenset(role for where, role in self.memberships if where is None or where == tenant_id)
