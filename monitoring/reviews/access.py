"""Who may see a province's review: the hub's administrators and the province's auditors
(``Action.REVIEW_READ`` in the policy table: hub-wide roles, so a role in one regency, even its
admin's, shows nothing of the others)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from federation.identity.policy import Action
from federation.vendors.actors import require_actor
from hub.core.errors import Forbidden


async def require_reviewer(session: AsyncSession, caller: Caller) -> None:
    """``Forbidden`` unless the caller is a person allowed ``REVIEW_READ`` with an active account."""
    if caller.account_id is None:
        raise Forbidden("a review is for a person holding hub_admin or province_auditor, not a client")
    await require_actor(session, caller.account_id, None, Action.REVIEW_READ)
