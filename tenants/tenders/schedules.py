"""A tender's schedule as stored: one row per stage, read and written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.tenders.models import TenderStage
from tenants.tenders.stages import Stage, Window


async def load_schedule(session: AsyncSession, tender_id: int) -> dict[Stage, Window]:
    return (await load_schedules(session, [tender_id])).get(tender_id, {})


async def load_schedules(session: AsyncSession, tender_ids: Sequence[int]) -> dict[int, dict[Stage, Window]]:
    """The schedules of many tenders in one query (a tender without stages is left out)."""
    query = select(TenderStage).where(TenderStage.tender_id.in_(tender_ids))
    schedules: dict[int, dict[Stage, Window]] = {}
    for row in (await session.execute(query)).scalars():
        schedules.setdefault(row.tender_id, {})[Stage(row.stage)] = Window(row.starts_at, row.ends_at)
    return schedules


async def save_schedule(session: AsyncSession, tender_id: int, stages: Mapping[Stage, Window]) -> None:
    for stage, window in stages.items():
        session.add(
            TenderStage(
                tender_id=tender_id, stage=stage.value, starts_at=window.starts_at, ends_at=window.ends_at
            )
        )
    await session.flush()
