"""Searching the catalogue: full text, filters, facets, sorting, keyset pagination.

Text search uses PostgreSQL's ``simple`` configuration (there is no Indonesian stemmer) over the
title, agency, regency and KBLI codes, folded to lower case without accents on both sides. Pages
are keyset-paginated: the cursor carries the last row's sort key and id, so a page costs the same
at any depth and a row added meanwhile never shifts the next page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.models import CatalogueEntry
from federation.catalogue.ocds import fold
from hub.errors import InvalidInput
from tenants.tenders.models import Category, Method

C = CatalogueEntry
SORTS = ("newest", "closing", "budget", "-budget", "relevance")
STATUSES = ("announced", "opened", "awarded", "award_announced", "award_letter", "contracted", "failed",
            "cancelled")  # fmt: skip
FACETS = ("category", "method", "status", "tenant")
MAX_LIMIT = 100
FAR_FUTURE = datetime.fromisoformat("9999-12-31T00:00:00+00:00")
LONG_AGO = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


@dataclass(frozen=True, slots=True)
class CatalogueQuery:
    q: str | None = None
    tenant: str | None = None
    province: str | None = None
    category: str | None = None
    method: str | None = None
    status: str | None = None
    open_now: bool = False
    budget_min: int | None = None
    budget_max: int | None = None
    fiscal_year: int | None = None
    sort: str | None = None
    cursor: str | None = None
    limit: int = 20

    def checked(self) -> CatalogueQuery:
        """Refuse what cannot be a query, naming the parameter."""
        _one_of(self.category, [c.value for c in Category], "category")
        _one_of(self.method, [m.value for m in Method], "method")
        _one_of(self.status, STATUSES, "status")
        _one_of(self.sort, SORTS, "sort")
        if self.sort == "relevance" and not self.terms:
            raise InvalidInput("sort=relevance needs q", field="sort")
        if self.province is not None and not (len(self.province) == 2 and self.province.isdigit()):
            raise InvalidInput(
                "province is a two-digit Kemendagri code (35 for Jawa Timur)", field="province"
            )
        for name in ("budget_min", "budget_max"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidInput(f"{name} cannot be negative", field=name)
        if self.budget_min is not None and self.budget_max is not None and self.budget_min > self.budget_max:
            raise InvalidInput("budget_min is above budget_max", field="budget_min")
        if self.fiscal_year is not None and not 2000 <= self.fiscal_year <= 2100:
            raise InvalidInput("fiscal_year must be a year", field="fiscal_year")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be 1 to {MAX_LIMIT}", field="limit")
        if self.q is not None and len(self.q) > 200:
            raise InvalidInput("q has at most 200 characters", field="q")
        return self

    @property
    def terms(self) -> str:
        return " ".join(fold(self.q or "").split())

    @property
    def order(self) -> str:
        return self.sort or ("relevance" if self.terms else "newest")


def _one_of(value: str | None, allowed: Any, name: str) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(f"unknown {name} {value!r}: use one of {', '.join(allowed)}", field=name)


@dataclass(frozen=True, slots=True)
class CataloguePage:
    entries: list[CatalogueEntry]
    next_cursor: str | None
    facets: dict[str, dict[str, int]]


def _filters(query: CatalogueQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.terms:
        conditions.append(C.search.op("@@")(func.websearch_to_tsquery("simple", query.terms)))
    for column, value in ((C.tenant_slug, query.tenant), (C.province_code, query.province),
                          (C.category, query.category), (C.method, query.method), (C.status, query.status),
                          (C.fiscal_year, query.fiscal_year)):  # fmt: skip
        if value is not None:
            conditions.append(column == value)
    if query.budget_min is not None:
        conditions.append(C.budget >= query.budget_min)
    if query.budget_max is not None:
        conditions.append(C.budget <= query.budget_max)
    if query.open_now:
        now = func.now()
        conditions.append(
            and_(C.status == "announced", C.submission_starts_at <= now, C.submission_ends_at > now)
        )
    return conditions


def _sort_key(query: CatalogueQuery) -> tuple[ColumnElement[Any], bool]:
    """The sort expression and whether it descends (the id follows in the same direction)."""
    match query.order:
        case "relevance":
            return func.ts_rank_cd(C.search, func.websearch_to_tsquery("simple", query.terms)), True
        case "closing":
            return func.coalesce(C.submission_ends_at, literal(FAR_FUTURE)), False
        case "budget":
            return C.budget.expression, False
        case "-budget":
            return C.budget.expression, True
        case _:
            return func.coalesce(C.announced_at, literal(LONG_AGO)), True


def _encode(value: Any, row_id: int) -> str:
    raw = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([raw, row_id]).encode()).decode().rstrip("=")


def _decode(cursor: str, order: str) -> tuple[Any, int]:
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if order in ("newest", "closing"):
            value = datetime.fromisoformat(value)
        elif order == "relevance":
            value = float(value)
        else:
            value = int(value)
        return value, int(row_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "cursor is not one this search gave out (or belongs to another sort)", field="cursor"
        ) from None


async def search_catalogue(session: AsyncSession, query: CatalogueQuery) -> CataloguePage:
    query = query.checked()
    # A search's statements have the same text whatever the words, and each connection prepares them
    # once: after five runs PostgreSQL may keep a generic plan, costed for words of unknown frequency.
    # Seeded by common words, it then scans in parallel for a rare one too (35 ms instead of 2 ms at a
    # million rows; docs/BENCHMARKS.md, issue 6). Planning each search anew costs ~0.3 ms.
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    conditions = _filters(query)
    key, descending = _sort_key(query)
    page: Select[Any] = select(C, key.label("sort_key")).where(*conditions)
    if query.cursor:
        value, row_id = _decode(query.cursor, query.order)
        bound = tuple_(key, C.id)
        page = page.where(bound < (value, row_id) if descending else bound > (value, row_id))
    page = page.order_by(key.desc() if descending else key.asc(), C.id.desc() if descending else C.id.asc())
    rows = (await session.execute(page.limit(query.limit + 1))).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    cursor = _encode(rows[-1].sort_key, rows[-1][0].id) if more and rows else None
    return CataloguePage([r[0] for r in rows], cursor, await _facets(session, conditions))


async def _facets(session: AsyncSession, conditions: list[ColumnElement[bool]]) -> dict[str, dict[str, int]]:
    """Counts over the whole filtered set (not the page), by category, method, status and tenant."""
    columns = {"category": C.category, "method": C.method, "status": C.status, "tenant": C.tenant_slug}
    grouping = func.grouping_sets(*[tuple_(c) for c in columns.values()])
    query = select(*columns.values(), func.count().label("n")).where(*conditions).group_by(grouping)
    facets: dict[str, dict[str, int]] = {name: {} for name in columns}
    for row in await session.execute(query):
        for name in columns:
            value = getattr(row, columns[name].key)
            if value is not None:
                facets[name][value] = row.n
    return facets
