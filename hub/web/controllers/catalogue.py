"""The public catalogue of every tenant's tenders, its OCDS publication, and the change feed (releases
and signed audit checkpoints).

Public and anonymous: rate-limited per client address (see ``hub/web/app.py``) and cached with ETags,
so a follower polling an unchanged page gets ``304 Not Modified`` and no body. Each body is encoded
here, once, to hash its bytes into the ETag; its struct (``hub.web.schemas.catalogue``) is declared
as the route's ``200`` so that the OpenAPI document describes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.feed import CHECKPOINT, RELEASE, read_feed
from federation.catalogue.flagged import RedFlagQuery, checked_thresholds, flagged
from federation.catalogue.query import CatalogueQuery
from federation.catalogue.records import record_package, release_package, releases_of
from federation.catalogue.red_flags import CHECKS
from federation.catalogue.search import search_page, show_entry
from hub.core.errors import InvalidInput, NotFound
from hub.web.openapi import problem_responses
from hub.web.schemas.catalogue import (
    CatalogueEntryView,
    FeedPageView,
    RecordPackageView,
    RedFlagsView,
    ReleasePackageView,
    SearchPageView,
    feed_entry_view,
)

_ENCODER = msgspec.json.Encoder(order="deterministic")
"""Dict keys sorted (a facet's counts come in no set order), so equal pages hash to equal ETags."""

NOT_MODIFIED = ResponseSpec(
    None,
    description="Not modified: the `If-None-Match` sent holds this page's ETag (strong or weak, alone or "
    "in a list) or is `*`. No body.",
)


def answers(body: type[msgspec.Struct], *problems: int) -> dict[int, ResponseSpec]:
    """The responses of a cached route: ``body`` with its ETag, 304, and the problems it can give
    (429 on every one: the rate limit)."""
    ok = ResponseSpec(
        body,
        description="With a strong `ETag` and `Cache-Control: public, max-age=5`; send the ETag back "
        "as `If-None-Match` to be answered 304 while the page is unchanged.",
        generate_examples=False,
    )
    return {200: ok, 304: NOT_MODIFIED, **problem_responses(*problems, 429)}


def cached(request: Request[Any, Any, State], body: msgspec.Struct) -> Response[bytes]:
    """JSON with a strong ETag over its bytes (sent as they are: no content coding changes them);
    ``304`` when the client has those bytes already."""
    data = _ENCODER.encode(body)
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=5"}
    if not_modified(request.headers.getall("if-none-match", []), etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


_OPAQUE_TAG = re.compile(r'(?:W/)?("[\x21\x23-\x7e\x80-\xff]*")')
"""An entity tag (RFC 9110, 8.8.3), capturing its opaque part: a tag may hold a comma, so a list of them
is matched tag by tag, not split on commas. (Werkzeug's ``parse_etags`` does this too, but the hub does
not depend on Werkzeug, and the grammar is this one expression.)"""


def not_modified(if_none_match: list[str], etag: str) -> bool:
    """RFC 9110, 13.1.2: the condition ``If-None-Match`` (every field line of it) is false, so a GET is
    answered ``304``, when it is ``*`` (this representation exists) or lists a tag that matches
    ``etag`` by weak comparison: their opaque parts are equal, whether either is weak (``W/``) or not."""
    if any(line.strip() == "*" for line in if_none_match):
        return True
    return any(etag == tag for line in if_none_match for tag in _OPAQUE_TAG.findall(line))


def _link(request: Request[Any, Any, State], **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
    return f"{str(request.base_url).rstrip('/')}{request.url.path}?{query}"


OPEN = QueryParameter(description="Only tenders taking bids now.")
RUPIAH = QueryParameter(ge=0, le=2**63 - 1, description="The budget (pagu) bound, whole rupiah.")
AFTER = QueryParameter(
    description="The `next` cursor of the previous page, or an entry's `cursor` to resume right after it; "
    "from the start if absent. A cursor beyond the feed's head (never given out) is a 400."
)
Kind = Literal["release", "audit.checkpoint"]
KIND = QueryParameter(
    description=f"Only entries of this kind: `{RELEASE}` (a tender's change with its OCDS release) or "
    f"`{CHECKPOINT}` (a signed audit chain head); every kind if absent. The cursor is the same."
)


SINCE = QueryParameter(
    name="from", description="Only tenders announced on or after this date (YYYY-MM-DD, UTC)."
)
UNTIL = QueryParameter(
    name="to",
    description="Only tenders announced on or before this date (YYYY-MM-DD, UTC); H07 is judged on it.",
)
INDICATOR = QueryParameter(description=f"Only this indicator: one of {', '.join(CHECKS)}.")
BUYER = QueryParameter(description="Only this buyer: its OCDS id (`ID-SATKER-...`) or its exact name.")
FLAGS_PER_PAGE, MAX_FLAGS_PER_PAGE, MAX_FLAG_OFFSET = 1_000, 10_000, 2**31 - 1
FLAG_LIMIT = QueryParameter(description=f"Flags per page, 1 to {MAX_FLAGS_PER_PAGE}.")
FLAG_OFFSET = QueryParameter(description="Flags to skip: `offset + limit` of the previous page for the next.")


class CatalogueController(Controller):
    path = "/api"
    tags = ["catalogue"]  # noqa: RUF012

    @get(
        "/catalogue",
        summary="Search every tenant's public tenders: text, filters, facets, pages",
        responses=answers(SearchPageView, 400),
    )
    async def search(
        self,
        request: Request[Any, Any, State],
        state: State,
        q: FromQuery[str | None] = None,
        tenant: FromQuery[str | None] = None,
        province: FromQuery[str | None] = None,
        category: FromQuery[str | None] = None,
        method: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        open: Annotated[bool, OPEN] = False,  # named as the URL spells it: validation errors name it
        budget_min: Annotated[int | None, RUPIAH] = None,
        budget_max: Annotated[int | None, RUPIAH] = None,
        fiscal_year: FromQuery[int | None] = None,
        sort: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = 20,
        facets: FromQuery[bool] = True,
    ) -> Response[bytes]:
        query = CatalogueQuery(
            q,
            tenant,
            province,
            category,
            method,
            status,
            open,
            budget_min,
            budget_max,
            fiscal_year,
            sort,
            cursor,
            limit,
            facets,
        )
        page = await search_page(state.engine, query, state.facet_cache)
        now = datetime.now(UTC)
        view = SearchPageView.of(page.entries, page.facets, page.next_cursor, state.ocid_prefix, now)
        return cached(request, view)

    @get(
        "/catalogue/{ocid:str}",
        summary="One tender of the catalogue",
        responses=answers(CatalogueEntryView, 404),
    )
    async def show(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        state: State,
    ) -> Response[bytes]:
        entry = await show_entry(state.engine, state.ocid_prefix, ocid)
        return cached(request, CatalogueEntryView.of(entry, state.ocid_prefix, datetime.now(UTC)))

    @get(
        "/feed",
        summary="Every public change and signed audit checkpoint after a cursor; never skips one",
        responses=answers(FeedPageView, 400),
    )
    async def feed(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        after: Annotated[str | None, AFTER] = None,
        limit: FromQuery[int] = 100,
        kind: Annotated[Kind | None, KIND] = None,
    ) -> Response[bytes]:
        page = await read_feed(db_session, after, limit, kind)
        entries = [feed_entry_view(e, state.ocid_prefix) for e in page.entries]
        return cached(request, FeedPageView(entries, page.next_cursor))

    @get(
        "/ocds/releases",
        summary="OCDS release package of every published change, paginated",
        description="Releases in feed order after `after`, with `links.next` on every page: the cursor "
        "after its last release, where a harvester resumes later. Nothing after the cursor yet (past the "
        "end, or a hub with no release): `404` problem, since a release package holds at least one "
        "release; ask the same URL again later.",
        responses=answers(ReleasePackageView, 400, 404),
    )
    async def releases(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        after: Annotated[str | None, AFTER] = None,
        limit: FromQuery[int] = 100,
    ) -> Response[bytes]:
        page = await read_feed(db_session, after, limit, RELEASE)
        prefix: str = state.ocid_prefix
        releases = [e.published(prefix) for e in page.releases]
        if not releases:
            raise NotFound("no release after this cursor yet: ask the same URL again later")
        next_uri = _link(request, after=page.next_cursor, limit=limit)  # more may always come
        uri = _link(request, after=after, limit=limit)
        package = release_package(releases, uri, page.releases[-1].created_at, next_uri)
        return cached(request, msgspec.convert(package, ReleasePackageView))

    @get(
        "/ocds/records/{ocid:str}",
        summary="OCDS record package of one tender: releases and compiled",
        responses=answers(RecordPackageView, 404),
    )
    async def record(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Response[bytes]:
        releases = await releases_of(db_session, state.ocid_prefix, ocid)
        published = datetime.fromisoformat(releases[-1]["date"])
        package = record_package(releases, str(request.url), published)
        return cached(request, msgspec.convert(package, RecordPackageView))

    @get(
        "/red-flags",
        summary="Red flags (procurement risk indicators) of the published tenders, each explained",
        description="Computed from each tender's compiled OCDS release (see the README's red flags "
        "section for each indicator's definition, default threshold and source). A threshold given as a "
        "parameter replaces its default. H07 (a contract past its end) is judged on `to` when given, "
        "else on the database's current date (`as_of` in the answer).",
        responses=answers(RedFlagsView, 400),
    )
    async def red_flags(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        province: FromQuery[str | None] = None,
        tenant: FromQuery[str | None] = None,
        buyer: Annotated[str | None, BUYER] = None,
        indicator: Annotated[str | None, INDICATOR] = None,
        since: Annotated[str | None, SINCE] = None,
        until: Annotated[str | None, UNTIL] = None,
        short_submission_days: FromQuery[int | None] = None,
        estimate_ratio: FromQuery[float | None] = None,
        dominance_share: FromQuery[float | None] = None,
        late_amendment_days: FromQuery[float | None] = None,
        overdue_grace_days: FromQuery[int | None] = None,
        limit: Annotated[int, FLAG_LIMIT] = FLAGS_PER_PAGE,
        offset: Annotated[int, FLAG_OFFSET] = 0,
    ) -> Response[bytes]:
        if not 1 <= limit <= MAX_FLAGS_PER_PAGE:
            raise InvalidInput(f"limit is 1 to {MAX_FLAGS_PER_PAGE}", field="limit")
        if not 0 <= offset <= MAX_FLAG_OFFSET:
            raise InvalidInput(f"offset is 0 to {MAX_FLAG_OFFSET}", field="offset")
        query = RedFlagQuery(province, tenant, buyer, indicator, since, until)
        thresholds = checked_thresholds(
            short_submission_days=short_submission_days,
            estimate_ratio=estimate_ratio,
            dominance_share=dominance_share,
            late_amendment_days=late_amendment_days,
            overdue_grace_days=overdue_grace_days,
        )
        found = await flagged(db_session, state.ocid_prefix, query, thresholds)
        counts: dict[str, int] = dict.fromkeys(CHECKS, 0)
        for flag in found.flags:
            counts[flag.code] += 1
        view = {
            "flags": [f.to_dict() for f in found.flags[offset : offset + limit]],
            "total": len(found.flags),
            "counts": counts,
            "offset": offset,
            "limit": limit,
            "tenders": found.tenders,
            "thresholds": dataclasses.asdict(thresholds),
            "as_of": found.as_of.isoformat(),
        }
        return cached(request, msgspec.convert(view, RedFlagsView))
