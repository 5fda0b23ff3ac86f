"""The catalogue's counts: exact for narrow searches, estimated from a sample for broad ones.

A catalogue of 30,000 rows (inserted by SQL: the counting, not the publishing, is under test) is
larger than the sample, so a broad search gets an estimate marked as such, close to the truth,
and a narrow one gets exact counts. Pages of a broad search walk the date index and still cover
every match once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.facets import EXACT_UP_TO, Facets
from federation.catalogue.query import CatalogueQuery
from federation.catalogue.search import CataloguePage, search_catalogue
from hub.core.database import hub_sessions
from tests.catalogue_rows import ROWS, seed_catalogue


@pytest_asyncio.fixture(loop_scope="session")
async def large(clean_identity: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    await seed_catalogue(clean_identity)
    yield clean_identity


async def _search(engine: AsyncEngine, query: CatalogueQuery) -> CataloguePage:
    async with hub_sessions(engine)() as session:
        return await search_catalogue(session, query)


async def _counts(engine: AsyncEngine, query: CatalogueQuery) -> Facets:
    facets = (await _search(engine, query)).facets
    assert facets is not None
    return facets


async def test_a_broad_search_gets_an_estimate_close_to_the_count(large: AsyncEngine) -> None:
    everything = await _counts(large, CatalogueQuery())
    assert not everything.exact
    assert everything.total == pytest.approx(ROWS, rel=0.15)
    assert everything.counts["category"]["goods"] == pytest.approx(ROWS / 4, rel=0.25)
    road = await _counts(large, CatalogueQuery(q="jalan"))
    assert not road.exact
    assert road.total == pytest.approx(ROWS / 3, rel=0.2)


async def test_a_narrow_search_gets_exact_counts(large: AsyncEngine) -> None:
    small = await _counts(large, CatalogueQuery(tenant="kab-kecil"))
    assert (small.total, small.exact) == (ROWS // 100, True)
    assert ROWS // 100 < EXACT_UP_TO
    both = await _counts(large, CatalogueQuery(q="gedung", tenant="kab-kecil", category="goods"))
    assert (both.total, both.exact, both.counts["tenant"]) == (200, True, {"kab-kecil": 200})


async def test_the_pages_of_a_broad_search_cover_every_match_once(large: AsyncEngine) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(30):
        page = await _search(large, CatalogueQuery(q="jalan", sort="newest", limit=100, cursor=cursor))
        seen += [e.ocid for e in page.entries]
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 3_000
    assert seen == [f"9901-{i}" for i in range(3, 9_001, 3)]  # newest first: announced a minute apart


async def test_a_narrow_search_by_relevance_counted_in_the_same_read_gives_the_same_pages(
    large: AsyncEngine,
) -> None:
    """Its counts and its first page come from one read of the matches; without counts, the page is
    ranked by the page statement alone: the two give the same rows, in the same order, and the same
    cursor, which leads on to the same next page."""
    query = CatalogueQuery(q="jalan or gedung or desa", tenant="kab-kecil", limit=7)
    counted = await _search(large, query)
    assert counted.facets is not None
    assert counted.facets.exact
    assert counted.facets.total == ROWS // 100
    alone = await _search(large, CatalogueQuery(q=query.q, tenant=query.tenant, limit=7, facets=False))
    assert [e.ocid for e in counted.entries] == [e.ocid for e in alone.entries]
    assert len(counted.entries) == 7
    assert counted.next_cursor == alone.next_cursor
    following = await _search(
        large, CatalogueQuery(q=query.q, tenant=query.tenant, limit=7, cursor=counted.next_cursor)
    )
    assert following.entries
    assert not {e.ocid for e in following.entries} & {e.ocid for e in counted.entries}


async def test_a_few_tenders_left_in_a_large_table_file_are_counted_not_missed(large: AsyncEngine) -> None:
    """Deleted rows leave the table's file as large as it was until a vacuum, so the sample covers a
    small share of its pages and may hold none of the few live rows: that is not an exact zero."""
    async with large.begin() as connection:
        await connection.execute(text("DELETE FROM hub.catalogue WHERE ocid NOT IN ('9901-1', '9901-2')"))
    facets = await _counts(large, CatalogueQuery())
    assert (facets.total, facets.exact) == (2, True)
    assert facets.counts["tenant"] == {"kab-besar": 2}
