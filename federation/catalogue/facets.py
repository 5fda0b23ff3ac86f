"""How many tenders a search matches, by category, method, status and tenant.

Counting every match costs as much as reading every match: 0.7 s for the whole million-row
catalogue, 0.2 s for a common word (docs/BENCHMARKS.md, issue 6). So, as search engines do
(Elasticsearch's ``track_total_hits``, Algolia's ``exhaustiveFacetsCount``), counts are exact up
to ``EXACT_UP_TO`` matches and estimated beyond:

- **The sample.** Every first page starts with the search's conditions over a fixed sample of
  the table's pages (``TABLESAMPLE SYSTEM`` with a fixed seed, so the same search gives the same
  estimate): a few milliseconds whatever the search. Each count is scaled by the inverse of the
  sampled share and rounded to two significant figures. A catalogue of at most ``SAMPLE_PAGES``
  pages is sampled whole, and its counts are exact.
- **Exact.** When the sample says a search matches at most ``EXACT_UP_TO`` tenders, the first
  ``EXACT_UP_TO + 1`` matches are grouped; if there are no more than ``EXACT_UP_TO`` of them,
  those are every match and the counts are exact (otherwise the sample's estimate stands). The
  work is bounded by the cap, whatever the search.

A search broad enough to pass the cap matches thousands of the sampled rows, so its estimate is
close; a small group in it (one tenant's share of a common word) is rough, and may be missing.
The sample also tells the page how large a share of the table matches (see ``search.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import (
    REAL,
    BigInteger,
    Select,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    tablesample,
    tuple_,
)

from federation.catalogue.models import CatalogueEntry
from federation.catalogue.query import TABLE, CatalogueQuery
from federation.catalogue.statements import WALK, Database, built, run
from hub.core.clock import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)

EXACT_UP_TO = 5_000
EXACT = bindparam("exact_limit", type_=BigInteger)
"""``EXACT_UP_TO + 1``, sent with each count (read when it runs: a test may lower it)."""
SAMPLE_PAGES = 300
"""About 3,600 rows of the catalogue: a few milliseconds to read, filter and group."""
SAMPLE_SEED = 20_061  # any fixed number: the same pages each time
SAMPLED_PERCENT = select(
    func.least(
        100.0,
        100.0
        * SAMPLE_PAGES
        / func.greatest(
            1,
            func.pg_relation_size(literal_column("'hub.catalogue'::regclass"))
            / literal_column("current_setting('block_size')::int"),
        ),
    ).cast(REAL)
)
_PERCENT = SAMPLED_PERCENT.scalar_subquery()  # an InitPlan: computed once, before the scan
_SAMPLED = tablesample(
    CatalogueEntry.__table__, func.system(_PERCENT), name="sampled", seed=literal(SAMPLE_SEED)
).c
"""The sample's columns, built once (an alias made anew adapted each column on first use)."""
FACETS = {"category": "category", "method": "method", "status": "status", "tenant": "tenant_slug"}


@dataclass(frozen=True, slots=True)
class Facets:
    total: int
    exact: bool
    counts: dict[str, dict[str, int]]
    share: float = 1.0
    """The share of the catalogue that matches, as the sample saw it (1.0 when counted exactly)."""

    @property
    def settles(self) -> bool:
        """Whether these are the counts to give, with no exact count to try."""
        return self.exact or self.total > EXACT_UP_TO

    def to_dict(self) -> dict[str, Any]:
        return {"total": {"value": self.total, "exact": self.exact}, "facets": self.counts}


async def sample_facets(session: Database, query: CatalogueQuery) -> Facets:
    """The counts estimated from the sample (exact when the sample is the whole catalogue)."""
    statement = built("sample", query, sample_statement)
    return facets_of_sample(await run(session, statement, query.parameters()))


