"""The review's JSON form is the one its OpenAPI schema (``ReviewView``) describes."""

from __future__ import annotations

from datetime import date

from hub.web.schemas.reviews import ReviewView
from monitoring.reviews import Figures, Month, Period, ProvinceReview, TenantReview, Uptime

JANUARY = Period(date(2026, 1, 1), date(2026, 1, 31))


def test_a_review_with_every_kind_of_figure_converts_to_its_schema() -> None:
    figures = Figures(
        announced=2,
        budget=1_100,
        completed=1,
        contracted_budget=1_100,
        contract_value=950,
        opened=1,
        bids=2,
        award_announced=1,
        objected=1,
        days_to_contract=(3,),
        months=(Month(date(2026, 1, 1), 2, 1),),
        uptime=Uptime(4, 3),
    )
    tenants = (
        TenantReview("kab-malang", "3507", "Kabupaten Malang", "regency", "active", figures),
        TenantReview("kab-blitar", "3505", "Kabupaten Blitar", "regency", "suspended", None, "gone"),
    )
    view = ReviewView.of(ProvinceReview("35", "Jawa Timur", JANUARY, tenants, figures))
    assert (view.period.start, view.period.end) == (JANUARY.start, JANUARY.end)
    malang = view.tenants[0].figures
    assert malang is not None
    assert (malang.savings, malang.savings_share, malang.mean_bidders) == (150, 0.1364, 2.0)
    assert malang.uptime is not None
    assert malang.uptime.share == 0.75
    assert view.tenants[1].figures is None


def test_unknown_ratios_are_null_not_zero() -> None:
    nothing = Figures(months=(Month(date(2026, 1, 1)),))
    view = ReviewView.of(ProvinceReview("35", "Jawa Timur", JANUARY, (), nothing))
    assert (view.totals.savings_share, view.totals.median_days_to_contract, view.totals.uptime) == (
        None,
        None,
        None,
    )
