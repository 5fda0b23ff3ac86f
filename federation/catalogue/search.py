"""Searching the catalogue: full text, filters, sorting, keyset pagination (and facets on page one).

Text search uses PostgreSQL's ``indonesian`` snowball configuration over the title, agency, regency
and KBLI codes, folded to lower case without accents and with common abbreviations written out
(``jln`` -> ``jalan``; ``hub.catalogue_words``, migration h0017) on both sides: "jalanan" and
"jln" find "Rehabilitasi Jalan ...". Words without a ``sort`` are ranked by relevance. Pages are
keyset-paginated: the cursor carries the last row's sort key and id, so a page costs the same at
any depth and a row added meanwhile never shifts the next page; it also carries a hash of the
search it belongs to (``CatalogueQuery.fingerprint``), and another search refuses it.

Every sort but relevance has an index (``newest``: ``announced_at``; ``closing``: ``closes_at``;
``budget``), so a page of a broad search reads about as many rows as it shows, and a narrow one
reads its matches by the text and filter indexes. Relevance cannot be read off an index: it ranks
the newest ``RELEVANCE_WINDOW`` matches, which is every match of all but broad searches (a word
in a fifth of the catalogue ranks its 1,000 newest tenders, not 200,000); the date index carries
the search vector, so finding them by walking it reads no heap row (migration h0020).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    DateTime,
    Select,
    String,
    bindparam,
    case,
    exists,
    func,
    null,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import REAL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql import Executable

from federation.catalogue.facets import (
    EXACT,
    EXACT_UP_TO,
    FACETS,
    FacetCache,
    Facets,
    add_counts,
    count_facets,
    facets_of_sample,
    grouping,
    sample_facets,
    sample_statement,
)
from federation.catalogue.models import LOCAL, CatalogueEntry, ShownEntry
from federation.catalogue.query import TABLE, CatalogueQuery
from federation.catalogue.records import local_id_of
from federation.catalogue.statements import (
    PLAN_EACH_SEARCH,
    PLAN_EACH_SEARCH_IN_TRANSACTION,
    RESET_SEARCH,
    WALK,
    Database,
    built,
    first_value,
    reset,
    resetting,
    run,
)
from hub.core.database import hub_sessions
from hub.core.errors import InvalidInput, NotFound
from tenants.registry.models import Tenant

T = TABLE
RELEVANCE_WINDOW = 1_000
SHOWN = [T[column] for column in ShownEntry._fields]
"""What a page reads of its rows (``ShownEntry``): all but the search vector and its text, which no
answer shows (the vector is the row's widest column: reading, sending and decoding it cost each page
for nothing)."""
PAGE_LIMIT = bindparam("page_limit", type_=BigInteger)
"""One more row than the page shows (to tell whether more follow)."""
WINDOW = bindparam("relevance_window", type_=BigInteger)
"""``RELEVANCE_WINDOW``, sent with each search (read when it runs: a test may lower it)."""
AFTER_ID = bindparam("after_id", type_=BigInteger)
TENANT = bindparam("q_tenant", type_=String)


WALK_ROWS = 20_000
"""A page walks its sort's index, bitmaps off, when the sample says it finds its rows within this many."""
RELEVANCE_WALK_ROWS = 120_000
"""The same for the relevance window, which walks the date index alone (the search vector is in it,
migration h0020): a tender walked costs about 2 us, a match read by a bitmap a heap page,
15 times that (at a million rows, measured on a loaded 2-core machine: "rehabilitasi gedung", 1% of
the catalogue, walks 100,000 rows in 210 ms where the bitmap of its 10,000 matches takes 450 ms).
Past this many rows, the bitmap costs less (fewer than about 0.8% of the catalogue matching)."""


@dataclass(frozen=True, slots=True)
class CataloguePage:
    entries: list[ShownEntry]
    next_cursor: str | None
    facets: Facets | None
    """On the first page when asked for; ``None`` on the pages a cursor leads to."""


def _sort_key(query: CatalogueQuery) -> tuple[Any, bool]:
    """The sort expression and whether it descends (the id follows in the same direction)."""
    match query.order:
        case "closing":
            return T.closes_at, False
        case "budget":
            return T.budget, False
        case "-budget":
            return T.budget, True
        case _:
            return T.announced_at, True


