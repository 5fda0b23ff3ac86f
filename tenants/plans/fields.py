"""One plan item as sent (a row of an import file, an item of the API's list), checked field by field.

Every rule a single item can be judged by alone is here; what needs the tenant's data (the agency
exists, the ceiling covers the packages already under the item) is ``tenants.plans.recording``'s.
A row is judged whole: all its faults are reported, not the first only, so a file is mended in one
pass. Values may come as JSON numbers or as the text a CSV cell holds (``"1500000000"``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from hub.core.errors import RowError
from tenants.vocabulary import Category, FundingSource, Method

FIELDS = (
    "rup_code",
    "agency_id",
    "fiscal_year",
    "name",
    "ceiling",
    "funding_source",
    "budget_line",
    "category",
    "method",
    "selection_from",
    "selection_to",
    "location",
)
"""The fields of an item, in the order of the import file's columns (README, "Plans (RUP)")."""
OPTIONAL = frozenset({"selection_to", "location"})
MAX_RUPIAH = 2**63 - 1  # BIGINT

_RUP_CODE = re.compile(r"[0-9]{1,20}")
_BUDGET_LINE = re.compile(r"[0-9]+(\.[0-9]+)*")  # a DPA account code: 5.2.02.01.01.0024
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True, slots=True)
class PlanItemInput:
    """A plan item (paket RUP) as its sender states it, every field checked."""

    rup_code: str  # kode RUP
    agency_id: int  # satker
    fiscal_year: int  # tahun anggaran
    name: str
    ceiling: int  # pagu, whole rupiah
    funding_source: str  # sumber dana
    budget_line: str  # kode rekening (DPA)
    category: str  # jenis pengadaan
    method: str  # metode pemilihan
    selection_from: date  # waktu pemilihan: first day
    selection_to: date  # and last day
    location: str = ""

    def content(self) -> dict[str, Any]:
        """Its fields as plain JSON (dates as ISO text): what the audit chain records."""
        values = asdict(self)
        values["selection_from"] = self.selection_from.isoformat()
        values["selection_to"] = self.selection_to.isoformat()
        return values


class _Faults:
    """The faults of one row, collected as it is read."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.found: list[RowError] = []

    def add(self, name: str, detail: str) -> None:
        self.found.append(RowError(self.index, name, detail))


def parse_item(index: int, raw: Mapping[str, Any]) -> PlanItemInput | list[RowError]:
    """The item of ``raw`` (the ``index``-th of its batch), or every fault found in it."""
    faults = _Faults(index)
    for name in sorted(set(raw) - set(FIELDS)):
        faults.add(str(name), f"unknown field {name!r}: the fields are {', '.join(FIELDS)}")
    for name in FIELDS:
        if name not in OPTIONAL and _blank(raw.get(name)):
            faults.add(name, "missing")
    if faults.found:
        return faults.found
    values: dict[str, Any] = {
        "rup_code": _text_matching(faults, raw, "rup_code", _RUP_CODE, "a SiRUP code: 1 to 20 digits"),
        "agency_id": _whole(faults, raw, "agency_id", 1, MAX_RUPIAH, "an agency's id in this tenant"),
        "fiscal_year": _whole(faults, raw, "fiscal_year", 2000, 2100, "a year (2000 to 2100)"),
        "name": _name(faults, raw),
        "ceiling": _whole(faults, raw, "ceiling", 1, MAX_RUPIAH, "a positive whole number of rupiah"),
        "funding_source": _choice(faults, raw, "funding_source", FundingSource, upper=True),
        "budget_line": _text_matching(
            faults,
            raw,
            "budget_line",
            _BUDGET_LINE,
            "a DPA account code of dotted digits (5.2.02.01.01.0024)",
        ),
        "category": _choice(faults, raw, "category", Category),
        "method": _choice(faults, raw, "method", Method),
        "location": " ".join(str(raw.get("location") or "").split()),
    }
    values["selection_from"], values["selection_to"] = _selection(faults, raw)
    if len(values["location"]) > 500:
        faults.add("location", "at most 500 characters")
    if faults.found:
        return faults.found
    return PlanItemInput(**values)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text_matching(
    faults: _Faults, raw: Mapping[str, Any], name: str, form: re.Pattern[str], what: str
) -> str:
    value = raw[name]
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if len(text) > 100 or not form.fullmatch(text):
        faults.add(name, f"must be {what}")
    return text


def _whole(faults: _Faults, raw: Mapping[str, Any], name: str, low: int, high: int, what: str) -> int:
    value = raw[name]
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 19:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        faults.add(name, f"must be {what}")
        return 0
    return value


def _name(faults: _Faults, raw: Mapping[str, Any]) -> str:
    name = " ".join(str(raw["name"]).split())
    if not 3 <= len(name) <= 300:
        faults.add("name", "needs 3 to 300 characters")
    return name


def _choice(
    faults: _Faults,
    raw: Mapping[str, Any],
    name: str,
    allowed: type[Category] | type[Method] | type[FundingSource],
    *,
    upper: bool = False,
) -> str:
    text = str(raw[name]).strip()
    try:
        return allowed(text.upper() if upper else text.lower()).value
    except ValueError:
        faults.add(name, f"unknown {name} {text!r}: use one of {', '.join(c.value for c in allowed)}")
        return ""


def _selection(faults: _Faults, raw: Mapping[str, Any]) -> tuple[date, date]:
    """The planned selection time: two dates, or a month (``YYYY-MM``, as SiRUP publishes it) that
    stands for its first day (``selection_from``) or its last (``selection_to``; when left out, the
    last day of ``selection_from``'s month)."""
    start = _day(faults, "selection_from", raw["selection_from"], last=False)
    end_raw = raw.get("selection_to")
    if _blank(end_raw):
        if start is None:  # its fault is named already
            return date.min, date.min
        end_raw = raw["selection_from"]
    end = _day(faults, "selection_to", end_raw, last=True)
    if start and end and start > end:
        faults.add("selection_to", "the selection cannot end before it starts")
    return start or date.min, end or date.min


def _day(faults: _Faults, name: str, value: object, *, last: bool) -> date | None:
    text = str(value).strip()
    month = _MONTH.fullmatch(text)
    try:
        if month:
            year, number = int(month[1]), int(month[2])
            return date(year, number, calendar.monthrange(year, number)[1] if last else 1)
        return date.fromisoformat(text) if len(text) == 10 else _bad(text)
    except ValueError:
        faults.add(name, f"{text!r} is not a date (YYYY-MM-DD) nor a month (YYYY-MM)")
        return None


def _bad(text: str) -> date:
    raise ValueError(text)
