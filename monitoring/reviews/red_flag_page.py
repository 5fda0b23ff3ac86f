"""The review page's red flag section, every cell written out: what each indicator means and its
threshold (once), the count per indicator and per LPSE, and each flagged tender with the facts
that raised it and a link to its OCDS record (relative to the hub that serves the page).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from monitoring.reviews.numbers import grouped
from monitoring.reviews.red_flags import Indicator, ReviewFlags, indicators

RECORD = "/api/ocds/records/{}"
"""The OCDS record of one tender (``hub.web.controllers.catalogue``): its releases and compiled state."""


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    ocid: str
    href: str


@dataclass(frozen=True, slots=True)
class FlagRow:
    """One flag: the tender(s), the LPSE, the indicator, why, and the facts that raised it."""

    tenders: tuple[Link, ...]
    tenant: str
    code: str
    name: str
    buyer: str
    explanation_id: str
    explanation: str
    facts: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FlagSection:
    indicators: list[Indicator]
    counts: dict[str, int]  # per indicator code, every indicator (zero included)
    codes: list[str]  # the indicators with a flag: the per-LPSE table's columns
    tenants: list[tuple[str, list[str], int]]  # an LPSE's name, its count per column, its total
    rows: list[FlagRow]

    @property
    def total(self) -> int:
        return len(self.rows)


def flag_section(found: ReviewFlags) -> FlagSection:
    defined = indicators(found.thresholds)
    names = {i.code: i.name for i in defined}
    counted = found.per_indicator()
    codes = [i.code for i in defined if counted[i.code]]
    tenants = [
        (name, [grouped(per[c]) if per[c] else "" for c in codes], sum(per.values()))
        for name, per in sorted(found.per_tenant().items())
    ]
    rows = [
        FlagRow(
            tuple(Link(t.title or t.ocid, t.ocid, RECORD.format(quote(t.ocid, safe=""))) for t in p.tenders),
            p.tenant_name,
            p.flag.code,
            names.get(p.flag.code, p.flag.name),
            p.flag.buyer or "",
            p.flag.explanation_id,
            p.flag.explanation,
            tuple((key, fact(value)) for key, value in p.flag.facts.items() if value not in (None, "")),
        )
        for p in sorted(found.flags, key=lambda p: (p.tenant_name, p.flag.code, p.flag.ocid or ""))
    ]
    return FlagSection(defined, {i.code: counted[i.code] for i in defined}, codes, tenants, rows)


def fact(value: Any) -> str:
    """A fact as a reader takes it in: whole numbers grouped (``1.415.000.000``), a decimal with a
    comma, an organisation by its name, a list joined, a mapping as ``key: value``."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("ya" if value else "tidak")
    if isinstance(value, int | float):
        if float(value).is_integer():
            return grouped(int(value))
        return f"{value:g}".replace(".", ",")
    if isinstance(value, dict):
        if "name" in value:
            return str(value["name"])
        return "; ".join(f"{k}: {fact(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(fact(v) for v in value)
    return str(value)