def sample_statement(query: CatalogueQuery, *more: Any) -> Select[Any]:
    """The sample's counts by facet, with ``more`` columns (a search's first statement adds its plan
    settings and tenant check, each a scalar subquery computed once: ``search.py``). Its rows are
    the facets' columns, the count, then ``seen``, ``percent`` and ``more``; one of them, the grand
    total (every facet null), is there even when nothing matched, and carries ``seen``.

    Only the matches are grouped: grouping a row by four sets cost more than reading and testing it
    (at 30,000 rows, 2-3 ms of the sample's 3-4, the same for a word in a sixth of the rows as for the
    home page). ``seen``, every row the sample drew, is then a scan of the sample of its own (a
    third of a millisecond). With no condition every row matches, and ``seen`` is the grand total."""
    sampled, percent = _SAMPLED, _PERCENT
    conditions = query.conditions(sampled)
    if not conditions:
        return grouping(sampled, func.count(), func.count().label("seen"), percent.label("percent"), *more)
    drawn = tablesample(
        CatalogueEntry.__table__, func.system(percent), name="drawn", seed=literal(SAMPLE_SEED)
    )
    seen = select(func.count()).select_from(drawn).scalar_subquery().label("seen")
    return grouping(sampled, func.count(), seen, percent.label("percent"), *more).where(*conditions)


SEEN, PERCENT = len(FACETS) + 1, len(FACETS) + 2
"""Where a sample's row has ``seen`` and ``percent`` (after the facets' columns and the count)."""


def facets_of_sample(rows: Sequence[Sequence[Any]]) -> Facets:
    """The counts of ``sample_statement``'s rows, scaled to the catalogue."""
    seen, percent_drawn = 0, 100.0
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    for row in rows:
        if all(value is None for value in row[: len(FACETS)]):  # the grand total
            seen, percent_drawn = row[SEEN], row[PERCENT]
        else:
            add_counts(counts, row)
    if not seen:
        # The sample drew no row: an empty catalogue, or one whose few live rows lie outside the
        # sampled pages of a file that deletions left large (until a vacuum). Not an exact zero:
        # the exact count (bounded by the cap) says which.
        return Facets(0, False, counts, 0.0)
    if percent_drawn >= 100.0:
        return Facets(sum(counts["category"].values()), True, counts, _share(counts, seen))
    scale = 100.0 / percent_drawn
    estimated = {
        facet: {v: _rounded(n * scale) for v, n in values.items()} for facet, values in counts.items()
    }
    return Facets(sum(estimated["category"].values()), False, estimated, _share(counts, seen))


async def count_facets(
    session: Database, query: CatalogueQuery, sampled: Facets, walk: bool = False, tokens: bool = False
) -> Facets:
    """Exact counts if the search matches at most ``EXACT_UP_TO`` tenders; else the sample's.

    With ``tokens``, a search without words finds its matches by its filters' tokens in the text
    index (``CatalogueQuery.conditions``), as its page does when the sample says it has few
    (``search._matches_first``): as columns, most of its filters have no index, and counting no
    match of ``category=goods&fiscal_year=2020`` scanned the whole catalogue (300 ms at a million).

    With ``walk``, the count's statement also sets the page's walk (``WALK``), as it runs: after its
    own plan (an exact count reads every match, which bitmaps serve best), before the page's, and
    without a round trip of its own (set as its first row is made: there is always one, the grand
    total's, ``grouping``)."""
    if sampled.settles:
        return sampled
    statement = built("count", query, lambda q: _count_statement(q, walk, tokens), walk, tokens)
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    for row in await run(session, statement, {**query.parameters(), "exact_limit": EXACT_UP_TO + 1}):
        add_counts(counts, row)
    total = sum(counts["category"].values())
    if total > EXACT_UP_TO:
        return Facets(max(sampled.total, EXACT_UP_TO + 1), False, sampled.counts, sampled.share)
    return Facets(total, True, counts, sampled.share)


def _count_statement(query: CatalogueQuery, walk: bool, tokens: bool = False) -> Select[Any]:
    columns = [TABLE[column] for column in FACETS.values()]
    first = select(*columns).where(*query.conditions(tokens=tokens)).limit(EXACT).subquery()
    then = (select(func.concat(*WALK)).scalar_subquery().label("walk"),) if walk else ()
    return grouping(first.c, func.count(), *then)


