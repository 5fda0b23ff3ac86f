"""Who may see a province's review: the hub's administrators and the province's auditors."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from federation.identity.models import Role
from federation.vendors.actors import require_actor
from hub.core.errors import Forbidden

REVIEWERS = (Role.HUB_ADMIN, Role.PROVINCE_AUDITOR)
"""Hub-wide roles: a role in one regency (even its admin's) shows nothing of the others."""


async def require_reviewer(session: AsyncSession, caller: Caller) -> None:
    """``Forbidden`` unless the caller is a person holding one of ``REVIEWERS`` with an active account."""
    if caller.account_id is None:
        raise Forbidden("a review is for a person holding hub_admin or province_auditor, not a client")
    await require_actor(session, caller.account_id, None, REVIEWERS)
