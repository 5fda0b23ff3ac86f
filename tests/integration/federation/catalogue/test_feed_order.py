"""The change feed never skips a committed change, under real concurrent writers committing out of order.

First the case itself, step by step: a change that takes its position first and commits last is
missed by a reader that trusts the plain position (``position > last seen``), never by the feed.
Then a load: forty writers each open a transaction, append a change (taking the next position),
wait a random while and commit (every fifth rolls back), while a follower polls the feed with its
cursor; once the writers are done and the feed has passed them, it must have received every
committed change exactly once, and no rolled-back one. The random waits only shuffle the order in
which the writers commit; nothing asserted depends on which order they happened to take.

The feed serves a change once every older transaction of the whole server has ended, so the
followers read to the end once ``until_the_feed_has_passed`` the writers: another run's transaction
on the same server may hold the feed back for a while.
"""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.feed import read_feed
from hub.core.database import hub_sessions
from tests.feed_horizon import until_the_feed_has_passed

pytestmark = pytest.mark.horizon  # it reads the change feed

WRITERS = 40


INSERT = text("INSERT INTO hub.changes (ocid, tags, release) VALUES (:o, ARRAY['tender'], '{}'::jsonb)")


async def _writer(engine: AsyncEngine, n: int, committed: set[str], rng: random.Random) -> None:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(text("SELECT pg_current_xact_id()"))  # the writer's xid, taken early
        await asyncio.sleep(rng.uniform(0, 0.05))
        await connection.execute(INSERT, {"o": f"9999-{n}"})
        await asyncio.sleep(rng.uniform(0, 0.2))
        if n % 5 == 4:
            await transaction.rollback()
        else:
            await transaction.commit()
            committed.add(f"9999-{n}")


async def _naive_read(engine: AsyncEngine, after: int) -> list[tuple[int, str]]:
    async with engine.connect() as connection:
        query = text("SELECT position, ocid FROM hub.changes WHERE position > :p ORDER BY position")
        return [(r.position, r.ocid) for r in await connection.execute(query, {"p": after})]


async def _follow_to_the_end(engine: AsyncEngine, cursor: str | None) -> list[str]:
    """The feed from ``cursor`` on, to the end of what was committed before the call."""
    await until_the_feed_has_passed(engine)
    received: list[str] = []
    while True:
        async with hub_sessions(engine)() as session:
            page = await read_feed(session, cursor, 100)
        received += [e.ocid for e in page.entries]
        cursor = page.next_cursor
        if not page.entries:
            return received


async def test_a_change_that_commits_after_a_later_one_is_missed_by_position_but_not_by_the_feed(
    clean_identity: AsyncEngine,
) -> None:
    engine = clean_identity
    async with engine.connect() as first, engine.connect() as second:
        await first.begin()
        await first.execute(INSERT, {"o": "9999-first"})  # takes the lower position...
        await second.begin()
        await second.execute(INSERT, {"o": "9999-second"})
        await second.commit()  # ...and commits after this one
        async with hub_sessions(engine)() as session:
            early = await read_feed(session, None, 100)
        seen = await _naive_read(engine, 0)
        await first.commit()

    assert early.entries == []  # the feed holds the second back while the first still runs
    assert [o for _, o in seen] == ["9999-second"]
    assert await _naive_read(engine, seen[-1][0]) == []  # the first's change is behind: missed
    assert await _follow_to_the_end(engine, early.next_cursor) == [
        "9999-first",
        "9999-second",
    ]


async def test_a_follower_gets_every_committed_change_exactly_once(clean_identity: AsyncEngine) -> None:
    engine, rng = clean_identity, random.Random(7)
    committed: set[str] = set()
    received: list[str] = []

    async def follow() -> str | None:
        """The feed, polled while the writers run (a pause between polls, so as not to spin)."""
        cursor: str | None = None
        while not writers.done():
            async with hub_sessions(engine)() as session:
                page = await read_feed(session, cursor, 7)
            received.extend(e.ocid for e in page.entries)
            cursor = page.next_cursor
            await asyncio.sleep(0.005)
        return cursor

    writers = asyncio.gather(*(_writer(engine, n, committed, rng) for n in range(WRITERS)))
    cursor = await follow()
    await writers
    received += await _follow_to_the_end(engine, cursor)
    assert len(received) == len(set(received))  # exactly once
    assert set(received) == committed  # every committed change, nothing rolled back
    assert len(committed) == WRITERS - WRITERS // 5


async def test_the_feed_orders_transactions_by_number_across_a_power_of_ten(
    clean_identity: AsyncEngine,
) -> None:
    # Two finished transactions, xids 9 and 10: as text "10" sorts before "9", and a cursor moved
    # past 10 would never return to 9. The feed must give 9, then 10.
    async with clean_identity.begin() as connection:
        for xid in (10, 9):
            await connection.execute(
                text(
                    "INSERT INTO hub.changes (xid, ocid, tags, release) "
                    "VALUES (CAST(:x AS text)::xid8, :o, ARRAY['tender'], '{}'::jsonb)"
                ),
                {"x": str(xid), "o": f"9999-{xid}"},
            )
    received: list[str] = []
    cursor: str | None = None
    for _ in range(3):
        async with hub_sessions(clean_identity)() as session:
            page = await read_feed(session, cursor, 1)
        received += [e.ocid for e in page.entries]
        cursor = page.next_cursor
    assert received == ["9999-9", "9999-10"]
