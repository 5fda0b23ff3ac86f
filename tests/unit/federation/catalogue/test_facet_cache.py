"""The facet cache: a search repeated within its time to live reuses its counts; nothing else does."""

from __future__ import annotations

from federation.catalogue.facets import FacetCache, Facets
from federation.catalogue.query import CatalogueQuery
from tests.manual_clock import ManualClock

COUNTS = Facets(total=12, exact=True, counts={"category": {"goods": 12}}, share=0.5)


def test_a_repeated_search_reuses_its_counts_whatever_its_order_or_page() -> None:
    cache = FacetCache(ttl=10, clock=ManualClock())
    cache.put(CatalogueQuery(q="Jalan  Désa", category="goods"), COUNTS)
    again = CatalogueQuery(q="jalan desa", category="goods", sort="budget", cursor="x", limit=50)
    assert cache.get(again) is COUNTS  # the same words once folded, the same filters


def test_other_filters_or_words_miss() -> None:
    cache = FacetCache(ttl=10, clock=ManualClock())
    cache.put(CatalogueQuery(q="jalan", category="goods"), COUNTS)
    assert cache.get(CatalogueQuery(q="jalan", category="construction")) is None
    assert cache.get(CatalogueQuery(q="jembatan", category="goods")) is None
    assert cache.get(CatalogueQuery(q="jalan", category="goods", open_now=True)) is None


async def test_counts_expire_after_their_time_to_live() -> None:
    clock = ManualClock()
    cache = FacetCache(ttl=10, clock=clock)
    cache.put(CatalogueQuery(), COUNTS)
    await clock.advance(9.9)
    assert cache.get(CatalogueQuery()) is COUNTS
    await clock.advance(0.1)
    assert cache.get(CatalogueQuery()) is None


def test_the_least_recently_used_search_leaves_a_full_cache() -> None:
    cache = FacetCache(ttl=10, size=2, clock=ManualClock())
    first, second, third = (CatalogueQuery(tenant=t) for t in ("kab-a", "kab-b", "kab-c"))
    cache.put(first, COUNTS)
    cache.put(second, COUNTS)
    assert cache.get(first) is COUNTS  # first is now the most recently used
    cache.put(third, COUNTS)
    assert cache.get(second) is None
    assert cache.get(first) is COUNTS
    assert cache.get(third) is COUNTS


async def test_stale_counts_are_answered_at_once_and_recounted_once_in_the_background() -> None:
    clock = ManualClock()
    recounts: list[CatalogueQuery] = []
    fresh = Facets(total=13, exact=True, counts={"category": {"goods": 13}}, share=0.5)

    async def recount(query: CatalogueQuery) -> Facets:
        recounts.append(query)
        return fresh

    cache = FacetCache(ttl=10, clock=clock, recount=recount)
    cache.put(CatalogueQuery(category="goods"), COUNTS)
    await clock.advance(10)
    assert cache.get(CatalogueQuery(category="goods")) is COUNTS  # stale, answered, recount started
    assert cache.get(CatalogueQuery(category="goods", sort="budget")) is COUNTS  # no second recount
    await cache.recounted()
    assert len(recounts) == 1
    assert cache.get(CatalogueQuery(category="goods")) is fresh
    assert cache.get(CatalogueQuery(category="construction")) is None  # never counted: a miss


async def test_a_failed_recount_keeps_the_stale_counts_and_the_next_request_tries_again() -> None:
    clock = ManualClock()
    calls: list[int] = []

    async def recount(query: CatalogueQuery) -> Facets:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("database gone")
        return COUNTS

    cache = FacetCache(ttl=10, clock=clock, recount=recount)
    stale = Facets(total=1, exact=True, counts={}, share=1.0)
    cache.put(CatalogueQuery(), stale)
    await clock.advance(10)
    assert cache.get(CatalogueQuery()) is stale
    await cache.recounted()
    assert cache.get(CatalogueQuery()) is stale  # still stale: recounted again
    await cache.recounted()
    assert cache.get(CatalogueQuery()) is COUNTS
    assert len(calls) == 2
