"""Who acts in one tenant: a person, whose roles the policy table checks and whose name the audit chain
records (``Actor``); or a caller acting as itself (``ClientActor``): a machine client registered for
that tenant (e-planning, e-budgeting, e-monev), or the operator's CLI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.accounts import roles_in
from federation.identity.models import Role
from federation.identity.policy import Action, require, role_for, rule_of
from hub.core.errors import Forbidden
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

    async def roles(self, session: AsyncSession) -> frozenset[Role]:
        if self.held_roles is not None:
            return self.held_roles
        return frozenset(await roles_in(session, self.account_id, self.tenant.id))

    async def record(self, session: AsyncSession, action: str, subject: str, **payload: Any) -> None:
        """Append to the tenant's audit chain, in the transaction of the change it records."""
        await append_audit(session, actor_id=self.account_id, action=action, subject=subject, payload=payload)

    @property
    def recorded_by(self) -> int | None:
        """For a table's ``recorded_by`` column: the person's account."""
        return self.account_id

    @property
    def recorded_by_client(self) -> str | None:
        """For a table's ``recorded_by_client`` column: a person is no client."""
        return None


@dataclass(frozen=True, slots=True)
class ClientActor:
    """A caller acting as itself in one tenant, with no person behind it: a machine client registered
    for the tenant (``federation.oidc.models.OAuthClient.tenant_id``), whose token carries only the
    scopes it was registered with, or the operator at the command line (``operator``).

    It may take only the actions the policy table opens to machines (``Rule.machines``); it holds no
    role. The audit chain records it with no account and the client's id in the entry's payload."""

    client_id: str
    tenant: TenantRef

    OPERATOR: ClassVar[str] = "operator"
    """The client id the command line records: whoever runs ``lpse-hub`` with the database's address."""

    @classmethod
    def operator(cls, tenant: TenantRef) -> ClientActor:
        return cls(cls.OPERATOR, tenant)

    @property
    def account_id(self) -> None:
        return None

    @property
    def recorded_by(self) -> None:
        return None

    @property
    def recorded_by_client(self) -> str:
        return self.client_id

    async def require(self, session: AsyncSession, action: Action) -> None:
        """``Forbidden`` unless the policy table lets a machine take ``action``."""
        if not rule_of(action).machines:
            raise Forbidden("this needs a person, not a client acting as itself")

    async def record(self, session: AsyncSession, action: str, subject: str, **payload: Any) -> None:
        """Append to the tenant's audit chain, naming the client (``client``) in the payload."""
        await append_audit(
            session,
            actor_id=None,
            action=action,
            subject=subject,
            payload={**payload, "client": self.client_id},
        )


Acting = Actor | ClientActor
"""Whoever acts in a tenant: a person, or a client acting as itself."""
