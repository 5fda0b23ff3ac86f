"""How many statements a catalogue page sends: the hot path of the public search, pinned.

The catalogue of ``tests.catalogue_rows`` (larger than the sample, so the counts are sampled and
then, for narrow searches, counted exactly) is searched as the API searches it. Each page's
statements are counted as they are sent; a change that adds a round trip to a search fails here,
not in a benchmark.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from federation.catalogue import facets as facets_module
from federation.catalogue import search as search_module
from federation.catalogue.facets import FacetCache
from federation.catalogue.query import CatalogueQuery
from federation.catalogue.search import CataloguePage, find_entry, search_catalogue, search_page, show_entry
from federation.catalogue.statements import Database, run
from hub.core.database import hub_sessions
from hub.core.errors import InvalidInput, NotFound
from tests.catalogue_rows import seed_catalogue
from tests.manual_clock import ManualClock
from tests.statement_count import statements


@pytest_asyncio.fixture(loop_scope="session")
async def catalogue(clean_identity: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    await seed_catalogue(clean_identity)
    yield clean_identity


async def search(
    engine: AsyncEngine, query: CatalogueQuery, cache: FacetCache | None = None
) -> CataloguePage:
    async with hub_sessions(engine)() as session, session.begin():
        return await search_catalogue(session, query, cache)


@pytest.mark.parametrize(
    ("query", "most"),
    [
        # the sample with the plan settings and the tenant check, the walk (dense matches), the page
        (CatalogueQuery(q="jalan"), 3),  # broad: the sample's estimate stands
        (CatalogueQuery(q="jalan", facets=False), 3),
        # 2,500 matches: the exact count too, which sets the walk as it runs (after its own plan)
        (CatalogueQuery(q="jalan", category="goods", sort="newest"), 3),
        # 100 matches: counted, ranked and the page's rows read in one statement, no walk
        (CatalogueQuery(q="gedung", tenant="kab-kecil", category="goods", sort="relevance"), 2),
        (CatalogueQuery(limit=5, facets=False), 2),  # the newest tenders: no sample, the walk set first
        (CatalogueQuery(), 2),  # the home page: the sample (the counts), the page (no filter, no walk)
    ],
    ids=["broad words", "no counts", "words and a filter, counted", "narrow, counted", "newest", "home"],
)
async def test_a_first_page_sends_at_most_its_statements(
    catalogue: AsyncEngine, query: CatalogueQuery, most: int
) -> None:
    with statements(catalogue) as sent:
        page = await search(catalogue, query)
    assert page.entries
    assert len(sent) == most, sent


async def test_a_cursors_page_sends_two_statements(catalogue: AsyncEngine) -> None:
    for query in (CatalogueQuery(q="jalan", category="goods", sort="newest"), CatalogueQuery(q="jalan")):
        first = await search(catalogue, query)
        assert first.next_cursor
        with statements(catalogue) as sent:
            following = await search(
                catalogue, CatalogueQuery(**{**_fields(query), "cursor": first.next_cursor})
            )
        assert following.entries
        assert following.facets is None
        assert len(sent) == 2, sent  # the plan settings with the walk, the page


async def test_counts_kept_by_the_cache_spare_the_sample(catalogue: AsyncEngine) -> None:
    cache = FacetCache(clock=ManualClock())
    query = CatalogueQuery(q="jalan", tenant="kab-kecil")
    await search(catalogue, query, cache)
    with statements(catalogue) as sent:
        page = await search(catalogue, query, cache)
    assert page.facets is not None
    assert page.facets.total == 100
    assert len(sent) == 2, sent  # the plan settings with the tenant check, the page


async def test_an_unknown_tenant_is_refused_in_the_first_statement(catalogue: AsyncEngine) -> None:
    with statements(catalogue) as sent, pytest.raises(InvalidInput, match="unknown tenant"):
        await search(catalogue, CatalogueQuery(q="jalan", tenant="kab-tiada"))
    assert len(sent) == 1, sent  # the sample's


SETTINGS = text(
    "SELECT current_setting('plan_cache_mode'), current_setting('jit'), "
    "current_setting('enable_bitmapscan'), current_setting('enable_seqscan')"
)
DEFAULTS = ("auto", "on", "on", "on")  # this server's: the test server runs PostgreSQL's own
CUSTOM, WALKED = ("force_custom_plan", "off"), ("off", "off")


@contextmanager
def settings_before_each_statement(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, ...]]]:
    """The settings in force as each statement of a search is sent (so as it is planned), read on
    the statement's own connection just before it."""
    seen: list[tuple[str, ...]] = []

    async def noted(database: Database, statement: Any, parameters: dict[str, Any]) -> Any:
        connection = await database.connection() if isinstance(database, AsyncSession) else database
        seen.append(tuple((await connection.execute(SETTINGS)).one()))
        return await run(database, statement, parameters)

    for module in (search_module, facets_module):
        monkeypatch.setattr(module, "run", noted)
    yield seen


