"""A person acting in one tenant: whose roles the policy table checks, whose name the audit chain records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.accounts import roles_in
from federation.identity.models import Role
from federation.identity.policy import Action, require, role_for
from tenants.audit import append_audit
from tenants.registry import TenantRef


@dataclass(frozen=True, slots=True)
class Actor:
    """A person acting in one tenant. Roles are checked per action, from the memberships."""

    account_id: int
    tenant: TenantRef
    held_roles: frozenset[Role] | None = None
    """The roles the person holds here (hub-wide ones included), when the caller read them already
    (the web reads them with the token, once per request); ``None``: read at each check."""

    async def require(self, session: AsyncSession, action: Action) -> Role | None:
        """The role by which the person may take ``action`` here (``policy.POLICY``); ``Forbidden``
        if none."""
        if self.held_roles is None:
            return await require(session, self.account_id, self.tenant.id, action)
        return role_for(action, self.held_roles)

    @property
    def recorded_by(self) -> int | None:
        """The account a row this person records names (its ``recorded_by`` column)."""
        return self.account_id

    @property
    def recorded_by_client(self) -> str | None:
        """A person records as no machine client."""
        return None

    async def roles(self, session: AsyncSession) -> frozenset[Role]:
        if self.held_roles is not None:
            return self.held_roles
        return frozenset(await roles_in(session, self.account_id, self.tenant.id))

    async def record(self, session: AsyncSession, action: str, subject: str, **payload: Any) -> None:
        """Append to the tenant's audit chain, in the transaction of the change it records."""
        await append_audit(session, actor_id=self.account_id, action=action, subject=subject, payload=payload)
