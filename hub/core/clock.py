"""Time, as the hub judges it: the database's clock for deadlines, UTC for records.

Every deadline (a bid's close, an objection period, a schedule's stage) is judged by the database
clock, so every replica agrees; ``utcnow`` is for records that need no agreement (a key's creation).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


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
    session.info["database_now"] = (session.sync_session.get_transaction(), now)
    return now
