"""What stalls the change feed, and how an operator sees it (issue 17).

The feed serves a change once every older transaction has ended, and "every" means on the whole
PostgreSQL server: transaction ids come from one counter for all its databases, and a snapshot
lists the running transactions of all of them. So a transaction left open in *another* database
holds this hub's feed back. Nothing is lost (the change is served once that transaction ends), but
followers see nothing new meanwhile; ``lpsehub_feed_lag_seconds``, the age of the oldest committed
change not served yet, shows the stall and grows while it lasts.

A cursor at such a held-back change, or at the head, is one the feed may give out: it is answered
(with nothing yet), never refused as a cursor beyond the head.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.feed import FeedPage, encode_cursor, read_feed
from hub.core.database import hub_sessions
from hub.core.settings import Settings
from monitoring.scrape import read_snapshot, render
from tests.conftest import _asyncpg_dsn
from tests.feed_horizon import until_the_feed_has_passed

pytestmark = pytest.mark.horizon  # it reads the change feed

INSERT = text(
    "INSERT INTO hub.changes (ocid, tags, release) VALUES (:o, ARRAY['tender'], '{}'::jsonb) "
    "RETURNING xid::text, position"
)


@asynccontextmanager
async def open_transaction_in_another_database(settings: Settings) -> AsyncIterator[None]:
    """A transaction in the server's ``postgres`` database that has taken a transaction id (as any
    that writes does) and stays open until the block ends: a forgotten session of another program."""
    assert settings.database_url is not None
    other = await asyncpg.connect(_asyncpg_dsn(settings.database_url, "postgres"))
    try:
        assert await other.fetchval("SELECT current_database()") == "postgres"
        async with other.transaction():
            await other.fetchval("SELECT pg_current_xact_id()")
            yield
    finally:
        await other.close()


@dataclass(frozen=True)
class Scrape:
    lag: float
    written: float
    served: float


async def scrape(engine: AsyncEngine) -> Scrape:
    """The feed's three gauges, as one scrape of ``/metrics`` renders them."""
    async with hub_sessions(engine)() as session:
        exposition = render(await read_snapshot(session), embedded=False).decode()
    values = {s.name: s.value for f in text_string_to_metric_families(exposition) for s in f.samples}
    return Scrape(
        lag=values["lpsehub_feed_lag_seconds"],
        written=values["lpsehub_feed_position"],
        served=values["lpsehub_feed_served_position"],
    )


async def read(engine: AsyncEngine, after: str | None) -> FeedPage:
    async with hub_sessions(engine)() as session:
        return await read_feed(session, after, 100)


async def test_an_open_transaction_in_another_database_stalls_the_feed_and_the_lag_shows_it(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    engine = clean_identity
    await until_the_feed_has_passed(engine)
    start = (await read(engine, None)).next_cursor
    assert (await scrape(engine)).lag == 0.0

    async with open_transaction_in_another_database(settings):
        async with engine.begin() as connection:
            await connection.execute(INSERT, {"o": "9999-held"})  # committed, here, after it began
        held = await read(engine, start)
        first = await scrape(engine)
        second = await scrape(engine)

    assert held.entries == []  # committed, yet not served while the other database's transaction runs
    assert first.served < first.written
    assert 0.0 < first.lag < second.lag  # it grows while the stall lasts

    await until_the_feed_has_passed(engine)  # the transaction has ended (and any other run's older one)
    assert [e.ocid for e in (await read(engine, start)).releases] == ["9999-held"]  # nothing was lost
    caught_up = await scrape(engine)
    assert (caught_up.lag, caught_up.served) == (0.0, caught_up.written)


async def test_a_cursor_at_a_change_held_back_or_at_the_head_is_answered_not_refused(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    engine = clean_identity
    async with open_transaction_in_another_database(settings):
        async with engine.begin() as connection:
            xid, position = (await connection.execute(INSERT, {"o": "9999-held"})).one()
            next_xid = await connection.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text"))
        at_the_change = encode_cursor(int(xid), position)
        at_the_head = encode_cursor(int(str(next_xid)) - 1, position)  # the newest xid and position given
        for cursor in (at_the_change, at_the_head):
            page = await read(engine, cursor)
            assert (page.entries, page.next_cursor) == ([], cursor)

    await until_the_feed_has_passed(engine)
    assert [e.ocid for e in (await read(engine, None)).releases] == ["9999-held"]
    assert (await read(engine, at_the_change)).entries == []  # it was after that change
