"""What every tender action shares: who acts (``Actor``), the tender it acts on, the database time."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import BigInteger, Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from federation.identity.actor import Actor
from federation.identity.models import Role
from federation.identity.policy import Action
from hub.core.clock import database_now, remember_database_now
from hub.core.errors import Forbidden, InvalidInput, NotFound
from tenants.tenders import held  # noqa: F401  (a transaction keeps the tenders it loads)
from tenants.tenders.models import Tender, TenderStage
from tenants.tenders.schedules import remember_schedule


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
    not refresh it either (the identity map keeps the loaded object's values). A read brings the
    transaction's clock and the tender's schedule along (``database_now``, ``load_schedules``):
    every step judges its stage by them, and they cost no round trip of their own then."""
    if not for_update:
        held_tender = session.sync_session.identity_map.get(identity_key(Tender, tender_id))
        if held_tender is not None:
            return held_tender
    query = _LOCKED_READ if for_update else _READ
    row = (await session.execute(query, {"tender_id": tender_id})).first()
    if row is None:
        raise NotFound(f"no tender {tender_id} in this tenant")
    tender, now, stages, starts, ends = row
    remember_database_now(session, now)
    remember_schedule(session, tender.id, list(zip(stages or [], starts or [], ends or [], strict=True)))
    return cast(Tender, tender)


def _tender_read() -> Select[Any]:
    def stages_of(column: Any) -> Any:
        aggregated = func.array_agg(aggregate_order_by(column, TenderStage.stage))
        return select(aggregated).where(TenderStage.tender_id == Tender.id).scalar_subquery()

    return select(
        Tender,
        func.now(),
        stages_of(TenderStage.stage),
        stages_of(TenderStage.starts_at),
        stages_of(TenderStage.ends_at),
    ).where(Tender.id == bindparam("tender_id", type_=BigInteger))


_READ = _tender_read()
_LOCKED_READ = _READ.with_for_update(of=Tender).execution_options(populate_existing=True)
"""A step's read of its tender, with the clock and its schedule, built once (every step of a tender)."""


def rupiah(value: int, field: str) -> int:
    """Money is whole rupiah in BIGINT, never a float."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{field} must be a positive whole number of rupiah", field=field)
    return value


__all__ = ["Actor", "database_now", "get_tender", "runner_role", "runner_tender", "rupiah"]
