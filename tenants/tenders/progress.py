"""Where a tender stands after announcement, and the checks every step after the opening makes.

Before the opening, the schedule and the database clock say which stage is open. After it, each
step moves the tender's status on (opened, awarded, award announced, award letter, contracted)
and may not happen earlier than the schedule planned it, if the schedule names that stage.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from hub.core.errors import Conflict
from tenants.tenders.models import Tender
from tenants.tenders.schedules import load_schedule
from tenants.tenders.stages import Stage, Window, open_stages
from tenants.vocabulary import TenderStatus


def require_status(tender: Tender, *allowed: TenderStatus, doing: str) -> None:
    if tender.status not in allowed:
        expected = " or ".join(s.value for s in allowed)
        raise Conflict(f"cannot {doing}: tender {tender.id} is {tender.status}, not {expected}")


async def not_before(session: AsyncSession, tender: Tender, stage: Stage) -> datetime:
    """Refuse a step the schedule plans for later; returns the database time of the step."""
    now = await database_now(session)
    window = (await load_schedule(session, tender.id)).get(stage)
    if window is not None and now < window.starts_at:
        raise Conflict(f"{stage.value} is scheduled from {window.starts_at.isoformat()}, not before")
    return now


def current_stage(tender: Tender, schedule: dict[Stage, Window], now: datetime) -> str:
    """One word for where the tender is, for people and for the catalogue."""
    match TenderStatus(tender.status):
        case TenderStatus.ANNOUNCED:
            opened = open_stages(schedule, now)
            if opened:
                return opened[-1].value
            if now >= schedule[Stage.BID_SUBMISSION].ends_at:
                return Stage.BID_OPENING.value
            started = [s for s in schedule if schedule[s].starts_at <= now]
            return max(started, key=lambda s: schedule[s].starts_at).value if started else "announcement"
        case TenderStatus.OPENED:
            return Stage.EVALUATION.value
        case TenderStatus.AWARDED:
            return Stage.CONTRACT_SIGNING.value if tender.is_direct else Stage.AWARD_ANNOUNCEMENT.value
        case TenderStatus.AWARD_ANNOUNCED:
            objection = schedule.get(Stage.OBJECTION_PERIOD)
            if objection is not None and now < objection.ends_at:
                return Stage.OBJECTION_PERIOD.value
            return Stage.AWARD_LETTER.value
        case TenderStatus.AWARD_LETTER:
            return Stage.CONTRACT_SIGNING.value
        case other:
            return other.value  # draft, contracted, failed, cancelled
