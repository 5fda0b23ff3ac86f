"""The review page's red flag section, from hand-built flags: counts, definitions, facts, links."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from federation.catalogue.red_flags import INDICATORS, Flag
from monitoring.reviews import Figures, Month, Period, ProvinceReview, TenantReview
from monitoring.reviews.red_flag_page import fact
from monitoring.reviews.red_flags import INDONESIAN, FlaggedTender, PlacedFlag, ReviewFlags
from monitoring.reviews.render import review_html

JANUARY = Period(date(2026, 1, 1), date(2026, 1, 31))
OCID = "ocds-lpsehub-3505-7"


def _review(flags: ReviewFlags | None) -> ProvinceReview:
    figures = Figures(announced=1, months=(Month(date(2026, 1, 1), 1),))
    tenant = TenantReview("kab-blitar", "3505", "Kabupaten Blitar", "regency", "active", figures)
    return ProvinceReview("35", "Jawa Timur", JANUARY, (tenant,), figures, flags)


def _single_bid(title: str = "Pembangunan Embung Desa Sumberdiren") -> PlacedFlag:
    flag = Flag(
        "R018",
        INDICATORS["R018"],
        OCID,
        "ID-SATKER-3505-1",
        "Dinas Pekerjaan Umum",
        1,
        {"numberOfTenderers": 1, "procurementMethod": "open"},
        "Only one tenderer bid in an open procedure: no competition.",
        "Hanya satu peserta memasukkan penawaran dalam tender terbuka.",
    )
    return PlacedFlag(flag, "kab-blitar", "Kabupaten Blitar", (FlaggedTender(OCID, title),))


def test_every_indicator_has_its_indonesian_name_and_definition() -> None:
    assert list(INDONESIAN) == list(INDICATORS)


def test_the_page_counts_the_flags_and_shows_each_with_its_facts_and_its_record() -> None:
    page = review_html(_review(ReviewFlags((_single_bid(),))))
    section = page.split("Tanda bahaya", 1)[1]
    assert "1 tanda bahaya pada tender yang diumumkan" in section
    assert "Tidak ada tanda bahaya" not in section
    assert section.count("Penawar tunggal") == 2  # defined once, named again on its tender's row
    assert "Single bid received" in section  # the English name beside the Indonesian one
    assert "Masa pemasukan penawaran singkat" in section  # every indicator is defined, flagged or not
    assert "15 hari" in section
    assert "99%" in section
    assert f'<a href="/api/ocds/records/{OCID}">Pembangunan Embung Desa Sumberdiren</a>' in section
    assert "Hanya satu peserta memasukkan penawaran dalam tender terbuka." in section
    assert "numberOfTenderers: 1" in section
    counts = re.search(r"<td>Kabupaten Blitar</td><td>(\d+)</td><td>(\d+)</td>", section)
    assert counts is not None
    assert counts.groups() == ("1", "1")


def test_a_period_without_flags_says_so_and_a_review_without_them_has_no_section() -> None:
    empty = review_html(_review(ReviewFlags()))
    assert "Tidak ada tanda bahaya pada tender yang diumumkan dalam periode ini." in empty
    assert "Tender yang ditandai" not in empty
    assert "Tanda bahaya" not in review_html(_review(None))


def test_a_flagged_tenders_title_cannot_inject_markup() -> None:
    placed = _single_bid('<img src=x onerror="alert(1)">')
    page = review_html(_review(ReviewFlags((replace(placed, tenant_name="<b>X</b>"),))))
    assert "<img" not in page
    assert "<b>X" not in page
    assert "&lt;img" in page


def test_facts_are_written_for_a_reader() -> None:
    assert fact(1_415_000_000.0) == "1.415.000.000"
    assert fact(0.9956) == "0,9956"
    assert fact([{"id": "ID-VENDOR-1", "name": "CV Maju Jaya"}]) == "CV Maju Jaya"
    assert fact({"amount": 5.0, "tenderers": ["a", "b"]}) == "amount: 5; tenderers: a, b"
