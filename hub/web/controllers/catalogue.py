"""The public catalogue of every tenant's tenders, its OCDS publication, and the change feed.

Public and anonymous: rate-limited per client address (see ``hub/web/app.py``) and cached with ETags,
so a follower polling an unchanged page gets ``304 Not Modified`` and no body.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.feed import read_feed
from federation.catalogue.models import LOCAL, CatalogueEntry
from federation.catalogue.query import CatalogueQuery
from federation.catalogue.records import (
    local_id_of,
    public_ocid,
    record_package,
    release_package,
    releases_of,
)
from federation.catalogue.search import search_catalogue
from hub.core.errors import NotFound


def cached(request: Request[Any, Any, State], body: Any) -> Response[bytes]:
    """JSON with a strong ETag over its bytes; ``304`` when the client has those bytes already."""
    data = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str).encode()
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=5"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(b"", status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


def stage_now(entry: CatalogueEntry, now: datetime) -> str:
    """Before the opening the stage moves with the clock, not with a change: read it off the dates."""
    if entry.status != "announced" or entry.submission_starts_at is None or entry.submission_ends_at is None:
        return entry.stage
    if now < entry.submission_starts_at:
        return "announcement"
    return "bid_submission" if now < entry.submission_ends_at else "bid_opening"


def entry_view(entry: CatalogueEntry, prefix: str) -> dict[str, Any]:
    ocid = public_ocid(prefix, entry.ocid) if entry.origin == LOCAL else entry.ocid
    return {
        "ocid": ocid,
        "origin": entry.origin or None,
        "tenant": {"slug": entry.tenant_slug, "code": entry.tenant_code, "name": entry.tenant_name},
        "province": entry.province_code,
        "tender_id": entry.tender_id,
        "title": entry.title,
        "agency": entry.agency,
        "category": entry.category,
        "method": entry.method,
        "evaluation": entry.evaluation,
        "fiscal_year": entry.fiscal_year,
        "budget": entry.budget,
        "owner_estimate": entry.owner_estimate,
        "kbli": list(entry.kbli),
        "status": entry.status,
        "stage": stage_now(entry, datetime.now(UTC)),
        "announced_at": entry.announced_at,
        "submission_starts_at": entry.submission_starts_at,
        "submission_ends_at": entry.submission_ends_at,
        "opened_at": entry.opened_at,
        "awarded_at": entry.awarded_at,
        "bidders": entry.bidders,
        "winner": entry.winner,
        "award_value": entry.award_value,
        "contract_value": entry.contract_value,
        "contract_signed_on": entry.contract_signed_on,
    }


def _link(request: Request[Any, Any, State], **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
    return f"{str(request.base_url).rstrip('/')}{request.url.path}?{query}"


class CatalogueController(Controller):
    path = "/api"
    tags = ["catalogue"]  # noqa: RUF012

    @get("/catalogue", summary="Search every tenant's public tenders: text, filters, facets, pages")
    async def search(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        q: FromQuery[str | None] = None,
        tenant: FromQuery[str | None] = None,
        province: FromQuery[str | None] = None,
        category: FromQuery[str | None] = None,
        method: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        open_now: Annotated[bool, QueryParameter(name="open")] = False,
        budget_min: FromQuery[int | None] = None,
        budget_max: FromQuery[int | None] = None,
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
            open_now,
            budget_min,
            budget_max,
            fiscal_year,
            sort,
            cursor,
            limit,
            facets,
        )
        page = await search_catalogue(db_session, query, state.facet_cache)
        counted = page.facets.to_dict() if page.facets else {"total": None, "facets": None}
        return cached(
            request,
            {
                "results": [entry_view(e, state.ocid_prefix) for e in page.entries],
                **counted,
                "next_cursor": page.next_cursor,
            },
        )

    @get("/catalogue/{ocid:str}", summary="One tender of the catalogue")
    async def show(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Response[bytes]:
        prefix: str = state.ocid_prefix
        local = ocid.startswith(f"{prefix}-")
        entry = await db_session.scalar(
            select(CatalogueEntry).where(
                CatalogueEntry.origin == LOCAL if local else CatalogueEntry.origin != LOCAL,
                CatalogueEntry.ocid == (local_id_of(prefix, ocid) if local else ocid),
            )
        )
        if entry is None:
            raise NotFound(f"no tender {ocid} in the catalogue")
        return cached(request, entry_view(entry, prefix))

    @get("/feed", summary="Every public change after a cursor, with its OCDS release; never skips one")
    async def feed(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        after: FromQuery[str | None] = None,
        limit: FromQuery[int] = 100,
    ) -> Response[bytes]:
        page = await read_feed(db_session, after, limit)
        prefix: str = state.ocid_prefix
        entries = [
            {"ocid": public_ocid(prefix, e.ocid), "tags": e.tags, "release": e.published(prefix)}
            for e in page.entries
        ]
        return cached(request, {"entries": entries, "next": page.next_cursor})

    @get("/ocds/releases", summary="OCDS release package of every published change, paginated")
    async def releases(
        self,
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        after: FromQuery[str | None] = None,
        limit: FromQuery[int] = 100,
    ) -> Response[bytes]:
        page = await read_feed(db_session, after, limit)
        prefix: str = state.ocid_prefix
        releases = [e.published(prefix) for e in page.entries]
        next_uri = _link(request, after=page.next_cursor, limit=limit) if len(page.entries) == limit else None
        uri = _link(request, after=after, limit=limit)
        published = page.entries[-1].created_at if page.entries else datetime(1970, 1, 1, tzinfo=UTC)
        return cached(request, release_package(releases, uri, published, next_uri))

    @get("/ocds/records/{ocid:str}", summary="OCDS record package of one tender: releases and compiled")
    async def record(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Response[bytes]:
        releases = await releases_of(db_session, state.ocid_prefix, ocid)
        published = datetime.fromisoformat(releases[-1]["date"])
        return cached(request, record_package(releases, str(request.url), published))
