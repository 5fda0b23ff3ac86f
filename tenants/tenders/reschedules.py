"""Whether a tender was ever rescheduled, as its step's read of it found (issue 20).

A public change's release lists the tender's schedule changes after its announcement, read from the
audit chain (``tenants.tenders.publication.publish``): a read in every publishing step, though
most tenders are never rescheduled. The step's read of its tender (``tenants.tenders.step_read``)
asks whether the chain has any ``tender.rescheduled`` or ``tender.deadline_extended`` entry of the
tender, and the publication reads the chain only if it has. What was found is kept until the
transaction ends; a reschedule or an extension forgets it (``forget_reschedules``) before it
publishes, so its own entry is read.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from tenants.tenders.transaction_memo import forget_at_transaction_end

RESCHEDULED = "tender.rescheduled"
EXTENDED = "tender.deadline_extended"
"""A bid-submission deadline moved by itself after an outage (``tenants.tenders.outages``): its entry
carries ``stage``, ``reason``, ``old`` and ``new`` as a reschedule's does, so it is published alike."""
SCHEDULE_CHANGES = (RESCHEDULED, EXTENDED)
_KEY = "tenants.tenders.reschedules"


def remember_reschedules(session: AsyncSession, tender_id: int, rescheduled: bool) -> None:
    session.info.setdefault(_KEY, {})[tender_id] = rescheduled


def forget_reschedules(session: AsyncSession, tender_id: int) -> None:
    """Called by whatever appends a ``tender.rescheduled`` entry, before it publishes."""
    session.info.get(_KEY, {}).pop(tender_id, None)


def never_rescheduled(session: AsyncSession, tender_ids: Collection[int]) -> set[int]:
    """Those of the tenders this transaction found with no ``tender.rescheduled`` entry."""
    known: dict[int, bool] = session.info.get(_KEY, {})
    return {i for i in tender_ids if known.get(i) is False}


forget_at_transaction_end(_KEY)