def _after_key(query: CatalogueQuery) -> Any:
    """The bound parameter of a cursor's sort key, typed as its column."""
    match query.order:
        case "relevance":
            return bindparam("after_key", type_=REAL)
        case "budget" | "-budget":
            return bindparam("after_key", type_=BigInteger)
        case _:
            return bindparam("after_key", type_=DateTime(timezone=True))


def _page(query: CatalogueQuery, after: bool, walks: bool = True) -> Select[Any]:
    """The page's rows with their sort key, one more than asked (``PAGE_LIMIT``), after the
    cursor's key (``after_key``, ``after_id``) when ``after``; its matches read first, then sorted,
    when the sample says walking the sort's index would not find them soon (``_matches_first``)."""
    if query.order == "relevance":
        return _relevance_page(query, after, walks)
    key, descending = _sort_key(query)
    first = _matches_first(query, walks)
    conditions = query.conditions(tokens=first)
    if after:
        bound, cursor = tuple_(key, T.id), tuple_(_after_key(query), AFTER_ID)
        conditions.append(bound < cursor if descending else bound > cursor)
    page = select(*SHOWN, key.label("sort_key")).where(*conditions)
    if first:
        matched = page.cte("matched").prefix_with("MATERIALIZED")
        key, row_id = matched.c.sort_key, matched.c.id
        page = select(*matched.c)
    else:
        row_id = T.id
    order = (key.desc(), row_id.desc()) if descending else (key.asc(), row_id.asc())
    return page.where(_RESETS).order_by(*order).limit(PAGE_LIMIT)


def _matches_first(query: CatalogueQuery, walks: bool) -> bool:
    """Whether the page reads every match (by the text index) before sorting them: the plan written
    into the statement, a ``MATERIALIZED`` CTE without an order, which no walk of an index can serve.

    When the sample says the page's rows are not within ``WALK_ROWS`` of its sort's index (``_walks``),
    the choice was PostgreSQL's, by its estimate of the words and filter tokens, which assumes them
    independent: ``jalan`` with the category ``goods`` (no match) it estimates at 52,742 rows of a
    million, expects a page within 400 entries of the date index, and walked all 1,000,000 (813 ms;
    by budget, 3.9 s). The sample drew none of them: reading the matches first costs what there are
    (15 ms). A search without words does the same by its filters' tokens (``~cgoods & ~y2020``,
    ``CatalogueQuery.conditions``): as columns, the category, method, status and year have no index,
    and ``category=goods&fiscal_year=2020`` (no match) walked the whole date index (about 200 ms at
    a million; its exact count, a scan of the table, another 300: ``count_facets``). One with no
    equality filter (a budget, open now) has no token to read by, and keeps PostgreSQL's choice."""
    return not walks and bool(query.terms or query.filter_tokens())


def _relevance_page(query: CatalogueQuery, after: bool, walks: bool = True) -> Select[Any]:
    """Rank the newest ``RELEVANCE_WINDOW`` matches (ids and ranks only), then read the page's rows;
    every match read first, then the newest taken, when the sample says so (``_matches_first``)."""
    if _matches_first(query, walks):
        found = select(T.id, T.announced_at, T.search).where(*query.conditions())
        matched = found.cte("matched").prefix_with("MATERIALIZED")
        newest = select(matched.c.id, matched.c.search)
        newest = newest.order_by(matched.c.announced_at.desc(), matched.c.id.desc())
    else:
        newest = select(T.id, T.search).where(*query.conditions())
        newest = newest.order_by(T.announced_at.desc(), T.id.desc())
    window = newest.limit(WINDOW).subquery("relevance_window")
    rank = func.ts_rank_cd(window.c.search, query.text_query())
    top = select(window.c.id, rank.label("rank")).subquery("window_ranked")
    page = select(top.c.id, top.c.rank)
    if after:
        page = page.where(tuple_(top.c.rank, top.c.id) < tuple_(_after_key(query), AFTER_ID))
    ranked = page.order_by(top.c.rank.desc(), top.c.id.desc()).limit(PAGE_LIMIT).subquery("ranked")
    return (
        select(*SHOWN, ranked.c.rank.label("sort_key"))
        .join_from(T.id.table, ranked, ranked.c.id == T.id)
        .where(_RESETS)
        .order_by(ranked.c.rank.desc(), T.id.desc())
    )


