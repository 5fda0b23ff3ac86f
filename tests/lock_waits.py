"""Waiting in a test until other transactions wait on a lock: by asking PostgreSQL, not by sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def until_waiting_on_locks(
    engine: AsyncEngine, count: int = 1, *, unless: Sequence[asyncio.Task[object]] = ()
) -> None:
    """Return once ``count`` sessions of this database wait on a lock, or one of ``unless`` ended
    (each look a query, in a transaction of its own since ``pg_stat_activity`` is read once a
    transaction: the test waits for the others to reach their locks, not for time to pass)."""
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        for _ in range(20_000):
            if (await connection.scalar(_WAITING)) >= count or any(t.done() for t in unless):
                return
    raise AssertionError(f"{count} session(s) never came to wait on a lock")