async def settings_of(database: AsyncConnection) -> tuple[str, ...]:
    return tuple((await database.execute(SETTINGS)).one())


async def test_the_settings_hold_for_the_statements_after_the_first_and_are_put_back(
    catalogue: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for query in (
        CatalogueQuery(q="jalan"),  # the sample, the walk, the page (relevance)
        CatalogueQuery(q="gedung", tenant="kab-kecil", category="goods", sort="relevance"),  # counted, ranked
        CatalogueQuery(q="tiada kata ini"),  # an empty page puts them back too
        CatalogueQuery(limit=5, facets=False),
    ):
        async with catalogue.connect() as database:
            await database.execution_options(isolation_level="AUTOCOMMIT")
            with settings_before_each_statement(monkeypatch) as seen:
                await search_catalogue(database, query)
            monkeypatch.undo()
            assert seen[0] == DEFAULTS, query
            assert all(s[:2] == CUSTOM for s in seen[1:]), (query, seen)
            assert await settings_of(database) == DEFAULTS, query  # the last statement put them back


def _fields(query: CatalogueQuery) -> dict[str, Any]:
    return {name: getattr(query, name) for name in query.__dataclass_fields__}


async def test_the_exact_count_sets_the_walk_for_the_page(
    catalogue: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with hub_sessions(catalogue)() as session, session.begin():
        with settings_before_each_statement(monkeypatch) as seen:
            page = await search_catalogue(session, CatalogueQuery(q="jalan", category="goods", sort="newest"))
        monkeypatch.undo()
        assert await settings_of(await session.connection()) == DEFAULTS
    assert page.facets is not None
    assert page.facets.exact
    assert seen == [DEFAULTS, (*CUSTOM, "on", "on"), (*CUSTOM, *WALKED)]  # the sample, the count, the page


async def test_the_api_searches_in_autocommit_and_returns_connections_as_they_were(
    catalogue: AsyncEngine,
) -> None:
    query = CatalogueQuery(q="jalan", category="goods", sort="newest")
    with in_a_transaction(catalogue) as sent:
        page = await search_page(catalogue, query)
    assert sent == [False, False, False]  # no BEGIN, no ROLLBACK
    assert page == await search(catalogue, query)  # the same page as in a transaction
    follow = CatalogueQuery(**{**_fields(query), "cursor": page.next_cursor})
    assert await search_page(catalogue, follow) == await search(catalogue, follow)


async def test_a_search_that_fails_midway_leaves_no_setting_on_a_pooled_connection(
    catalogue: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = create_async_engine(catalogue.url, pool_size=1, max_overflow=0)  # every search on one connection
    sent = 0

    async def failing(database: Database, statement: Any, parameters: dict[str, Any]) -> Any:
        nonlocal sent
        sent += 1
        if sent == 2:
            raise RuntimeError("the database went away between two statements")
        return await run(database, statement, parameters)

    try:
        with monkeypatch.context() as patched:
            for module in (search_module, facets_module):
                patched.setattr(module, "run", failing)
            with pytest.raises(RuntimeError):
                await search_page(one, CatalogueQuery(q="jalan"))
        async with one.connect() as database:
            assert await settings_of(database) == DEFAULTS
        with pytest.raises(InvalidInput):  # refused at its first statement: nothing was set
            await search_page(one, CatalogueQuery(q="jalan", tenant="kab-tiada"))
        async with one.connect() as database:
            assert await settings_of(database) == DEFAULTS
    finally:
        await one.dispose()


@contextmanager
def in_a_transaction(engine: AsyncEngine) -> Iterator[list[bool]]:
    """For each statement sent inside the block, whether its connection was in a transaction block
    as it ran: a ``BEGIN`` went before it (the driver sends it just before the first statement) and
    a ``ROLLBACK`` or ``COMMIT`` follows."""
    seen: list[bool] = []

    def note(connection: Any, *_args: object) -> None:
        seen.append(connection.connection.driver_connection.is_in_transaction())

    event.listen(engine.sync_engine, "after_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", note)


async def test_one_tender_is_one_statement_without_begin_or_rollback(catalogue: AsyncEngine) -> None:
    with in_a_transaction(catalogue) as sent:
        entry = await show_entry(catalogue, "ocds-test", "ocds-test-9901-7")
    assert (entry.ocid, entry.tender_id, entry.title) == ("9901-7", 7, "Pembangunan Gedung Sekolah")
    assert sent == [False]  # one statement, in autocommit
    async with hub_sessions(catalogue)() as session:  # the same row as the portal's ``find_entry``
        with in_a_transaction(catalogue) as portal:
            row = await find_entry(session, "ocds-test", "ocds-test-9901-7")
    assert portal == [True]  # the check sees a transaction block where there is one
    assert tuple(getattr(row, name) for name in entry._fields) == tuple(entry)


async def test_one_tender_not_in_the_catalogue_is_not_found(catalogue: AsyncEngine) -> None:
    for ocid in ("ocds-test-9901-0", "ocds-peer-9901-7"):  # no such row; a peer's ocid: no peer row
        with pytest.raises(NotFound):
            await show_entry(catalogue, "ocds-test", ocid)


SORT_INDEXES = {"newest": "ix_catalogue_announced_words", "closing": "ix_catalogue_closing",
                "budget": "ix_catalogue_budget", "relevance": "ix_catalogue_announced_words"}  # fmt: skip


def _indexes(plan: Any) -> set[str]:
    """Every index a JSON plan (``EXPLAIN (FORMAT JSON)``) reads."""
    if isinstance(plan, dict):
        found = {plan["Index Name"]} if "Index Name" in plan else set()
        return found.union(*(_indexes(value) for value in plan.values()))
    if isinstance(plan, list):
        return set().union(*(_indexes(value) for value in plan))
    return set()


async def searched_and_planned(
    catalogue: AsyncEngine, query: CatalogueQuery, last: int
) -> tuple[CataloguePage, list[set[str]]]:
    """``query``'s page, and the indexes PostgreSQL's plan of each of the ``last`` statements the
    search sent reads (``EXPLAIN (FORMAT JSON)`` of each as sent, with its parameters)."""
    sent: list[tuple[str, Any]] = []

    def noted(_conn: object, _cursor: object, statement: str, parameters: Any, *_args: object) -> None:
        sent.append((statement, parameters))

    event.listen(catalogue.sync_engine, "before_cursor_execute", noted)
    try:
        page = await search(catalogue, query)
    finally:
        event.remove(catalogue.sync_engine, "before_cursor_execute", noted)
    used: list[set[str]] = []
    async with catalogue.connect() as database:
        for statement, parameters in sent[-last:]:
            explained = await database.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            used.append(_indexes(explained.scalar_one()))
        await database.rollback()
    return page, used


@pytest.mark.parametrize("sort", ["newest", "closing", "budget", "relevance"])
async def test_words_the_sample_finds_together_nowhere_are_read_by_the_text_index_not_a_walk(
    catalogue: AsyncEngine, sort: str
) -> None:
    # "jalan" is in a third of the titles, "sekolah" in the others: no tender has both. PostgreSQL
    # takes them as independent and expects 2/9 of the catalogue to, so a page within the first
    # hundred entries of the sort's index, which it walked to the end. The sample saw no match: the
    # page reads the matches first (by the text index), whatever PostgreSQL expects of them.
    query = CatalogueQuery(q="jalan sekolah", sort=sort, facets=False)
    page, [used] = await searched_and_planned(catalogue, query, last=1)  # the page's
    assert page.entries == []
    assert "ix_catalogue_search" in used, used
    assert SORT_INDEXES[sort] not in used, used


@pytest.mark.parametrize("sort", ["newest", "closing", "budget"])
async def test_filters_the_sample_finds_together_nowhere_are_read_by_the_text_index(
    catalogue: AsyncEngine, sort: str
) -> None:
    # Every hundredth tender is kab-kecil's and every fourth is goods: kab-kecil has no construction.
    # The sample saw none, so its exact count and its page read the matches by the filters' tokens in
    # the text index (``~tkab-kecil & ~cconstruction``), not by the columns (here the tenant's index;
    # at a million rows, by filters without an index, a scan of the table to count and a walk of the
    # sort's whole index for the page).
    query = CatalogueQuery(tenant="kab-kecil", category="construction", sort=sort)
    page, used = await searched_and_planned(catalogue, query, last=2)  # the exact count's, the page's
    assert page.entries == []
    assert page.facets is not None
    assert (page.facets.total, page.facets.exact) == (0, True)
    assert used == [{"ix_catalogue_search"}, {"ix_catalogue_search"}], used
