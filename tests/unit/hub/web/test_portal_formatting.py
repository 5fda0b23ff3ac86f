"""The portal writes money, dates and times as Indonesians do, each tender's in its own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from hub.web.portal.formatting import (
    DASH,
    compact_rupiah,
    local_time,
    long_date,
    parse_moment,
    percent,
    rupiah,
    zone_name,
)


def test_rupiah_is_written_in_full_with_points_between_thousands() -> None:
    assert rupiah(1_250_000_000) == "Rp1.250.000.000"
    assert rupiah(0) == "Rp0"
    assert rupiah(999) == "Rp999"
    assert rupiah(-15_000) == "-Rp15.000"
    assert rupiah(None) == DASH


def test_compact_rupiah_speaks_in_juta_miliar_and_triliun() -> None:
    assert compact_rupiah(1_250_000_000) == "Rp 1,25 M"
    assert compact_rupiah(1_000_000_000) == "Rp 1 M"
    assert compact_rupiah(850_000_000) == "Rp 850 jt"
    assert compact_rupiah(1_234_567) == "Rp 1,23 jt"
    assert compact_rupiah(2_500_000_000_000) == "Rp 2,5 T"
    assert compact_rupiah(1_255_000_000) == "Rp 1,26 M"  # half rounds up, as a reader expects
    assert compact_rupiah(750_000) == "Rp750.000"
    assert compact_rupiah(None) == DASH


def test_a_time_is_shown_in_the_tenants_zone_with_its_indonesian_name() -> None:
    moment = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)
    assert local_time(moment, "Asia/Jakarta") == "3 Desember 2026 14.30 WIB"
    assert local_time(moment, "Asia/Makassar") == "3 Desember 2026 15.30 WITA"
    assert local_time(moment, "Asia/Jayapura") == "3 Desember 2026 16.30 WIT"
    assert local_time(moment, "Asia/Jakarta", "en") == "3 December 2026 14:30 WIB"


def test_a_late_evening_in_utc_is_the_next_day_in_the_east() -> None:
    moment = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    assert local_time(moment, "Asia/Jayapura") == "1 Januari 2027 05.00 WIT"


def test_a_time_whatever_offset_it_carries_is_shown_where_the_tender_happens() -> None:
    in_jakarta = datetime(2026, 3, 2, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    assert local_time(in_jakarta, "Asia/Makassar") == "2 Maret 2026 09.00 WITA"


def test_an_unknown_time_is_a_dash_and_a_naive_one_is_refused() -> None:
    assert local_time(None, "Asia/Jakarta") == DASH
    with pytest.raises(ValueError, match="time zone"):
        local_time(datetime(2026, 1, 1), "Asia/Jakarta")


def test_dates_zones_and_shares() -> None:
    assert long_date(date(2026, 8, 17)) == "17 Agustus 2026"
    assert long_date(date(2026, 8, 17), "en") == "17 August 2026"
    assert zone_name("Asia/Makassar") == "WITA"
    assert zone_name("Europe/Paris") == "Europe/Paris"
    assert percent(0.995) == "99,5%"
    assert percent(1.0) == "100%"
    assert percent(0.995, "en") == "99.5%"
    assert percent(None) == DASH


def test_ocds_dates_are_read_with_their_offset_or_not_at_all() -> None:
    assert parse_moment("2026-03-02T08:00:00+07:00") == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert parse_moment("2026-03-02T08:00:00") is None
    assert parse_moment("kemarin") is None
    assert parse_moment(None) is None
