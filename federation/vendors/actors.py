"""Who may act on vendors: an active account holding one of the roles the action needs."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.authorization import require_role
from federation.identity.models import Account, AccountStatus, Role
from hub.core.errors import Forbidden


async def require_actor(
    session: AsyncSession, account_id: int, tenant_id: int | None, allowed: Iterable[Role]
) -> Account:
    """The acting account, if it exists, is active and holds one of ``allowed`` in the tenant
    (``tenant_id`` ``None``: hub-wide); ``Forbidden`` otherwise. A disabled account keeps its
    memberships but may not use them."""
    account = await session.get(Account, account_id)
    if account is None:
        raise Forbidden(f"no account {account_id}")
    if account.status != AccountStatus.ACTIVE:
        raise Forbidden(f"account {account.email} is disabled")
    await require_role(session, account_id, tenant_id, allowed)
    return account
