"""Two hubs: one (a province) publishes its feed over HTTP, the other (a neighbour) follows it.

The leader is a real hub process on this run's database; the follower is a hub on a database of
its own. The follower's sync is cut short twice, once inside a page (its transaction rolls back)
and once by SIGKILL of the CLI process, and resumed: it ends with exactly the leader's entries,
each once, and the leader's tenders in its catalogue marked with their origin.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.peers import add_peer, http_fetch, sync_peer
from hub.core.database import hub_sessions
from hub.core.settings import Settings
from tests.e2e.procurement import Client, Desk, ok, person, regency, vendor
from tests.feed_horizon import until_the_feed_has_passed
from tests.live_server import live_hub

pytestmark = pytest.mark.horizon  # the follower reads the leader's change feed


async def _leader_tenders(client: Client, engine: AsyncEngine) -> None:
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bidders = [await vendor(client, engine, n, "3507", verifier, "kab-malang") for n in ("anggrek", "bakung")]
    for n in range(12):
        desk = Desk(client, engine, malang)
        await desk.announce(f"Pemeliharaan Saluran Irigasi Blok {n}", owner_estimate=500_000_000 + n)
        if n < 2:
            await desk.bids({bidders[0]: 480_000_000, bidders[1]: 490_000_000})
            await desk.open()
        if n == 0:
            await desk.pass_all(*bidders)
            first = {"vendor_id": bidders[0].vendor_id}
            ok(await desk.post("qualification-verifications", malang.pokja, {**first, "passed": True}))
            ok(await desk.post("award", malang.pokja, first))
            ok(await desk.post("award-announcement", malang.pokja))


KILL_AT_THE_SIXTH = (
    """CREATE FUNCTION hub.kill_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT count(*) FROM hub.changes) > 5 THEN
            PERFORM pg_terminate_backend(pg_backend_pid());
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER kill_sync AFTER INSERT ON hub.changes FOR EACH ROW EXECUTE FUNCTION hub.kill_sync()",
)
"""A follower's sixth entry kills the follower's connection inside its page's transaction: what the
database sees when the CLI is killed there (the page's transaction rolls back), at a point the test
chooses and without racing a running process."""


async def _count(engine: AsyncEngine, sql: str) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql))).all()


async def test_a_follower_killed_mid_sync_resumes_without_dropping_or_repeating(
    client: Client,
    clean_identity: AsyncEngine,
    settings: Settings,
    follower: tuple[AsyncEngine, str],
    tmp_path: Path,
) -> None:
    await _leader_tenders(client, clean_identity)
    await until_the_feed_has_passed(clean_identity)  # the leader serves every change from the start
    leader_changes = await _count(clean_identity, "SELECT ocid, tags FROM hub.changes ORDER BY position")
    # twelve announced; two moved to the submission, to the opening (published), and opened; one award
    assert len(leader_changes) == 12 + 2 * 3 + 1
    follower_engine, follower_url = follower
    assert settings.database_url is not None
    with live_hub(settings.database_url, tmp_path / "leader") as leader:
        async with hub_sessions(follower_engine)() as session, session.begin():
            await add_peer(session, "jatim", leader.url)

        # 1. Cut short inside a page: the page's transaction rolls back, the cursor stays.
        async def broken(url: str, after: str | None, limit: int) -> Mapping[str, Any]:
            page = dict(await http_fetch(url, after, limit))
            return {**page, "entries": [*page["entries"], {"ocid": "broken"}]}  # no release: fails mid-page

        await sync_peer(follower_engine, "jatim", limit=2, max_pages=1)
        with pytest.raises(KeyError):
            await sync_peer(follower_engine, "jatim", fetch=broken, limit=2)
        assert len(await _count(follower_engine, "SELECT 1 FROM hub.changes")) == 2  # the first page only

        # 2. Killed: the CLI, one entry a page, loses its connection in its sixth entry's page.
        async with follower_engine.begin() as connection:
            for statement in KILL_AT_THE_SIXTH:
                await connection.execute(text(statement))
        env = {**os.environ, "LPSE_HUB_DATABASE_URL": follower_url, "DATABASE_URL": follower_url}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from cli.main import run; run()",
            "peer",
            "sync",
            "jatim",
            "--limit",
            "1",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert await process.wait() != 0  # it stopped at the sixth entry, not at the end
        killed_at = len(await _count(follower_engine, "SELECT 1 FROM hub.changes"))
        async with follower_engine.begin() as connection:
            await connection.execute(text("DROP FUNCTION hub.kill_sync() CASCADE"))
        assert killed_at == 5, "five entries committed, the sixth's page killed"

        # 3. Resumed to the end.
        await sync_peer(follower_engine, "jatim", limit=3)
        again = await sync_peer(follower_engine, "jatim")
        assert again.entries == 0  # nothing new: nothing repeated
    followed = await _count(
        follower_engine, "SELECT ocid, tags FROM hub.changes WHERE origin = 'jatim' ORDER BY position"
    )
    assert [(o.removeprefix("ocds-lpsehub-"), t) for o, t in followed] == [tuple(r) for r in leader_changes]
    rows = await _count(
        follower_engine, "SELECT ocid, origin, status, bidders, winner FROM hub.catalogue ORDER BY ocid"
    )
    assert len(rows) == 12
    assert {r.origin for r in rows} == {"jatim"}
    assert sorted(r.status for r in rows) == ["announced"] * 10 + ["award_announced", "opened"]
    assert [r.winner for r in rows if r.status == "award_announced"] == ["CV Anggrek"]
