"""Authorisation: does this account hold one of these roles in this tenant? Checked per action.

Roles are looked up from the memberships at every check, never taken from a token: a role granted
or revoked takes effect at the next request, and a role in tenant A grants nothing in tenant B.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.accounts import roles_in
from federation.identity.models import Role
from hub.core.errors import Forbidden


async def require_role(
    session: AsyncSession, account_id: int, tenant_id: int | None, allowed: Iterable[Role]
) -> Role:
    """The first of ``allowed`` the account holds there; ``Forbidden`` if none."""
    allowed = list(allowed)
    held = await roles_in(session, account_id, tenant_id)
    for role in allowed:
        if role in held:
            return role
    names = " or ".join(r.value for r in allowed)
    raise Forbidden(f"this needs the role {names} in this tenant")