_WALK_NOW = select(*WALK)
"""The walk set on its own (statements are built once: ``statements.built``)."""
_RESETS = resetting().is_not(None)
"""The page is a search's last statement: it puts back the settings the search made (``RESET_SEARCH``),
as it starts, after its own plan. A condition with no column is a one-time filter (a ``Result`` node
above the scan), evaluated once even when the page has no row; always true."""


def _walks(query: CatalogueQuery, sampled: Facets) -> bool:
    """Whether the page finds its rows soon enough walking its sort's index to skip a bitmap scan.

    PostgreSQL's estimate of a text search assumes its words independent; words that go together
    ("saluran irigasi": 50,000 rows, estimated 2,600) get a bitmap scan of every match and a sort,
    where walking the date index finds the newest thousand in 20,000 rows. The sample measures it.
    """
    if query.order == "relevance":
        wanted, bound = RELEVANCE_WINDOW, RELEVANCE_WALK_ROWS
    else:
        wanted, bound = query.limit + 1, WALK_ROWS
    return sampled.share > 0 and wanted / sampled.share <= bound


def _encode(value: Any, row_id: int, walks: bool, query: CatalogueQuery) -> str:
    """The last row's sort key and id, how the first page chose to read (so the next ones do too),
    and the search's fingerprint."""
    raw = value.isoformat() if isinstance(value, datetime) else value
    data = json.dumps([raw, row_id, walks, query.fingerprint()]).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode(cursor: str, query: CatalogueQuery) -> tuple[Any, int, bool]:
    order = query.order
    try:
        value, row_id, walks, fingerprint = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this search gave out", field="cursor") from None
    if fingerprint != query.fingerprint():
        raise InvalidInput(
            "cursor belongs to another search: send the q, filters and sort of the page that gave it",
            field="cursor",
        )
    try:
        if order in ("newest", "closing"):
            value = datetime.fromisoformat(value)
        elif order == "relevance":
            value = float(value)
        else:
            value = int(value)
        return value, int(row_id), bool(walks)
    except (ValueError, TypeError):
        raise InvalidInput("cursor is not one this search gave out", field="cursor") from None


def _tenant_known(tenant: str | None) -> ColumnElement[bool]:
    """Whether the search's tenant (``q_tenant``) is known; true when it has none."""
    if tenant is None:
        return true()
    return or_(exists().where(Tenant.__table__.c.slug == TENANT), exists().where(T.tenant_slug == TENANT))


def _refuse_unknown(known: bool | None, tenant: str | None) -> None:
    if not known:
        raise InvalidInput(f"unknown tenant {tenant!r}: use a tenant's slug (kab-malang)", field="tenant")


async def check_tenant(session: Database, tenant: str | None) -> None:
    """Refuse a tenant that is neither one of this hub's nor a followed peer's (``peer:code``), as an
    unknown category is refused: a typo answers 400, not an empty page that looks like "no tenders"."""
    if tenant is not None:
        known = first_value(await run(session, _TENANT_KNOWN, {"q_tenant": tenant}))
        _refuse_unknown(known, tenant)


_TENANT_KNOWN = select(_tenant_known(""))
"""``check_tenant``'s statement, built once (any tenant but ``None`` makes the same)."""


def _prepared(query: CatalogueQuery, walk: bool) -> Select[Any]:
    """A search's first statement, one round trip: whether its tenant is known (``check_tenant``),
    plan each search anew, and walk the sort's index when ``walk`` (a cursor's page knows it)."""
    return select(_tenant_known(query.tenant), _settings_if_known(query, walk))


