"""What a catalogue search asks for, checked, and the SQL conditions it stands for.

Shared by the page (``search.py``) and the counts (``facets.py``), which apply the same conditions
to the catalogue table or to a sample of it. The conditions hold no value: each is a bound parameter
(``parameters``), so a statement built from them serves every search of the same ``shape`` and is
built once (``federation.catalogue.statements``): SQLAlchemy then neither builds it nor walks it for
its cache key again.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, String, and_, bindparam, cast, func, literal_column
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
TABLE = CatalogueEntry.__table__.c
"""The catalogue's columns (Core: a statement of them is executed without the ORM's machinery)."""
EQUALITIES = (("tenant", "tenant_slug", String), ("province", "province_code", String),
              ("category", "category", String), ("method", "method", String), ("status", "status", String),
              ("fiscal_year", "fiscal_year", Integer))  # fmt: skip
"""The equality filters: the query's field, the catalogue's column, the parameter's type."""
TERMS = bindparam("q_terms", type_=String)
TOKENS = bindparam("q_tokens", type_=String)
BUDGET_MIN = bindparam("q_budget_min", type_=BigInteger)
BUDGET_MAX = bindparam("q_budget_max", type_=BigInteger)


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

    def shape(self) -> tuple[Any, ...]:
        """What the statements of this search depend on (which filters it has, its order), not their
        values: searches of one shape share their statements, the values sent as ``parameters``."""
        present = [getattr(self, field) is not None for field, _, _ in EQUALITIES]
        return (self.order, bool(self.terms), self.open_now, self.budget_min is not None,
                self.budget_max is not None, *present)  # fmt: skip

    @property
    def filtered(self) -> bool:
        """Whether the search has a condition (``conditions`` is not empty), without building them:
        ``conditions`` makes SQLAlchemy expressions, a fifth of a served search's Python when it was
        called per search only to ask this (issue 20)."""
        equal = any(getattr(self, field) is not None for field, _, _ in EQUALITIES)
        bounded = self.budget_min is not None or self.budget_max is not None
        return bool(self.terms) or equal or bounded or self.open_now

    def parameters(self) -> dict[str, Any]:
        """The values of the conditions' bound parameters."""
        values: dict[str, Any] = {f"q_{field}": getattr(self, field) for field, _, _ in EQUALITIES}
        tokens = self.filter_tokens()
        values.update(
            q_terms=self.terms,
            q_tokens=" & ".join(f"'{t}'" for t in tokens),
            q_budget_min=self.budget_min,
            q_budget_max=self.budget_max,
        )
        return values

    def text_query(self) -> ColumnElement[Any]:
        """The words, as a tsquery: what relevance ranks. Stemmed as the search vector's words are,
        after the same abbreviations are written out (``hub.catalogue_words``, migration h0017)."""
        return func.websearch_to_tsquery(INDONESIAN, func.hub.catalogue_words(TERMS))

    def filter_tokens(self) -> list[str]:
        """The search vector's tokens for this query's equality filters (none a user can type:
        the text parser splits on ``~``). Only a checked query's: its tenant is a slug."""
        values = (("t", self.tenant), ("p", self.province), ("c", self.category), ("m", self.method),
                  ("s", self.status), ("y", self.fiscal_year))  # fmt: skip
        return [f"~{prefix}{value}" for prefix, value in values if value is not None]

    def match_query(self) -> ColumnElement[Any]:
        """The words and the filter tokens: the text index alone then finds a filtered search's rows."""
        if not self.filter_tokens():
            return self.text_query()
        return self.text_query().op("&&")(cast(TOKENS, TSQUERY))

    def conditions(self, table: Any = TABLE, tokens: bool = False) -> list[ColumnElement[bool]]:
        """The query's filters over ``table``'s columns: the catalogue's, or a sample's. With
        ``tokens``, a search without words tests its equality filters by their tokens in the search
        vector, as a search with words always does: the text index then finds its rows (the
        category, method, status and year have no index of their own)."""
        found: list[ColumnElement[bool]] = []
        equal = [(table[column], field, kind) for field, column, kind in EQUALITIES]
        by_tokens = bool(self.terms) or (tokens and bool(self.filter_tokens()))
        if self.terms:
            # The filter tokens stand for the equalities (the search vector is generated from the
            # same columns): said twice, PostgreSQL ANDs the text index with a btree's bitmap of
            # every row of the province or tenant, 10-16 ms at a million rows for nothing.
            found.append(table.search.op("@@")(self.match_query()))
        elif by_tokens:
            found.append(table.search.op("@@")(cast(TOKENS, TSQUERY)))
        for column, field, kind in equal:
            if getattr(self, field) is not None and not by_tokens:
                found.append(column == bindparam(f"q_{field}", type_=kind))
        if self.budget_min is not None:
            found.append(table.budget >= BUDGET_MIN)
        if self.budget_max is not None:
            found.append(table.budget <= BUDGET_MAX)
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
