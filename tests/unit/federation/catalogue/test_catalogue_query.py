"""A catalogue query's conditions and what is asked of them without building them."""

from __future__ import annotations

import pytest

from federation.catalogue.query import CatalogueQuery

QUERIES = [
    CatalogueQuery(),
    CatalogueQuery(q="   "),
    CatalogueQuery(q="jalan"),
    CatalogueQuery(q="jalan", province="35", category="goods", fiscal_year=2025),
    CatalogueQuery(q="jalan", category="goods", method="tender"),
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


def test_with_words_the_category_and_method_are_tested_on_rows_the_rest_looked_up() -> None:
    query = CatalogueQuery(q="jalan", province="35", category="goods", method="tender", fiscal_year=2025)
    parameters = query.parameters()
    assert parameters["q_tokens"] == "'~p35' & '~y2025'"
    assert parameters["q_row_tokens"] == "'~cgoods' & '~mtender'"
    assert len(query.conditions()) == 2  # the index's lookup, then the rows' test
    assert len(CatalogueQuery(q="jalan", province="35").conditions()) == 1