def _settings_if_known(query: CatalogueQuery, walk: bool) -> Any:
    """The search's settings, made only when its tenant is known: a refused search ends at its first
    statement, with nothing to put back."""
    made = select(func.concat(*PLAN_EACH_SEARCH, *(WALK if walk else ()))).where(_tenant_known(query.tenant))
    return made.scalar_subquery().label("planned")


def _sample_with_settings(query: CatalogueQuery) -> Select[Any]:
    known = select(_tenant_known(query.tenant)).scalar_subquery().label("known")
    return sample_statement(query, _settings_if_known(query, False), known)


async def _sample_first(session: Database, query: CatalogueQuery, parameters: dict[str, Any]) -> Facets:
    """The sample as a search's first statement, which also checks the tenant and plans the rest
    of the search anew (``_prepared``): one round trip fewer. The sample itself needs neither
    setting (its plan, a sample scan and a grouping, is the same whatever the words, and far below
    JIT's threshold); they are set as it runs, once (scalar subqueries), for the statements after it.
    A sample that drew no row gives no row to carry them: they are then sent on their own."""
    statement = built("sample first", query, _sample_with_settings)
    rows = await run(session, statement, parameters)
    if rows:
        known = rows[0][-1]
    else:
        prepared = built("prepared", query, lambda q: _prepared(q, False), False)
        known = first_value(await run(session, prepared, parameters))
    _refuse_unknown(known, query.tenant)
    return facets_of_sample(rows)


async def recount_facets(engine: AsyncEngine, query: CatalogueQuery) -> Facets:
    """A search's counts afresh, in a session of its own: what ``FacetCache`` recounts in the
    background once a search's counts are stale (``app.state.facet_cache``)."""
    async with hub_sessions(engine)() as session, session.begin():
        await run(session, select(*PLAN_EACH_SEARCH_IN_TRANSACTION), {})
        sampled = await sample_facets(session, query)
        return await count_facets(
            session, query, sampled, tokens=_matches_first(query, _walks(query, sampled))
        )


async def search_page(
    engine: AsyncEngine, query: CatalogueQuery, cache: FacetCache | None = None
) -> CataloguePage:
    """``search_catalogue`` for the API's search (issue 20): on a connection of its own in autocommit,
    without ``BEGIN`` and ``ROLLBACK``, two round trips of a cached or cursor's page's four.

    Autocommit changes no answer: each statement reads its own snapshot, as it did inside the
    transaction (read committed); they set nothing but the search's settings and write nothing. The
    settings are the session's, put back by the search's last statement (``statements.PLAN_EACH_SEARCH``);
    a search that fails between its first and last statement puts them back on its own, or the
    connection is discarded, so that no connection goes back to the pool with them. A refused search
    (a cursor or tenant ``InvalidInput``) ends before anything is set."""
    async with engine.connect() as database:
        await database.execution_options(isolation_level="AUTOCOMMIT")
        try:
            return await search_catalogue(database, query, cache)
        except InvalidInput:
            raise
        except BaseException:
            try:
                await reset(database)
            except BaseException:
                await database.invalidate()
            raise


