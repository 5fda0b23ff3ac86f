"""Time, as the hub judges it: the database's clock for deadlines, UTC for records, and a
process's own clock for intervals.

Every deadline (a bid's close, an objection period, a schedule's stage) is judged by the database
clock, so every replica agrees; ``utcnow`` is for records that need no agreement (a key's creation).
What a process times for itself alone (a cache's age, when to reload the signing keys, when the
next probe round is due) asks a ``Clock``: ``SYSTEM_CLOCK`` in the hub, one a test moves by hand
(tests/manual_clock.py) so that a test drives time instead of waiting for it to pass.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


class Clock(Protocol):
    """A process's clock for intervals: seconds that only ever go forward, and a wait for them."""

    def monotonic(self) -> float:
        """Seconds since an arbitrary start, never going back (``time.monotonic``)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return once ``seconds`` have passed on this clock (``asyncio.sleep``)."""
        ...


class SystemClock:
    """The clock of the machine: ``time.monotonic`` and ``asyncio.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()


def utcnow() -> datetime:
    return datetime.now(UTC)


async def database_now(session: AsyncSession) -> datetime:
    """The transaction's time on the database clock: what every deadline is judged by.

    PostgreSQL's ``now()`` is fixed for a transaction, so it is asked once per transaction.
    """
    transaction = session.sync_session.get_transaction()
    cached = session.info.get("database_now")
    if transaction is not None and cached is not None and cached[0] is transaction:
        return cached[1]  # type: ignore[no-any-return]
    now = await session.scalar(select(func.now()))
    assert isinstance(now, datetime)
    remember_database_now(session, now)
    return now


def remember_database_now(session: AsyncSession, now: datetime) -> None:
    """Keep ``now()``, read by the caller's own statement in this transaction, for ``database_now``:
    a hot path asks for the clock alongside what it reads anyway, one round trip fewer."""
    session.info["database_now"] = (session.sync_session.get_transaction(), now)
