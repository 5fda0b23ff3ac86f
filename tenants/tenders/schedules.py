"""A tender's schedule as stored: one row per stage, read and written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tenants.tenders.models import TenderStage
from tenants.tenders.stages import Stage, Window
from tenants.tenders.transaction_memo import forget_at_transaction_end


async def load_schedule(session: AsyncSession, tender_id: int) -> dict[Stage, Window]:
    return (await load_schedules(session, [tender_id])).get(tender_id, {})


async def load_schedules(session: AsyncSession, tender_ids: Sequence[int]) -> dict[int, dict[Stage, Window]]:
    """The schedules of many tenders in one query (a tender without stages is left out).

    Read once per transaction: a request's steps (the check of the stage, the publication, the
    view answered) each ask for the same schedule, so the transaction keeps what it read
    (``session.info``) until it ends or it writes a stage (``_forget_on_stage_writes``). A session
    serves one tenant's schema, so a tender id names one tender in what it keeps.
    """
    known: dict[int, dict[Stage, Window]] = session.info.setdefault(_READ, {})
    if _stage_written(session.sync_session):
        known.clear()
    missing = [i for i in tender_ids if i not in known]
    if missing:
        query = select(TenderStage).where(TenderStage.tender_id.in_(missing))
        for tender_id in missing:
            known[tender_id] = {}
        for row in (await session.execute(query)).scalars():
            known[row.tender_id][Stage(row.stage)] = Window(row.starts_at, row.ends_at)
    return {i: dict(known[i]) for i in tender_ids if known[i]}


def remember_schedule(
    session: AsyncSession, tender_id: int, stages: Sequence[tuple[str, datetime, datetime]]
) -> None:
    """Keep a tender's schedule read by the caller's own statement in this transaction, for
    ``load_schedules``: the step's read of its tender brings its stages along, one round trip fewer.
    Read after any stage row of the session was flushed (a statement flushes first), so it is current."""
    known: dict[int, dict[Stage, Window]] = session.info.setdefault(_READ, {})
    known[tender_id] = {Stage(stage): Window(starts_at, ends_at) for stage, starts_at, ends_at in stages}


_READ = "tenants.tenders.schedules"
"""The key of ``session.info`` for the schedules this transaction has read."""


@event.listens_for(Session, "after_flush")
def _forget_on_stage_writes(session: Session, _context: object) -> None:
    if _READ in session.info and _stage_written(session):
        session.info[_READ].clear()


forget_at_transaction_end(_READ)


def _stage_written(session: Session) -> bool:
    """Whether the session holds a stage row not yet flushed (or in the flush under way)."""
    return any(isinstance(row, TenderStage) for row in (*session.new, *session.dirty, *session.deleted))


async def save_schedule(session: AsyncSession, tender_id: int, stages: Mapping[Stage, Window]) -> None:
    for stage, window in stages.items():
        session.add(
            TenderStage(
                tender_id=tender_id, stage=stage.value, starts_at=window.starts_at, ends_at=window.ends_at
            )
        )
    await session.flush()
