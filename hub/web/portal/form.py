"""The home page's search form, read from its query string, and the links that keep it.

A browser sends every field of a GET form, empty or not (``tenant=&budget_min=``): an empty field
means "any", not a value to check. What remains is checked by ``CatalogueQuery`` as the API's
parameters are, so a bad value is refused naming the field (a budget of "sejuta" included).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import Markup

from federation.catalogue.query import CatalogueQuery
from hub.core.errors import InvalidInput


def regency_options(tenants: tuple[tuple[str, str], ...], selected: str | None) -> Markup:
    """The ``<option>``s of the search form's regency field for ``tenants`` (slug, name), with
    ``selected`` chosen. The list is rendered once per set of tenants (a hub of 514 spent a fifth of
    its home page's time escaping the same names again); the choice is marked on the copy."""
    options = _options(tenants)
    if selected and (chosen := Markup('<option value="{}">').format(selected)) in options:
        return Markup(options.replace(chosen, Markup('<option value="{}" selected>').format(selected), 1))
    return options


@functools.lru_cache(maxsize=4)
def _options(tenants: tuple[tuple[str, str], ...]) -> Markup:
    return Markup("").join(
        Markup('<option value="{}">{}</option>').format(slug, name) for slug, name in tenants
    )


FIELDS = ("q", "tenant", "category", "method", "open", "budget_min", "budget_max")
PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class SearchForm:
    """The fields as the visitor filled them in (shown back in the form) and the query they ask."""

    values: dict[str, str]
    query: CatalogueQuery

    @property
    def searched(self) -> bool:
        """Whether any field was filled in: the page then leads with the results."""
        return any(self.values.values())

    def with_field(self, name: str, value: str) -> str:
        """This search narrowed to ``value`` of ``name`` (a facet's link), from its first page."""
        return "/?" + urlencode({**{k: v for k, v in self.values.items() if v}, name: value})

    @property
    def first_link(self) -> str:
        """This search's first page."""
        filled = {k: v for k, v in self.values.items() if v}
        return "/?" + urlencode(filled) if filled else "/"

    def next_link(self, cursor: str) -> str:
        """The next page's address: the same fields and the cursor (a cursor is tied to its search)."""
        return "/?" + urlencode({**{k: v for k, v in self.values.items() if v}, "cursor": cursor})


def _rupiah(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name, "").strip().replace(".", "")  # "1.000.000" as Indonesians write it
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidInput(f"{name} is a whole number of rupiah", field=name)
    return int(raw)


def search_form(params: Mapping[str, str]) -> SearchForm:
    """The form's fields from the query string; ``InvalidInput`` for a field that cannot be one."""
    values = {name: params.get(name, "").strip() for name in FIELDS}
    query = CatalogueQuery(
        q=values["q"] or None,
        tenant=values["tenant"] or None,
        category=values["category"] or None,
        method=values["method"] or None,
        open_now=values["open"] not in ("", "0", "false"),
        budget_min=_rupiah(params, "budget_min"),
        budget_max=_rupiah(params, "budget_max"),
        cursor=params.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    return SearchForm(values, query.checked())
