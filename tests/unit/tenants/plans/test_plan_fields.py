"""A plan item's fields judged alone, and import files read into rows named as their files name them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hub.core.errors import InvalidInput
from tenants.plans import PlanItemInput, format_of, parse_item, read_plan_file

ROW: dict[str, Any] = {
    "rup_code": "40123456", "agency_id": "1", "fiscal_year": "2027", "name": "  Jalan   Desa  ",
    "ceiling": "1500000000", "funding_source": "apbd", "budget_line": "5.2.02.01.01.0024",
    "category": "Construction", "method": "tender", "selection_from": "2027-02", "selection_to": "",
    "location": "",
}  # fmt: skip


def test_a_csv_row_of_text_becomes_an_item_and_a_month_its_first_and_last_day() -> None:
    item = parse_item(0, ROW)
    assert isinstance(item, PlanItemInput)
    assert (item.agency_id, item.ceiling, item.name, item.funding_source) == (
        1,
        1_500_000_000,
        "Jalan Desa",
        "APBD",
    )
    assert (item.selection_from, item.selection_to) == (date(2027, 2, 1), date(2027, 2, 28))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rup_code", "RUP-1"), ("rup_code", "1" * 21), ("ceiling", 0), ("ceiling", 1.5), ("ceiling", True),
        ("ceiling", "1.500.000"), ("ceiling", 2**63), ("fiscal_year", 1999), ("funding_source", "DESA"),
        ("budget_line", "5.2..1"), ("budget_line", "5.2.x"), ("category", "jasa"), ("method", "lelang"),
        ("selection_from", "2027-02-30"), ("selection_from", "Februari 2027"), ("name", "AB"),
    ],
)  # fmt: skip
def test_each_bad_value_is_named_by_its_row_and_field(field: str, value: object) -> None:
    faults = parse_item(7, {**ROW, field: value})
    assert isinstance(faults, list)
    assert [(f.index, f.field) for f in faults] == [(7, field)]


def test_a_selection_that_ends_before_it_starts_and_an_unknown_field_are_faults() -> None:
    backwards = parse_item(0, {**ROW, "selection_from": "2027-03-10", "selection_to": "2027-03-01"})
    assert isinstance(backwards, list)
    assert [f.field for f in backwards] == ["selection_to"]
    unknown = parse_item(0, {**ROW, "pagu": "1"})
    assert isinstance(unknown, list)
    assert [f.field for f in unknown] == ["pagu"]


def test_csv_rows_are_named_by_their_line_and_json_items_by_their_number() -> None:
    csv = b'\xef\xbb\xbfrup_code,name\r\n1,Satu\r\n\r\n2,"Dua,\nbaris"\r\n3,Tiga\r\n'
    read = read_plan_file(csv, "csv")
    assert read.labels == ["line 2", "line 4", "line 6"]
    assert read.rows[1] == {"rup_code": "2", "name": "Dua,\nbaris"}
    assert read_plan_file(b'{"items": [{}, {}]}', "json").labels == ["item 1", "item 2"]


def test_a_file_that_cannot_be_read_is_one_error() -> None:
    with pytest.raises(InvalidInput, match="line 3: not as many cells"):
        read_plan_file(b"rup_code,name\n1,Satu\n2\n", "csv")
    with pytest.raises(InvalidInput, match="not JSON"):
        read_plan_file(b"[{", "json")
    with pytest.raises(InvalidInput, match="a list of items"):
        read_plan_file(b'{"rup_code": "1"}', "json")
    with pytest.raises(InvalidInput, match="--format"):
        format_of("rup.xlsx", None)
    assert format_of("rup.txt", "CSV") == "csv"
