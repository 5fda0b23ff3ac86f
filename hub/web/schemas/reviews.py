"""The coordination review (*rakor*) of a province as its JSON form carries it.

The route renders the review with ``monitoring.reviews.render`` (the same bytes as the CLI's
``--format json``); these structs describe that form in the OpenAPI document, and ``ReviewView.of``
checks a review against them. Money is whole rupiah; shares are fractions of one rounded to four
digits; a ratio with nothing to divide by is ``null``: unknown, never zero.
"""

from __future__ import annotations

from datetime import date

import msgspec

from monitoring.reviews import ProvinceReview, review_dict


class ProvinceView(msgspec.Struct, frozen=True):
    code: str
    """Two-digit Kemendagri code (35 for Jawa Timur)."""
    name: str


class PeriodView(msgspec.Struct, frozen=True):
    """Whole calendar days, both included, each read on the tenant's own clock."""

    start: date = msgspec.field(name="from")
    end: date = msgspec.field(name="to")


class UptimeView(msgspec.Struct, frozen=True):
    """The availability probes of an LPSE in the period, and how many found it up."""

    probes: int
    up: int
    share: float


class MonthView(msgspec.Struct, frozen=True):
    """One calendar month of the trend."""

    month: str
    """``YYYY-MM``."""
    announced: int
    completed: int


class FiguresView(msgspec.Struct, frozen=True):
    """Procurement in one LPSE, or summed over the province, in the period; each figure counts an
    event by its own date (a tender announced in January and contracted in March counts as
    announced in January and completed in March)."""

    announced: int
    """Tenders made public in the period (direct procurements included)."""
    budget: int
    """The budget (*pagu*) of those tenders."""
    completed: int
    """Contracts signed in the period."""
    contracted_budget: int
    """The budget of the tenders contracted in the period."""
    contract_value: int
    savings: int
    """``contracted_budget - contract_value`` (*efisiensi*)."""
    savings_share: float | None
    """``savings / contracted_budget``."""
    median_days_to_contract: float | None
    """Calendar days from announcement to contract, median over the contracts signed."""
    failed: int
    """Tenders declared failed (*gagal tender*)."""
    cancelled: int
    """Announced tenders cancelled."""
    opened: int
    """Competitive tenders whose bids were opened."""
    bids: int
    """The bids of those tenders at their opening."""
    mean_bidders: float | None
    """``bids / opened``."""
    award_announced: int
    objected: int
    """Award announcements met by at least one objection (*sanggah*)."""
    objection_share: float | None
    """``objected / award_announced``."""
    extensions: int
    """Bid-submission deadlines extended by themselves after an outage."""
    uptime: UptimeView | None
    """``null`` when no probe ran in the period."""
    months: list[MonthView]
    """Every month the period touches, in order."""
    plan_items: int
    """Plan items (RUP) of the fiscal years the period touches."""
    planned_ceiling: int
    """Their budget ceilings (*pagu*)."""
    untendered_plan_items: int
    """Of them, those whose planned selection ended by the review's date with no tender announced."""
    paid: int
    """Payments made in the period, to any contract."""
    absorption_share: float | None
    """``paid / planned_ceiling`` (*penyerapan*)."""
    running_contracts: int
    """Contracts running in the period (by their latest amendment's end)."""
    running_contract_value: int
    physical_progress_share: float | None
    """Their last reported physical progress, weighted by value; a contract with no report counts as 0."""
    late_contracts: int
    """Running contracts past their end by the review's date and not reported complete."""


class AgencyTraceView(msgspec.Struct, frozen=True):
    """One agency (*satker*) of an LPSE: its plan, payments and contracts in the period."""

    agency_id: int
    name: str
    plan_items: int
    planned_ceiling: int
    untendered_plan_items: int
    paid: int
    absorption_share: float | None
    running_contracts: int
    running_contract_value: int
    physical_progress_share: float | None
    late_contracts: int


class TenantReviewView(msgspec.Struct, frozen=True):
    """One LPSE of the province, or the error that kept its figures out."""

    slug: str
    code: str
    name: str
    kind: str
    status: str
    """The tenant's status now: a suspended LPSE is reviewed too."""
    error: str | None
    figures: FiguresView | None
    """``null`` when ``error`` says why its figures could not be read."""
    agencies: list[AgencyTraceView]
    """Each agency that planned, paid or ran a contract in the period, by name."""


class ReviewView(msgspec.Struct, frozen=True):
    """A province's review over a period: each of its LPSEs on the hub (ordered by code), then the
    province's totals."""

    province: ProvinceView
    period: PeriodView
    tenants: list[TenantReviewView]
    totals: FiguresView
    """Summed over the LPSEs; medians and shares over their pooled tenders."""

    @classmethod
    def of(cls, review: ProvinceReview) -> ReviewView:
        return msgspec.convert(review_dict(review), cls)
