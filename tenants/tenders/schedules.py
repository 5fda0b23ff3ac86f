"""A tender's schedule as stored: one row per stage, read and written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.tenders.models import TenderStage
from tenants.tenders.stages import Stage, Window


async def load_schedule(session: AsyncSession, tender_id: int) -> dict[Stage, Window]:
    rows = (await session.execute(select(TenderStage).where(TenderStage.tender_id == tender_id))).scalars()
    return {Stage(r.stage): Window(r.starts_at, r.ends_at) for r in rows}


async def save_schedule(session: AsyncSession, tender_id: int, stages: Mapping[Stage, Window]) -> None:
    for stage, window in stages.items():
        session.add(
            TenderStage(
                tender_id=tender_id, stage=stage.value, starts_at=window.starts_at, ends_at=window.ends_at
            )
        )
    await session.flush()
