"""What every tender action shares: who acts (``Actor``), the tender it acts on, the database time."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from federation.identity.actor import Actor
from federation.identity.models import Role
from federation.identity.policy import Action
from hub.core.clock import database_now
from hub.core.errors import Forbidden, InvalidInput, NotFound
from tenants.tenders import held  # noqa: F401  (a transaction keeps the tenders it loads)
from tenants.tenders.models import Tender
from tenants.tenders.step_read import read_tender


def runner_role(tender: Tender) -> Role:
    """Who runs the tender: the selection committee, or the procurement officer for direct procurement."""
    return Role.PROCUREMENT_OFFICER if tender.is_direct else Role.SELECTION_COMMITTEE


async def runner_tender(session: AsyncSession, actor: Actor, tender_id: int) -> Tender:
    """The tender, locked, for a step only its runner may take.

    The role is checked before the tender is looked up, so people without a role in this tenant
    learn nothing of its tenders (not even whether one exists).
    """
    role = await actor.require(session, Action.TENDER_RUN)
    tender = await get_tender(session, tender_id, for_update=True)
    runner = runner_role(tender)
    if role != runner and runner not in await actor.roles(session):
        raise Forbidden(f"this tender is run by its {runner.value}")
    return tender


async def get_tender(session: AsyncSession, tender_id: int, *, for_update: bool = False) -> Tender:
    """The tender; ``for_update`` locks its row (a locked read refreshes a tender already loaded).

    Unlocked, a tender the session holds already is answered without a statement: a read would
    not refresh it either (the identity map keeps the loaded object's values). A read brings along
    what the step asks for next, in the same statement (``tenants.tenders.step_read``)."""
    if not for_update:
        held_tender = session.sync_session.identity_map.get(identity_key(Tender, tender_id))
        if held_tender is not None:
            return held_tender
    tender = await read_tender(session, tender_id, for_update=for_update)
    if tender is None:
        raise NotFound(f"no tender {tender_id} in this tenant")
    return tender


def rupiah(value: int, field: str) -> int:
    """Money is whole rupiah in BIGINT, never a float."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{field} must be a positive whole number of rupiah", field=field)
    return value


__all__ = ["Actor", "database_now", "get_tender", "runner_role", "runner_tender", "rupiah"]
