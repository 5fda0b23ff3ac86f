"""A contract's milestones: what is due by when (a delivery, a handover), and the day it was met.

A milestone is met once: its ``met_on`` is the one column of the implementation that the serving
role may set after the row is written (``hub.core.migrations.privileges``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Acting
from hub.core.errors import Conflict, InvalidInput, NotFound
from tenants.tenders.implementation._contract import (
    appended,
    monitored,
    published,
    recorder,
    text,
)
from tenants.tenders.implementation_models import ContractMilestone


@dataclass(frozen=True, slots=True)
class MilestoneInput:
    title: str
    due_on: date
    note: str = ""


async def add_milestone(
    session: AsyncSession, acting: Acting, tender_id: int, data: MilestoneInput
) -> ContractMilestone:
    """Add a milestone to the tender's contract, due on a day from its signing on; audited, published."""
    m = await monitored(session, acting, tender_id)
    title = " ".join(data.title.split())
    if not 3 <= len(title) <= 300:
        raise InvalidInput("title needs 3 to 300 characters", field="title")
    if data.due_on < m.contract.signed_on:
        raise InvalidInput("a milestone cannot be due before the contract is signed", field="due_on")
    row = ContractMilestone(
        tender_id=tender_id,
        title=title,
        due_on=data.due_on,
        note=text(data.note, "note"),
        recorded_at=m.now,
        **recorder(acting),
    )
    await appended(
        session,
        acting,
        m,
        row,
        "contract.milestone_added",
        "milestone_id",
        title=title,
        due_on=data.due_on.isoformat(),
    )
    return row


async def meet_milestone(
    session: AsyncSession, acting: Acting, tender_id: int, milestone_id: int, met_on: date
) -> ContractMilestone:
    """Mark the contract's milestone met on ``met_on`` (from the signing to today); once only."""
    m = await monitored(session, acting, tender_id)
    milestone = next((x for x in m.rows.milestones if x.id == milestone_id), None)
    if milestone is None:
        raise NotFound(f"the contract of tender {tender_id} has no milestone {milestone_id}")
    if milestone.met_on is not None:
        raise Conflict(f"milestone {milestone_id} was met already on {milestone.met_on.isoformat()}")
    milestone.met_on = m.day(met_on, "met_on")
    await session.flush()
    await acting.record(
        session,
        "contract.milestone_met",
        m.subject,
        milestone_id=milestone_id,
        met_on=milestone.met_on.isoformat(),
    )
    await published(session, acting, m, "implementationUpdate")
    return milestone
