"""Who may act on vendors: an active account allowed the action by the policy table."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import Account, AccountStatus
from federation.identity.policy import Action, require
from hub.core.errors import Forbidden


async def require_actor(
    session: AsyncSession, account_id: int, tenant_id: int | None, action: Action
) -> Account:
    """The acting account, if it exists, is active and holds a role the action needs in the tenant
    (``tenant_id`` ``None``: hub-wide); ``Forbidden`` otherwise. A disabled account keeps its
    memberships but may not use them."""
    account = await session.get(Account, account_id)
    if account is None:
        raise Forbidden(f"no account {account_id}")
    if account.status != AccountStatus.ACTIVE:
        raise Forbidden(f"account {account.email} is disabled")
    await require(session, account_id, tenant_id, action)
    return account
