"""The facet cache: a search repeated within its time to live reuses its counts; nothing else does."""

from __future__ import annotations

import pytest

from federation.catalogue import facets
from federation.catalogue.facets import FacetCache, Facets
from federation.catalogue.query import CatalogueQuery

COUNTS = Facets(total=12, exact=True, counts={"category": {"goods": 12}}, share=0.5)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(facets.time, "monotonic", lambda: now[0])
    return now


def test_a_repeated_search_reuses_its_counts_whatever_its_order_or_page(clock: list[float]) -> None:
    cache = FacetCache(ttl=10)
    cache.put(CatalogueQuery(q="Jalan  Désa", category="goods"), COUNTS)
    again = CatalogueQuery(q="jalan desa", category="goods", sort="budget", cursor="x", limit=50)
    assert cache.get(again) is COUNTS  # the same words once folded, the same filters


def test_other_filters_or_words_miss(clock: list[float]) -> None:
    cache = FacetCache(ttl=10)
    cache.put(CatalogueQuery(q="jalan", category="goods"), COUNTS)
    assert cache.get(CatalogueQuery(q="jalan", category="construction")) is None
    assert cache.get(CatalogueQuery(q="jembatan", category="goods")) is None
    assert cache.get(CatalogueQuery(q="jalan", category="goods", open_now=True)) is None


def test_counts_expire_after_their_time_to_live(clock: list[float]) -> None:
    cache = FacetCache(ttl=10)
    cache.put(CatalogueQuery(), COUNTS)
    clock[0] += 9.9
    assert cache.get(CatalogueQuery()) is COUNTS
    clock[0] += 0.2
    assert cache.get(CatalogueQuery()) is None


def test_the_least_recently_used_search_leaves_a_full_cache(clock: list[float]) -> None:
    cache = FacetCache(ttl=10, size=2)
    first, second, third = (CatalogueQuery(tenant=t) for t in ("kab-a", "kab-b", "kab-c"))
    cache.put(first, COUNTS)
    cache.put(second, COUNTS)
    assert cache.get(first) is COUNTS  # first is now the most recently used
    cache.put(third, COUNTS)
    assert cache.get(second) is None
    assert cache.get(first) is COUNTS
    assert cache.get(third) is COUNTS
