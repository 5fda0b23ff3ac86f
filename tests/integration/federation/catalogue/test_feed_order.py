"""The change feed never skips a committed change, under real concurrent writers committing out of order.

First the case itself, step by step: a change that takes its position first and commits last is
missed by a reader that trusts the plain position (``position > last seen``), never by the feed.
Then a load: forty writers each open a transaction, append a change (taking the next position),
wait a random while and commit (every fifth rolls back), while a follower polls the feed with its
cursor; once the writers are done and the feed has passed them, it must have received every
committed change exactly once, and no rolled-back one. The random waits only shuffle the order in
which the writers commit; nothing asserted depends on which order they happened to take. Last, a
signed audit checkpoint is an entry of the same feed and keeps the same promise, even when an
insider rewrites one in place or slips one behind the followers' cursors.

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

from federation.catalogue.feed import CHECKPOINT, RELEASE, CheckpointEntry, FeedEntry, read_feed
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.audit import checkpoint_chain
from tenants.registry import Tenant
from tests.conftest import make_tenant
from tests.feed_horizon import until_the_feed_has_passed
from tests.integration.tenants.audit.conftest import record

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


def _name(entry: FeedEntry) -> str:
    if isinstance(entry, CheckpointEntry):
        checkpoint = entry.checkpoint
        return f"checkpoint {checkpoint.tenant_code}:{checkpoint.seq}:{checkpoint.head_hash[:4]}"
    return entry.ocid


async def _follow_to_the_end(engine: AsyncEngine, cursor: str | None, kind: str | None = None) -> list[str]:
    """The feed from ``cursor`` on, to the end of what was committed before the call."""
    await until_the_feed_has_passed(engine)
    received: list[str] = []
    while True:
        async with hub_sessions(engine)() as session:
            page = await read_feed(session, cursor, 100, kind)
        received += [_name(e) for e in page.entries]
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
            received.extend(_name(e) for e in page.entries)
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
        received += [_name(e) for e in page.entries]
        cursor = page.next_cursor
    assert received == ["9999-9", "9999-10"]


async def _checkpoint(engine: AsyncEngine, tenant: Tenant, master: MasterKey) -> None:
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        await checkpoint_chain(session, tenant.code, master)


async def test_a_checkpoint_is_an_entry_of_the_feed_held_back_and_ordered_as_a_change_is(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    engine, master = clean_identity, MasterKey.of(settings)
    malang = await make_tenant(engine, "kab-malang", "3507")
    last = (await record(engine, malang, 2))[-1]
    head = f"checkpoint 3507:{last.seq}:{last.hash[:4]}"
    async with tenant_session(engine, malang.schema) as session:
        await session.begin()
        await checkpoint_chain(session, malang.code, master)  # takes its xid and position first...
        async with engine.begin() as connection:
            await connection.execute(INSERT, {"o": "9999-after"})  # ...and commits after this change
        async with hub_sessions(engine)() as reader:
            early = await read_feed(reader, None, 100)
        await session.commit()

    assert early.entries == []  # the change waits for the checkpoint's transaction, as for any change
    assert await _follow_to_the_end(engine, None) == [head, "9999-after"]
    assert await _follow_to_the_end(engine, None, RELEASE) == ["9999-after"]
    assert await _follow_to_the_end(engine, None, CHECKPOINT) == [head]
    async with hub_sessions(engine)() as session:
        with pytest.raises(InvalidInput):
            await read_feed(session, None, 100, "tender")


async def test_a_checkpoint_rewritten_in_place_or_slipped_behind_the_cursors_is_served_again(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    engine = clean_identity
    malang = await make_tenant(engine, "kab-malang", "3507")
    last = (await record(engine, malang, 2))[-1]
    head = f"checkpoint 3507:{last.seq}:{last.hash[:4]}"
    await _checkpoint(engine, malang, MasterKey.of(settings))
    await until_the_feed_has_passed(engine)
    async with hub_sessions(engine)() as session:
        seen = await read_feed(session, None, 100)
    assert [_name(e) for e in seen.entries] == [head]

    async with engine.begin() as insider:  # an insider with write access, not through the hub
        await insider.execute(text("UPDATE hub.audit_checkpoints SET head_hash = repeat('e', 64)"))
        await insider.execute(
            text(
                "INSERT INTO hub.audit_checkpoints (tenant_code, seq, head_hash, at, kid, signature, "
                "position, xid) VALUES ('3507', 1, repeat('d', 64), now(), 'k', 's', 1, '3'::xid8)"
            )
        )
    assert await _follow_to_the_end(engine, seen.next_cursor) == [
        f"checkpoint 3507:{last.seq}:eeee",
        "checkpoint 3507:1:dddd",
    ]
