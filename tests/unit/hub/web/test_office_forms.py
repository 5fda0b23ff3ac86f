"""The office's form fields read as the services take them, or refused naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from hub.core.errors import InvalidInput
from hub.web.portal.office_forms import codes, day, rupiah_field, whole


def test_rupiah_is_read_as_people_write_it() -> None:
    assert rupiah_field("1.250.000.000", "budget") == 1_250_000_000
    assert rupiah_field(" 950000000 ", "value") == 950_000_000
    assert whole("2026", "fiscal_year") == 2026


@pytest.mark.parametrize("raw", ["", "satu miliar", "1,5", "-100", "1" * 19])
def test_what_is_not_a_whole_number_is_refused_by_its_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        rupiah_field(raw, "owner_estimate")
    assert refused.value.field == "owner_estimate"
    assert "whole number of rupiah" in refused.value.detail


def test_dates_and_codes() -> None:
    assert day("2026-12-31", "ends_on") == date(2026, 12, 31)
    with pytest.raises(InvalidInput) as refused:
        day("31/12/2026", "ends_on")
    assert refused.value.field == "ends_on"
    assert codes("41012, 43290 42101,") == ["41012", "43290", "42101"]
    assert codes("  ") == []
