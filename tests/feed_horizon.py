"""Waiting until the change feed serves what a test has written.

The feed serves a change only once every older transaction on the whole server has ended
(``federation.catalogue.feed``). Other runs on the same server (other helpers' runs, other
pytest-xdist workers) hold such transactions now and then, so a test that reads the feed right
after writing passed or failed by their timing. It waits for them first: it polls the server until
they have ended, which is waiting on other transactions, not for time to pass.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

MARK = text("SELECT pg_current_xact_id()::text")
HORIZON = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")


async def until_the_feed_has_passed(engine: AsyncEngine) -> None:
    """Return once the feed serves every change committed before the call."""
    async with engine.begin() as connection:
        mark = int(await connection.scalar(MARK) or 0)  # a transaction newer than every such change
    while True:
        async with engine.connect() as connection:
            if int(await connection.scalar(HORIZON) or 0) > mark:
                return
        await asyncio.sleep(0.01)  # a pause between polls, not a wait for time
