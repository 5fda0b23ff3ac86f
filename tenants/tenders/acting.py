"""What every tender action shares: who acts, in which tenant, at which database time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.authorization import require_role
from federation.identity.models import Role
from hub.core.clock import database_now
from hub.core.errors import InvalidInput, NotFound
from tenants.audit import append_audit
from tenants.registry import TenantRef
from tenants.tenders.models import Tender


@dataclass(frozen=True, slots=True)
class Actor:
    """A person acting in one tenant. Roles are checked per action, from the memberships."""

    account_id: int
    tenant: TenantRef

    async def require(self, session: AsyncSession, *roles: Role) -> Role:
        return await require_role(session, self.account_id, self.tenant.id, roles)

    async def record(self, session: AsyncSession, action: str, subject: str, **payload: Any) -> None:
        """Append to the tenant's audit chain, in the transaction of the change it records."""
        await append_audit(session, actor_id=self.account_id, action=action, subject=subject, payload=payload)


def runner_role(tender: Tender) -> Role:
    """Who runs the tender: the selection committee, or the procurement officer for direct procurement."""
    return Role.PROCUREMENT_OFFICER if tender.is_direct else Role.SELECTION_COMMITTEE


async def runner_tender(session: AsyncSession, actor: Actor, tender_id: int) -> Tender:
    """The tender, locked, for a step only its runner may take.

    The role is checked before the tender is looked up, so people without a role in this tenant
    learn nothing of its tenders (not even whether one exists).
    """
    role = await actor.require(session, Role.SELECTION_COMMITTEE, Role.PROCUREMENT_OFFICER)
    tender = await get_tender(session, tender_id, for_update=True)
    if role != runner_role(tender):
        await actor.require(session, runner_role(tender))
    return tender


async def get_tender(session: AsyncSession, tender_id: int, *, for_update: bool = False) -> Tender:
    query = select(Tender).where(Tender.id == tender_id)
    if for_update:
        query = query.with_for_update()
    tender = await session.scalar(query)
    if tender is None:
        raise NotFound(f"no tender {tender_id} in this tenant")
    return tender


def rupiah(value: int, field: str) -> int:
    """Money is whole rupiah in BIGINT, never a float."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{field} must be a positive whole number of rupiah", field=field)
    return value


__all__ = ["Actor", "database_now", "get_tender", "runner_role", "runner_tender", "rupiah"]
