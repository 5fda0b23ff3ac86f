"""What the committee's tender pages (``/kantor/{slug}/tender``) read and how their forms become the
services' input: the tenant's tenders with the stage each is at and its next deadline, the packages
that may be put to tender, a default schedule, and the schedule editor's fields.

The schedule editor takes ``datetime-local`` values (no zone): they are the tenant's wall-clock
time (WIB, WITA or WIT) and become aware datetimes here. Whether a schedule is acceptable is not
decided here: ``create_tender`` and ``reschedule_stage`` check it as the API's routes have them do,
and their refusal names the stage (``schedule.<stage>``), which the page shows next to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.errors import InvalidInput
from hub.web.edge import within_calendar
from tenants.agencies.models import Agency
from tenants.tenders.models import Package, Tender
from tenants.tenders.progress import current_stage
from tenants.tenders.schedules import load_schedules
from tenants.tenders.stages import ORDER, Stage, Window
from tenants.vocabulary import CLOSED, Method, TenderStatus

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
"""What a ``datetime-local`` input shows and sends (minutes: the schedule needs no seconds)."""

PROPOSED: tuple[tuple[Stage, timedelta, timedelta], ...] = (
    (Stage.ANNOUNCEMENT, timedelta(0), timedelta(days=7)),
    (Stage.DOCUMENT_DOWNLOAD, timedelta(0), timedelta(days=7)),
    (Stage.CLARIFICATION, timedelta(days=1), timedelta(days=3)),
    (Stage.BID_SUBMISSION, timedelta(days=2), timedelta(days=7)),
    (Stage.BID_OPENING, timedelta(days=7, hours=1), timedelta(days=8)),
)
"""The default schedule, from the next full hour: a week's announcement and bidding, a clarification
meeting in it, the opening an hour after bids close. The tenant's procurement rules set no minimum
periods (only the objection period's limits), so these are the proposal, which the committee edits."""


LATER_STAGES = [s.value for s in ORDER[ORDER.index(Stage.BID_OPENING) + 1 :]]
"""The stages after the opening, which a schedule may leave out: the editor folds them away."""


def later_stages_used(schedule: Mapping[str, Mapping[str, str]], errors: Mapping[str, str]) -> bool:
    """Whether the editor shows the later stages unfolded: one of them is filled in or refused."""
    return any(
        any(schedule.get(stage, {}).values()) or f"schedule.{stage}" in errors for stage in LATER_STAGES
    )


@dataclass(frozen=True, slots=True)
class TenderLine:
    """A tender as the committee's list shows it."""

    id: int
    title: str
    agency: str
    status: str
    stage: str
    next_deadline: datetime | None
    """The end of the next window still running or to come; ``None`` when none is."""


async def committee_tenders(session: AsyncSession, now: datetime, limit: int = 200) -> list[TenderLine]:
    """The tenant's tenders (``session`` is the tenant's): drafts first, then running ones, then
    closed ones, newest first within each."""
    query = (
        select(Tender, Package.title, Agency.name)
        .join(Package, Package.id == Tender.package_id)
        .join(Agency, Agency.id == Package.agency_id)
        .order_by(
            Tender.status != TenderStatus.DRAFT.value,
            Tender.status.in_([s.value for s in CLOSED]),
            Tender.id.desc(),
        )
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    schedules = await load_schedules(session, [t.id for t, _, _ in rows])
    lines = []
    for tender, title, agency in rows:
        schedule = schedules.get(tender.id, {})
        ends = [w.ends_at for w in schedule.values() if w.ends_at > now]
        stage = current_stage(tender, schedule, now) if schedule else tender.status
        closed = tender.status in {s.value for s in CLOSED}
        lines.append(
            TenderLine(
                tender.id, title, agency, tender.status, stage, None if closed or not ends else min(ends)
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class PackageChoice:
    id: int
    title: str
    agency: str
    owner_estimate: int


async def packages_to_tender(session: AsyncSession) -> list[PackageChoice]:
    """Packages with no live tender that a committee runs (not direct procurement), newest first."""
    live = select(Tender.package_id).where(
        Tender.status.not_in([TenderStatus.FAILED.value, TenderStatus.CANCELLED.value])
    )
    query = (
        select(Package.id, Package.title, Agency.name, Package.owner_estimate)
        .join(Agency, Agency.id == Package.agency_id)
        .where(Package.method != Method.DIRECT_PROCUREMENT.value, Package.id.not_in(live))
        .order_by(Package.id.desc())
        .limit(500)
    )
    return [PackageChoice(*row) for row in (await session.execute(query)).all()]


def proposed_schedule(now: datetime, timezone: str) -> dict[str, dict[str, str]]:
    """The default schedule's fields, from the next full hour in the tenant's zone."""
    local = now.astimezone(ZoneInfo(timezone))
    base = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        stage.value: {"starts_at": _shown(base + start), "ends_at": _shown(base + end)}
        for stage, start, end in PROPOSED
    }


def shown_schedule(schedule: Mapping[Stage, Window], timezone: str) -> dict[str, dict[str, str]]:
    """A saved schedule as the editor's fields."""
    zone = ZoneInfo(timezone)
    return {
        stage.value: {
            "starts_at": _shown(window.starts_at.astimezone(zone)),
            "ends_at": _shown(window.ends_at.astimezone(zone)),
        }
        for stage, window in schedule.items()
    }


def _shown(moment: datetime) -> str:
    return moment.strftime(LOCAL_FORMAT)


def schedule_fields(form: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The editor's fields as sent (``<stage>.starts_at``, ``<stage>.ends_at``), trimmed."""
    return {
        stage.value: {
            "starts_at": form.get(f"{stage.value}.starts_at", "").strip(),
            "ends_at": form.get(f"{stage.value}.ends_at", "").strip(),
        }
        for stage in ORDER
    }


def local_moment(text: str, timezone: str, field: str) -> datetime:
    """A ``datetime-local`` value read as the tenant's wall-clock time; ``InvalidInput`` naming
    ``field`` when it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date and time", field=field) from None
    if moment.tzinfo is not None:
        raise InvalidInput(f"{text!r}: give the time in the LPSE's own zone, without offset", field=field)
    aware = moment.replace(tzinfo=ZoneInfo(timezone))
    try:
        within_calendar(aware, field)
    except ValueError as outside:
        raise InvalidInput(str(outside), field=field) from None
    return aware


def schedule_input(
    fields: Mapping[str, Mapping[str, str]], timezone: str
) -> dict[str, tuple[datetime, datetime]]:
    """The stages filled in, as ``create_tender`` takes them. A stage left empty is not in the
    schedule (the service says which ones it needs); one with a single time is refused here."""
    schedule: dict[str, tuple[datetime, datetime]] = {}
    for stage, times in fields.items():
        starts, ends = times.get("starts_at", ""), times.get("ends_at", "")
        if not starts and not ends:
            continue
        if not starts or not ends:
            raise InvalidInput(f"{stage}: give both its start and its end", field=f"schedule.{stage}")
        where = f"schedule.{stage}"
        schedule[stage] = (local_moment(starts, timezone, where), local_moment(ends, timezone, where))
    return schedule


def criteria_input(form: Mapping[str, str]) -> dict[str, Any] | None:
    """A scored evaluation's criteria as the API takes them: one technical criterion a line,
    ``name: weight``; the technical and price weights and the passing score as numbers. ``None``
    when the form has no criteria (lowest price: the service says whether they are needed)."""
    lines = [line.strip() for line in form.get("criteria", "").splitlines() if line.strip()]
    if not lines:
        return None
    technical = []
    for line in lines:
        name, _, weight = line.rpartition(":")
        technical.append({"name": name.strip(), "weight": _number(weight, "criteria")})
    return {
        "technical": technical,
        "technical_weight": _number(form.get("technical_weight", ""), "technical_weight"),
        "price_weight": _number(form.get("price_weight", ""), "price_weight"),
        "passing_score": _number(form.get("passing_score", ""), "passing_score"),
    }


def _number(text: str, field: str) -> int:
    text = text.strip()
    if not text.isdigit() or len(text) > 6:
        raise InvalidInput(f"{text!r} is not a whole number", field=field)
    return int(text)
