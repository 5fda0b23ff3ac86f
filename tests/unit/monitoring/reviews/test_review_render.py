"""The review's periods, arithmetic and rendering, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from hub.core.errors import InvalidInput
from monitoring.reviews import Figures, Month, Period, ProvinceReview, TenantReview, Uptime, parse_period
from monitoring.reviews.charts import Ranked, ranked_bars
from monitoring.reviews.models import total
from monitoring.reviews.numbers import decimal, percent, rupiah, short_rupiah
from monitoring.reviews.render import review_csv, review_dict, review_html
from monitoring.reviews.trace import AgencyTrace, Trace, review_date

JANUARY = Period(date(2026, 1, 1), date(2026, 1, 31))


def test_a_period_is_whole_days_on_the_tenants_own_clock() -> None:
    wib, wit = JANUARY.bounds("Asia/Jakarta"), JANUARY.bounds("Asia/Jayapura")
    assert wib == (datetime(2025, 12, 31, 17, tzinfo=UTC), datetime(2026, 1, 31, 17, tzinfo=UTC))
    assert wit == (datetime(2025, 12, 31, 15, tzinfo=UTC), datetime(2026, 1, 31, 15, tzinfo=UTC))
    assert Period(date(2025, 11, 30), date(2026, 2, 1)).months() == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (None, "2026-01-31", "from"),
        ("2026-1-5", "2026-01-31", "from"),
        ("20260101", "2026-01-31", "from"),
        ("2026-01-01", "2026-02-30", "to"),
        ("2026-02-01", "2026-01-31", "to"),
        ("2000-01-01", "2026-01-31", "to"),  # longer than ten years
    ],
)
def test_a_period_people_type_wrong_is_refused_naming_the_field(
    start: str | None, end: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_period(start, end)
    assert refused.value.field == field


def test_figures_add_up_and_a_ratio_with_nothing_to_divide_by_is_unknown() -> None:
    months = (Month(date(2026, 1, 1)),)
    one = Figures(
        completed=1, contracted_budget=110, contract_value=100, days_to_contract=(9,), months=months
    )
    two = Figures(
        completed=2,
        contracted_budget=220,
        contract_value=180,
        days_to_contract=(4, 30),
        months=(Month(date(2026, 1, 1), 3, 2),),
        uptime=Uptime(4, 3),
    )
    both = total(JANUARY, [one, two])
    assert both.days_to_contract == (4, 9, 30)
    assert both.median_days_to_contract == 9
    assert Figures(days_to_contract=(4, 9)).median_days_to_contract == Fraction(13, 2)
    assert both.savings_share == Fraction(50, 330)
    assert both.uptime == Uptime(4, 3)  # a tenant never probed adds nothing, rather than zero
    assert both.months == (Month(date(2026, 1, 1), 3, 2),)
    assert (one.mean_bidders, one.objection_share, one.uptime, Figures().savings_share) == (
        None,
        None,
        None,
        None,
    )


def test_numbers_are_written_as_indonesian_readers_write_them() -> None:
    assert rupiah(1_234_567) == "Rp 1.234.567"
    assert rupiah(-5_000) == "-Rp 5.000"
    assert short_rupiah(2_310_000_000) == "Rp 2,3 M"
    assert percent(Fraction(23, 165)) == "13,9%"
    assert percent(None) == "\u2013"
    assert decimal(Fraction(5, 2)) == "2,5"
    assert decimal(Fraction(2)) == "2"


def _review(name: str) -> ProvinceReview:
    figures = Figures(
        completed=1, contracted_budget=110, contract_value=100, months=(Month(date(2026, 1, 1)),)
    )
    tenant = TenantReview("kab-x", "3599", name, "regency", "active", figures)
    broken = TenantReview("kab-y", "3598", "Kabupaten Y", "regency", "active", None, "schema t_3598 is gone")
    return ProvinceReview("35", "Jawa Timur", JANUARY, (tenant, broken), figures)


def test_a_tenants_name_cannot_inject_markup_into_the_page() -> None:
    page = review_html(_review('<script src="https://evil.example/x.js"></script>'))
    assert "<script" not in page
    assert "&lt;script" in page
    chart = ranked_bars("t", [Ranked("<b>", 1, "<i>")])
    assert "<b>" not in chart
    assert "<i>" not in chart


def test_the_csv_leaves_unknown_figures_empty_and_ends_with_the_province() -> None:
    lines = review_csv(_review("Kabupaten X")).splitlines()
    assert lines[0].startswith("tenant,code,name,status,announced,budget,completed")
    assert lines[2].startswith("kab-y,3598,Kabupaten Y,active,,,")
    assert lines[2].endswith(",schema t_3598 is gone")
    assert lines[3].startswith("total,35,Jawa Timur,,0,0,1,110,100,10,0.0909")


def test_absorption_is_payments_over_ceilings_and_progress_is_weighted_by_contract_value() -> None:
    roads = Trace(plan_items=2, planned_ceiling=1_000, untendered=1, paid=250)
    building = Trace(running=2, running_value=400, progress_value=Decimal(300 * 50 + 100 * 100), late=1)
    both = roads + building
    assert both.absorption_share == Fraction(1, 4)
    assert both.progress_share == Fraction(25_000, 40_000)  # (300 x 50% + 100 x 100%) / 400
    assert (Trace().absorption_share, Trace().progress_share) == (None, None)
    assert review_date(JANUARY, date(2026, 1, 10)) == date(2026, 1, 10)  # not late before it ends
    assert review_date(JANUARY, date(2026, 3, 1)) == JANUARY.end


def test_each_agencys_trace_is_in_the_json_the_csv_and_the_page() -> None:
    trace = Trace(plan_items=1, planned_ceiling=2_000, paid=500, running=1, running_value=800, late=1)
    figures = Figures(trace=trace)
    agencies = (AgencyTrace(3, "Dinas PUPR", trace),)
    tenant = TenantReview(
        "kab-malang", "3507", "Kabupaten Malang", "regency", "active", figures, None, agencies
    )
    review = ProvinceReview("35", "Jawa Timur", JANUARY, (tenant,), figures)
    shown = review_dict(review)["tenants"][0]
    assert shown["figures"]["absorption_share"] == 0.25
    assert shown["figures"]["late_contracts"] == 1
    assert shown["agencies"] == [
        {
            "agency_id": 3,
            "name": "Dinas PUPR",
            "plan_items": 1,
            "planned_ceiling": 2_000,
            "untendered_plan_items": 0,
            "paid": 500,
            "absorption_share": 0.25,
            "running_contracts": 1,
            "running_contract_value": 800,
            "physical_progress_share": 0.0,
            "late_contracts": 1,
        }
    ]
    header, row, _ = review_csv(review).splitlines()
    assert dict(zip(header.split(","), row.split(","), strict=True))["absorption_share"] == "0.25"
    page = review_html(review)
    assert "Dari rencana ke pembayaran" in page
    assert "Dinas PUPR" in page
