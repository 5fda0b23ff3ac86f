"""A catalogue query's conditions and what is asked of them without building them."""

from __future__ import annotations

import pytest

from federation.catalogue.query import CatalogueQuery

QUERIES = [
    CatalogueQuery(),
    CatalogueQuery(q="   "),
    CatalogueQuery(q="jalan"),
    CatalogueQuery(q="jalan", province="35", category="goods", fiscal_year=2025),
    CatalogueQuery(tenant="kab-malang"),
    CatalogueQuery(province="35"),
    CatalogueQuery(category="goods"),
    CatalogueQuery(method="tender"),
    CatalogueQuery(status="announced"),
    CatalogueQuery(fiscal_year=2024),
    CatalogueQuery(open_now=True),
    CatalogueQuery(budget_min=0),
    CatalogueQuery(budget_max=10**9),
    CatalogueQuery(sort="-budget", limit=50, facets=False),
]


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_filtered_says_whether_the_query_has_conditions(query: CatalogueQuery) -> None:
    assert query.filtered is bool(query.conditions())


def test_only_a_query_without_words_or_filters_is_unfiltered() -> None:
    assert [q for q in QUERIES if not q.filtered] == [QUERIES[0], QUERIES[1], QUERIES[-1]]
