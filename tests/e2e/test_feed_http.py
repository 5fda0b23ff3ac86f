"""The change feed as a follower drives it over HTTP (issue 17).

Each entry carries its own cursor, so a follower that keeps only part of a page resumes right after
the last entry it kept. A cursor the feed cannot have given out (beyond the newest transaction or
position) is a 400 naming ``after``, where it used to be answered with empty pages for ever. An
unchanged page is a ``304`` for ``If-None-Match`` as RFC 9110 reads it: weak comparison, a list of
tags, or ``*``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.feed import decode_cursor, encode_cursor
from tests.e2e.procurement import Client, Desk, Regency, ok, regency
from tests.feed_horizon import until_the_feed_has_passed

pytestmark = pytest.mark.horizon  # every test here reads the change feed

TITLES = ("Rehabilitasi Jalan Desa Tumpang", "Pengadaan Alat Kesehatan", "Pembangunan Jembatan Ngadas")


@pytest.fixture
async def malang(client: Client, clean_identity: AsyncEngine) -> Regency:
    """A regency whose three announced tenders the feed serves."""
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    for title in TITLES:
        await Desk(client, engine, malang).announce(title, owner_estimate=500_000_000)
    await until_the_feed_has_passed(engine)
    return malang


async def feed(client: Client, **params: Any) -> dict[str, Any]:
    return dict(ok(await client.get("/api/feed", params=params), 200))


def titles(page: dict[str, Any]) -> list[str]:
    return [e["release"]["tender"]["title"] for e in page["entries"]]


async def test_each_entry_carries_the_cursor_that_resumes_right_after_it(
    client: Client, malang: Regency
) -> None:
    page = await feed(client)
    assert titles(page) == list(TITLES)
    cursors = [e["cursor"] for e in page["entries"]]
    assert cursors[-1] == page["next"]  # the last entry's cursor is the page's
    for kept, cursor in enumerate(cursors, start=1):  # a follower that kept only the first `kept`
        assert titles(await feed(client, after=cursor)) == list(TITLES[kept:])
    one_by_one, cursor = [], ""
    for _ in TITLES:
        [entry] = (await feed(client, after=cursor, limit=1))["entries"]
        one_by_one.append(cursor := entry["cursor"])
    assert one_by_one == cursors  # the same cursors whatever the page size


async def test_a_cursor_beyond_the_head_is_refused_naming_after(
    client: Client, malang: Regency, clean_identity: AsyncEngine
) -> None:
    head = (await feed(client))["next"]
    at_the_head = await feed(client, after=head)
    assert (at_the_head["entries"], at_the_head["next"]) == ([], head)  # nothing new yet: not refused

    xid, position = decode_cursor(head)
    async with clean_identity.connect() as connection:
        next_xid = int(await connection.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")))
    future_transaction = encode_cursor(next_xid + 1_000_000, 1)
    future_position = encode_cursor(xid, position + 1_000_000)
    for forged in (future_transaction, future_position, encode_cursor(2**64 - 1, 2**63 - 1)):
        for route in ("/api/feed", "/api/ocds/releases"):
            refused = await client.get(route, params={"after": forged})
            assert refused.status_code == 400, (route, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["field"] == "after"
            assert "beyond the end of the feed" in refused.json()["detail"]


async def test_an_unchanged_page_is_not_modified_for_a_weak_tag_a_list_or_a_star(
    client: Client, malang: Regency
) -> None:
    first = await client.get("/api/feed")
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)  # strong: the exact bytes of the body
    assert (await client.get("/api/feed")).headers["etag"] == etag  # the same page, the same tag

    for condition in (etag, f"W/{etag}", f'"elsewhere", {etag}', f'W/"x,y", W/{etag}', "*"):
        again = await client.get("/api/feed", headers={"If-None-Match": condition})
        assert again.status_code == 304, condition
        assert again.content == b""
        assert "content-length" not in again.headers  # RFC 9110, 8.6: not the 0 of an empty body
        assert (again.headers["etag"], again.headers["cache-control"]) == (etag, "public, max-age=5")
    two_lines = await client.get("/api/feed", headers=[("If-None-Match", '"a"'), ("If-None-Match", etag)])
    assert two_lines.status_code == 304  # a field sent on two lines is one list

    for condition in ('"elsewhere"', 'W/"elsewhere"', etag.strip('"')):  # other tags; no quotes, no tag
        assert (await client.get("/api/feed", headers={"If-None-Match": condition})).status_code == 200


async def test_a_page_that_changed_is_sent_again_with_its_new_tag(
    client: Client, malang: Regency, clean_identity: AsyncEngine
) -> None:
    head = (await feed(client))["next"]
    before = await client.get("/api/feed", params={"after": head})
    assert before.json()["entries"] == []
    await Desk(client, clean_identity, malang).announce("Pengadaan Komputer", owner_estimate=300_000_000)
    await until_the_feed_has_passed(clean_identity)

    after = await client.get(
        "/api/feed", params={"after": head}, headers={"If-None-Match": f"W/{before.headers['etag']}"}
    )
    assert after.status_code == 200
    assert titles(after.json()) == ["Pengadaan Komputer"]
    assert after.headers["etag"] != before.headers["etag"]
