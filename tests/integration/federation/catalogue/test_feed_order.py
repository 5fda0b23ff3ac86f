"""The change feed never skips a committed change, under real concurrent writers committing out of order.

Forty writers each open a transaction, append a change (taking the next position), wait a random
while and commit (every fifth rolls back). Positions therefore commit out of order. A follower
polls the feed with its cursor the whole time, and once more after the writers are done: it must
have received every committed change exactly once, and no rolled-back one. A reader that trusts
the plain position (``position > last seen``), run beside it, shows why the feed does not.
"""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.feed import read_feed
from hub.core.database import hub_sessions

pytestmark = pytest.mark.horizon  # it reads the change feed

WRITERS = 40


async def _writer(engine: AsyncEngine, n: int, committed: set[str], rng: random.Random) -> None:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(text("SELECT pg_current_xact_id()"))  # the writer's xid, taken early
        await asyncio.sleep(rng.uniform(0, 0.05))
        await connection.execute(
            text("INSERT INTO hub.changes (ocid, tags, release) VALUES (:o, ARRAY['tender'], '{}'::jsonb)"),
            {"o": f"9999-{n}"},
        )
        await asyncio.sleep(rng.uniform(0, 0.2))
        if n % 5 == 4:
            await transaction.rollback()
        else:
            await transaction.commit()
            committed.add(f"9999-{n}")


async def test_a_follower_gets_every_committed_change_exactly_once(clean_identity: AsyncEngine) -> None:
    engine, rng = clean_identity, random.Random(7)
    committed: set[str] = set()
    received: list[str] = []
    naive: list[str] = []
    done = asyncio.Event()

    async def follow() -> None:
        cursor: str | None = None
        last_position = 0
        while True:
            finished = done.is_set()
            async with hub_sessions(engine)() as session:
                page = await read_feed(session, cursor, 7)
                received.extend(e.ocid for e in page.entries)
                cursor = page.next_cursor
                rows = await session.execute(
                    text("SELECT position, ocid FROM hub.changes WHERE position > :p ORDER BY position"),
                    {"p": last_position},
                )
                for position, ocid in rows:
                    naive.append(ocid)
                    last_position = position
            if finished and not page.entries:
                return
            await asyncio.sleep(0.005)

    async def write_all() -> None:
        await asyncio.gather(*(_writer(engine, n, committed, rng) for n in range(WRITERS)))
        done.set()

    await asyncio.gather(follow(), write_all())
    assert len(received) == len(set(received))  # exactly once
    assert set(received) == committed  # every committed change, nothing rolled back
    assert len(committed) == WRITERS - WRITERS // 5
    # The load really committed out of order: a reader trusting positions missed changes (about a
    # third of them in our runs), where the feed missed none.
    assert committed - set(naive), "the writers happened to commit in order: the test proved nothing"


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