def grouping(source: Any, matched: Any, *more: Any, total: bool = True) -> Select[Any]:
    """Counts by each facet in one pass: ``GROUP BY GROUPING SETS ((category), (method), ...)``,
    and with ``total`` the grand total, ``()``: a row even when nothing matched."""
    columns = [getattr(source, column) for column in FACETS.values()]
    sets: list[Any] = [tuple_(c) for c in columns] + ([literal_column("()")] if total else [])
    return select(*columns, matched.label("n"), *more).group_by(func.grouping_sets(*sets))


def add_counts(counts: dict[str, dict[str, int]], row: Sequence[Any]) -> None:
    """One row of ``grouping``: the facets' columns (all null but one), then the count."""
    n = row[len(FACETS)]
    if n == 0:
        return
    for facet, value in zip(counts, row, strict=False):
        if value is not None:
            counts[facet][value] = n


def _share(counts: dict[str, dict[str, int]], seen: int) -> float:
    return sum(counts["category"].values()) / seen if seen else 0.0


def _rounded(estimate: float) -> int:
    """Two significant figures: 178,234 is "about 180,000"."""
    whole = round(estimate)
    digits = len(str(whole)) - 2
    return round(whole, -digits) if digits > 0 else whole


Recount = Callable[[CatalogueQuery], Awaitable[Facets]]
"""Counts a search's facets afresh, in a session of its own (``search.recount_facets``)."""


class FacetCache:
    """The sample's counts of recent searches, for ``ttl`` seconds: a search repeated within that
    time (the catalogue's front page, a popular word) skips the sample, as a cursor's page does.

    Past its ``ttl``, a search's counts are still answered when the cache can ``recount``: the stale
    counts go out at once and one recount per search starts in the background (stale while
    revalidating). Counting over a million rows takes 150-200 ms, which every 10 s fell on one
    visitor's request per search and worker, the home page's 95th percentile (docs/BENCHMARKS.md,
    issue 18). Without ``recount`` a stale search is a miss, as before.

    Bounded (least recently used out) and per process; held by the app, never module-wide. The
    counts may be ``ttl`` seconds old by ``clock`` (a little more while a recount runs), like the
    answer itself under its ``max-age``; the rows of the page never are.
    """

    def __init__(
        self, ttl: float = 10.0, size: int = 1024, clock: Clock = SYSTEM_CLOCK, recount: Recount | None = None
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._recount = recount
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, Facets]] = OrderedDict()
        self._recounting: dict[tuple[Any, ...], asyncio.Task[None]] = {}

    @staticmethod
    def key(query: CatalogueQuery) -> tuple[Any, ...]:
        """What the counts depend on: the words and the filters, not the order or the page."""
        ignored = {"sort", "cursor", "limit", "facets", "q"}
        return (query.terms, *(getattr(query, f.name) for f in fields(query) if f.name not in ignored))

    def get(self, query: CatalogueQuery) -> Facets | None:
        """The search's counts if kept (stale ones too, recounted in the background, when the cache
        can recount); ``None`` if it has none to give."""
        key = self.key(query)
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] <= self._clock.monotonic():
            if self._recount is None:
                return None
            if key not in self._recounting:
                self._recounting[key] = asyncio.create_task(self._recounted(key, query), name="facets")
        self._entries.move_to_end(key)
        return found[1]

    async def _recounted(self, key: tuple[Any, ...], query: CatalogueQuery) -> None:
        try:
            assert self._recount is not None
            self.put(query, await self._recount(query))
        except Exception:  # the stale counts stay; the next request that finds them stale tries again
            logger.warning("the facet counts of a search could not be recounted", exc_info=True)
        finally:
            self._recounting.pop(key, None)

    async def recounted(self) -> None:
        """Wait for the recounts under way (for tests, and for shutting down cleanly)."""
        await asyncio.gather(*self._recounting.values(), return_exceptions=True)

    def put(self, query: CatalogueQuery, facets: Facets) -> None:
        key = self.key(query)
        self._entries[key] = (self._clock.monotonic() + self._ttl, facets)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
