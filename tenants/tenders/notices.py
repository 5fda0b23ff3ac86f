"""Notices to registered vendors (pemberitahuan): their tenders' bid-submission deadlines that moved.

A deadline an outage extended (``tender.deadline_extended``, ``tenants.tenders.outages``) is
"notified to registered vendors", and so is a committee's reschedule of bid submission
(``tender.rescheduled``). The notice is not a table of its own: it is read from the tenant's audit
chain, the entries that moved the deadline, so no notice shows without the entry that made it
(and an entry edited afterwards breaks the chain's hashes). There is no e-mail: the vendor's
workspace shows them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.audit.models import AuditEntry
from tenants.tenders.models import Package, Registration, Tender
from tenants.tenders.reschedules import EXTENDED, RESCHEDULED
from tenants.tenders.stages import Stage

NOTICE_DAYS = 30
"""How far back a vendor's notices reach: a deadline moved longer ago is history of its tender."""


@dataclass(frozen=True, slots=True)
class DeadlineNotice:
    """One move of a tender's bid-submission deadline, as a registered vendor is told of it."""

    seq: int
    """The audit entry's place in the tenant's chain: the notice's identity and its order."""
    tender_id: int
    title: str
    """The tender's package title (nama paket)."""
    recorded_at: datetime
    automatic: bool
    """Extended by itself after an outage (``True``) or rescheduled by the committee (``False``)."""
    old_end: datetime | None
    """The deadline before; ``None`` for a reschedule that gave the tender its first submission stage."""
    new_end: datetime
    reason: str


def _end(window: Any) -> datetime | None:
    """The end of an entry's ``[start, end]`` (ISO 8601), ``None`` if it has none."""
    if not isinstance(window, list) or len(window) != 2:
        return None
    return datetime.fromisoformat(window[1])


def _notice(row: Any) -> DeadlineNotice | None:
    payload: dict[str, Any] = row.payload
    new_end = _end(payload.get("new"))
    if new_end is None:  # not an entry this reader knows how to tell
        return None
    return DeadlineNotice(
        row.seq,
        row.tender_id,
        row.title,
        row.at,
        row.action == EXTENDED,
        _end(payload.get("old")),
        new_end,
        str(payload.get("reason", "")),
    )


async def deadline_notices(
    session: AsyncSession, vendor_id: int, *, tender_ids: Collection[int] | None = None
) -> list[DeadlineNotice]:
    """The moves of bid-submission deadlines in the last ``NOTICE_DAYS`` of the tenders this vendor
    is registered for (of ``tender_ids`` alone, if given), newest first: one query, whatever the
    number of tenders. A session of the tenant's schema."""
    subject = "tender:" + cast(Registration.tender_id, String)
    query = (
        select(
            AuditEntry.seq,
            AuditEntry.at,
            AuditEntry.action,
            AuditEntry.payload,
            Registration.tender_id,
            Package.title,
        )
        .join(Registration, AuditEntry.subject == subject)
        .join(Tender, Tender.id == Registration.tender_id)
        .join(Package, Package.id == Tender.package_id)
        .where(
            Registration.vendor_id == vendor_id,
            AuditEntry.at >= func.now() - timedelta(days=NOTICE_DAYS),  # the database clock
            or_(
                AuditEntry.action == EXTENDED,
                (AuditEntry.action == RESCHEDULED)
                & (AuditEntry.payload["stage"].astext == Stage.BID_SUBMISSION.value),
            ),
        )
        .order_by(AuditEntry.seq.desc())
    )
    if tender_ids is not None:
        query = query.where(Registration.tender_id.in_(list(tender_ids)))
    rows = (await session.execute(query)).all()
    return [notice for row in rows if (notice := _notice(row)) is not None]