async def search_catalogue(
    session: Database, query: CatalogueQuery, cache: FacetCache | None = None
) -> CataloguePage:
    """One page of the search; on the first page, its counts too (from ``cache`` when it has them).

    Its settings (``PLAN_EACH_SEARCH``, ``WALK``) are the session's from its first statement to its
    last, which puts them back; in a transaction that fails, the rollback puts them back."""
    query = query.checked()
    # A search's statements have the same text whatever the words, and each connection prepares them
    # once: after five runs PostgreSQL may keep a generic plan, costed for words of unknown frequency.
    # Seeded by common words, it then scans in parallel for a rare one too (35 ms instead of 2 ms at a
    # million rows; docs/BENCHMARKS.md, issue 6). Planning each search anew costs ~0.3 ms. JIT
    # compiling a search costs more than it saves at these sizes. The first statement says so and
    # checks the tenant: the sample on a first page (``_sample_first``); on a cursor's page or with
    # counts kept, a statement of its own, which also sets the walk when it is known.
    parameters = query.parameters()
    parameters.update(page_limit=query.limit + 1, relevance_window=RELEVANCE_WINDOW)
    after = False
    sampled = cache.get(query) if cache is not None and not query.cursor else None
    cached = sampled is not None
    # With nothing to filter and no counts asked (the newest tenders beside a search), every row
    # matches: the sort's index gives the page in order, and no sample is needed to know it.
    filtered = query.filtered
    to_sample = not query.cursor and sampled is None and (query.facets or filtered)
    if query.cursor:
        value, row_id, walks = _decode(query.cursor, query)
        parameters.update(after_key=value, after_id=row_id)
        after = True
    else:
        walks = not to_sample and (sampled is None or _walks(query, sampled))
    if to_sample:
        sampled = await _sample_first(session, query, parameters)
        walks = _walks(query, sampled)
    else:
        prepared = built("prepared", query, lambda q: _prepared(q, walks), walks)
        _refuse_unknown(first_value(await run(session, prepared, parameters)), query.tenant)
    # The walk, when a sample decided it and the page reads by the sort's index (unfiltered, the page
    # is its sort's index whatever is set): set by the exact count as it runs, or on its own.
    walk_after_sample = to_sample and walks and filtered
    facets: Facets | None = None
    ranked: list[tuple[ShownEntry, Any]] | None = None
    if query.facets and sampled is not None:
        # Before the walk is set: an exact count reads every match, which bitmaps serve best.
        if query.order == "relevance" and not sampled.settles:
            facets, ranked = await _ranked_and_counted(session, query, sampled, parameters)
        else:
            by_tokens = _matches_first(query, walks)
            facets = await count_facets(session, query, sampled, walk_after_sample, by_tokens)
            walk_after_sample = walk_after_sample and sampled.settles
        if cache is not None and not cached:  # counts from the cache keep the age they had
            cache.put(query, facets)
    if ranked is not None:
        rows = ranked
    else:
        if walk_after_sample:
            await run(session, _WALK_NOW, {})
        page = built("page", query, lambda q: _page(q, after, walks), after, walks)
        rows = [(ShownEntry._make(r[:-1]), r[-1]) for r in await run(session, page, parameters)]
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    cursor = _encode(rows[-1][1], rows[-1][0].id, walks, query) if more and rows else None
    return CataloguePage([entry for entry, _ in rows], cursor, facets)


def _ranked_and_counted_statement(query: CatalogueQuery) -> CompoundSelect[Any]:
    columns = [T[column] for column in FACETS.values()]
    matched = select(T.id, T.announced_at, T.search, *columns).where(*query.conditions())
    found = matched.limit(EXACT).cte("matched")  # read twice below: computed once
    # The newest ``RELEVANCE_WINDOW`` first, then ranked: a rank costs 2-3 us, computed for every
    # match (up to ``EXACT_UP_TO``) when it was asked below the window's sort.
    window = (
        select(found.c.id, found.c.search)
        .order_by(found.c.announced_at.desc(), found.c.id.desc())
        .limit(WINDOW)
        .subquery("relevance_window")
    )
    rank = func.ts_rank_cd(window.c.search, query.text_query()).label("rank")
    top = (
        select(window.c.id, rank)
        .order_by(rank.desc(), window.c.id.desc())
        .limit(PAGE_LIMIT)
        .subquery("ranked")
    )
    # The counts (by grouping sets, the page's columns null) and the page's rows with their ranks (the
    # facets and the count null), in one statement: the matches are counted and ranked where they
    # are, and at most a few dozen rows come back.
    no_facets = [null().cast(String).label(f"no_{column}") for column in FACETS.values()]
    no_page = [null().cast(column.type).label(f"no_{column.name}") for column in SHOWN]
    counts = grouping(found.c, func.count(), *no_page, null().cast(REAL).label("no_rank"))
    # The last statement when it counted every match (no page read after it): then it puts the
    # settings back, as it starts (a one-time filter, always true); else the page after it does.
    every_match = select(func.count()).select_from(found).scalar_subquery() < EXACT
    put_back = select(case((every_match, func.concat(*RESET_SEARCH)), else_="kept")).scalar_subquery()
    counts = counts.where(put_back.is_not(None))
    page = select(*no_facets, null().cast(BigInteger), *SHOWN, top.c.rank).join_from(
        T.id.table, top, top.c.id == T.id
    )
    return counts.union_all(page)


