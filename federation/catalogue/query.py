"""What a catalogue search asks for, checked, and the SQL conditions it stands for.

Shared by the page (``search.py``) and the counts (``facets.py``), which apply the same conditions
to the catalogue table or to a sample of it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, cast, func, literal_column
from sqlalchemy.dialects.postgresql import TSQUERY

from federation.catalogue.models import CatalogueEntry
from federation.catalogue.ocds import fold
from hub.core.errors import InvalidInput
from tenants.vocabulary import Category, Method

SORTS = ("newest", "closing", "budget", "-budget", "relevance")
STATUSES = ("announced", "opened", "awarded", "award_announced", "award_letter", "contracted", "failed",
            "cancelled")  # fmt: skip
MAX_LIMIT = 100
SLUG = re.compile(r"[a-z0-9:-]{1,64}")
INDONESIAN: ColumnElement[Any] = literal_column("'indonesian'::regconfig")
"""PostgreSQL's snowball stemmer for Indonesian: "jalanan" and "perjalanan" are "jalan"."""


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
    facets: bool = True
    """Count the matches by facet; done on the first page only (a cursor's page has them already)."""

    def checked(self) -> CatalogueQuery:
        """Refuse what cannot be a query, naming the parameter as the URL spells it."""
        if self.tenant is not None and not SLUG.fullmatch(self.tenant):
            raise InvalidInput(f"unknown tenant {self.tenant!r}: use a tenant's slug", field="tenant")
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
        """By relevance when there are words, newest first when there are none, unless asked otherwise."""
        return self.sort or ("relevance" if self.terms else "newest")

    def fingerprint(self) -> str:
        """What a page's rows depend on (the words, the filters, the order; not the page size),
        hashed: a cursor carries it, and is refused with another search."""
        ignored = {"q", "sort", "cursor", "limit", "facets"}
        filters = [getattr(self, f) for f in self.__dataclass_fields__ if f not in ignored]
        asked = [self.terms, self.order, *filters]
        return hashlib.sha256(json.dumps(asked).encode()).hexdigest()[:16]

    def text_query(self) -> ColumnElement[Any]:
        """The words, as a tsquery: what relevance ranks. Stemmed as the search vector's words are,
        after the same abbreviations are written out (``hub.catalogue_words``, migration h0017)."""
        return func.websearch_to_tsquery(INDONESIAN, func.hub.catalogue_words(self.terms))

    def filter_tokens(self) -> list[str]:
        """The search vector's tokens for this query's equality filters (none a user can type:
        the text parser splits on ``~``). Only a checked query's: its tenant is a slug."""
        values = (("t", self.tenant), ("p", self.province), ("c", self.category), ("m", self.method),
                  ("s", self.status), ("y", self.fiscal_year))  # fmt: skip
        return [f"~{prefix}{value}" for prefix, value in values if value is not None]

    def match_query(self) -> ColumnElement[Any]:
        """The words and the filter tokens: the text index alone then finds a filtered search's rows."""
        tokens = self.filter_tokens()
        if not tokens:
            return self.text_query()
        required = cast(" & ".join(f"'{t}'" for t in tokens), TSQUERY)
        return self.text_query().op("&&")(required)

    def conditions(self, table: Any = CatalogueEntry) -> list[ColumnElement[bool]]:
        """The query's filters over ``table``: the catalogue, or an alias of it (a sample, a window)."""
        found: list[ColumnElement[bool]] = []
        equal = ((table.tenant_slug, self.tenant), (table.province_code, self.province),
                 (table.category, self.category), (table.method, self.method),
                 (table.status, self.status), (table.fiscal_year, self.fiscal_year))  # fmt: skip
        if self.terms:
            # The filter tokens stand for the equalities (the search vector is generated from the
            # same columns): said twice, PostgreSQL ANDs the text index with a btree's bitmap of
            # every row of the province or tenant, 10-16 ms at a million rows for nothing.
            found.append(table.search.op("@@")(self.match_query()))
        for column, value in equal:
            if value is not None and not self.terms:
                found.append(column == value)
        if self.budget_min is not None:
            found.append(table.budget >= self.budget_min)
        if self.budget_max is not None:
            found.append(table.budget <= self.budget_max)
        if self.open_now:
            now = func.now()
            found.append(
                and_(
                    table.status == "announced",
                    table.submission_starts_at <= now,
                    table.submission_ends_at > now,
                )
            )
        return found


def _one_of(value: str | None, allowed: Any, name: str) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(f"unknown {name} {value!r}: use one of {', '.join(allowed)}", field=name)