async def _ranked_and_counted(
    session: Database, query: CatalogueQuery, sampled: Facets, parameters: dict[str, Any]
) -> tuple[Facets, list[tuple[ShownEntry, Any]] | None]:
    """The exact counts and the first page with its ranks, from one read of the matches.

    A narrow search by relevance read its matches twice, once to count them (``count_facets``) and
    once to rank the newest ``RELEVANCE_WINDOW``: twice a text index scan of its words and filter
    tokens and a heap page per match (``q`` with filters, 10-30 ms each at a million rows). Here the
    first ``EXACT_UP_TO + 1`` matches are read once, with their facets, and ranked among the newest
    ``RELEVANCE_WINDOW`` of them; the page's rows come in the same answer. If there are no more,
    they are every match: the counts are exact and the page is theirs. If there are more, the
    sample's counts stand, as in ``count_facets``, and the page is read as any other (``None``).
    """
    statement = built("ranked and counted", query, _ranked_and_counted_statement)
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    ranked: list[tuple[ShownEntry, Any]] = []
    shown = slice(len(FACETS) + 1, len(FACETS) + 1 + len(SHOWN))
    rows: list[Any] = list(await run(session, statement, {**parameters, "exact_limit": EXACT_UP_TO + 1}))
    for row in rows:
        if row[len(FACETS)] is None:  # no count: a row of the page
            ranked.append((ShownEntry._make(row[shown]), row[-1]))
        else:
            add_counts(counts, row)
    total = sum(counts["category"].values())
    if total > EXACT_UP_TO:
        return Facets(max(sampled.total, EXACT_UP_TO + 1), False, sampled.counts, sampled.share), None
    ranked.sort(key=lambda r: (-r[1], -r[0].id))  # a union's rows come in no set order
    return Facets(total, True, counts, sampled.share), ranked


async def find_entry(session: AsyncSession, prefix: str, ocid: str) -> CatalogueEntry:
    """The tender of the catalogue with the public ``ocid``: one of this hub's (its ocid starts
    with ``prefix``) or one followed from a peer; ``NotFound`` if there is none."""
    local = ocid.startswith(f"{prefix}-")
    entry = await session.scalar(
        select(CatalogueEntry).where(
            CatalogueEntry.origin == LOCAL if local else CatalogueEntry.origin != LOCAL,
            CatalogueEntry.ocid == (local_id_of(prefix, ocid) if local else ocid),
        )
    )
    if entry is None:
        raise NotFound(f"no tender {ocid} in the catalogue")
    return entry


OCID = bindparam("ocid", type_=String)
_ONE_TENDER = {
    local: select(*SHOWN).where(T.origin == LOCAL if local else T.origin != LOCAL, T.ocid == OCID)
    for local in (True, False)
}
"""``show_entry``'s statement, of this hub's tenders (``True``) or a peer's: built once each, as a
search's (``statements.built``), so SQLAlchemy neither constructs them nor walks them again."""


async def show_entry(engine: AsyncEngine, prefix: str, ocid: str) -> ShownEntry:
    """``find_entry`` for the API's one-tender route: the same row, read as a tuple by one statement
    in autocommit, on a connection of its own (issue 20).

    Autocommit changes nothing here: the answer is this one statement's, and a statement outside a
    transaction block reads one snapshot, as it did between ``BEGIN`` and ``ROLLBACK``; it sets
    nothing and writes nothing. It spares those two round trips, as the search's pages do
    (``search_page``), and goes to asyncpg directly as they do (``statements.run``). The portal's
    tender pages read more in the same transaction and keep ``find_entry``."""
    local = ocid.startswith(f"{prefix}-")
    statement: Executable = _ONE_TENDER[local]
    async with engine.connect() as database:
        await database.execution_options(isolation_level="AUTOCOMMIT")
        rows = await run(database, statement, {"ocid": local_id_of(prefix, ocid) if local else ocid})
    if not rows:
        raise NotFound(f"no tender {ocid} in the catalogue")
    return ShownEntry._make(rows[0])
