"""What a coordination review (*rakor*) shows of each LPSE: its procurement and uptime over a period.

A figure counts what happened *in* the period, each by the date of its own event, on the tenant's
clock: a tender announced in January and contracted in March counts as announced in a January
review and as completed in a March one. Money is whole rupiah; shares, means and medians are exact
fractions, rounded only when rendered (``monitoring.reviews.render``). A ratio with nothing to
divide by (no contract, no opened tender, no probe) is ``None``: unknown, never zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from monitoring.reviews.period import Period
from monitoring.reviews.red_flags import ReviewFlags
from monitoring.reviews.trace import AgencyTrace, Trace


@dataclass(frozen=True, slots=True)
class Uptime:
    """The probes of an LPSE in the period, and how many of them found it up."""

    probes: int
    up: int

    @property
    def share(self) -> Fraction:
        return Fraction(self.up, self.probes)

    def __add__(self, other: Uptime) -> Uptime:
        return Uptime(self.probes + other.probes, self.up + other.up)


@dataclass(frozen=True, slots=True)
class Month:
    """One calendar month of the trend: tenders announced and contracts signed in it."""

    month: date
    """The month's first day."""
    announced: int = 0
    completed: int = 0

    def __add__(self, other: Month) -> Month:
        return Month(self.month, self.announced + other.announced, self.completed + other.completed)


@dataclass(frozen=True, slots=True)
class Figures:
    """Procurement in one LPSE (or, summed, in a province) over a period.

    Tenders include direct procurements (*pengadaan langsung*), which are announced and contracted
    as any tender; only the mean number of bidders leaves them out, having one invited vendor each.
    """

    announced: int = 0
    """Tenders announced (made public) in the period."""
    budget: int = 0
    """The budget (*pagu*) of the tenders announced in the period, in rupiah."""
    completed: int = 0
    """Contracts signed in the period."""
    contracted_budget: int = 0
    """The budget of the tenders whose contract was signed in the period."""
    contract_value: int = 0
    """The value of the contracts signed in the period."""
    failed: int = 0
    """Tenders declared failed (*gagal tender*) in the period."""
    cancelled: int = 0
    """Announced tenders cancelled in the period (a draft's cancellation was never public)."""
    opened: int = 0
    """Competitive tenders whose bids were opened in the period."""
    bids: int = 0
    """The bids those tenders had at their opening."""
    award_announced: int = 0
    """Tenders whose award was announced in the period."""
    objected: int = 0
    """Of those, tenders with at least one objection (*sanggah*) to that award."""
    extensions: int = 0
    """Bid-submission deadlines extended by themselves after an outage in the period
    (``tender.deadline_extended`` entries, by their time; ``tenants.tenders.outages``)."""
    days_to_contract: tuple[int, ...] = ()
    """For each contract signed in the period, the calendar days from its tender's announcement."""
    months: tuple[Month, ...] = ()
    """Announced and completed per month, for every month the period touches."""
    uptime: Uptime | None = None
    """The probes in the period; ``None`` when there were none."""
    trace: Trace = field(default_factory=Trace)
    """From plan to payment: ceilings, payments, contracts' progress (``monitoring.reviews.trace``)."""

    @property
    def savings(self) -> int:
        """Budget minus contract value, over the contracts signed in the period (*efisiensi*)."""
        return self.contracted_budget - self.contract_value

    @property
    def savings_share(self) -> Fraction | None:
        """The savings as a share of those contracts' budget."""
        return Fraction(self.savings, self.contracted_budget) if self.contracted_budget else None

    @property
    def median_days_to_contract(self) -> Fraction | None:
        if not self.days_to_contract:
            return None
        return Fraction(
            statistics.median_low(self.days_to_contract) + statistics.median_high(self.days_to_contract), 2
        )

    @property
    def mean_bidders(self) -> Fraction | None:
        """Bids per competitive tender opened in the period."""
        return Fraction(self.bids, self.opened) if self.opened else None

    @property
    def objection_share(self) -> Fraction | None:
        """The share of award announcements that met at least one objection."""
        return Fraction(self.objected, self.award_announced) if self.award_announced else None

    def __add__(self, other: Figures) -> Figures:
        if self.uptime is None or other.uptime is None:
            uptime = self.uptime or other.uptime
        else:
            uptime = self.uptime + other.uptime
        months = tuple(a + b for a, b in zip(self.months, other.months, strict=True))
        counts: dict[str, Any] = {n: getattr(self, n) + getattr(other, n) for n in _COUNTS}
        return Figures(
            **counts,
            days_to_contract=tuple(sorted(self.days_to_contract + other.days_to_contract)),
            months=months,
            uptime=uptime,
            trace=self.trace + other.trace,
        )


_COUNTS = (
    "announced",
    "budget",
    "completed",
    "contracted_budget",
    "contract_value",
    "failed",
    "cancelled",
    "opened",
    "bids",
    "award_announced",
    "objected",
    "extensions",
)


def nothing(period: Period) -> Figures:
    """The figures of an LPSE where nothing happened in the period."""
    return Figures(months=tuple(Month(m) for m in period.months()))


def total(period: Period, figures: Iterable[Figures]) -> Figures:
    """The province's figures: its LPSEs' summed (medians and shares over the pooled tenders)."""
    result = nothing(period)
    for one in figures:
        result += one
    return result


@dataclass(frozen=True, slots=True)
class TenantReview:
    """One LPSE in the review, or the error that kept its figures out."""

    slug: str
    code: str
    name: str
    kind: str
    status: str
    figures: Figures | None
    error: str | None = None
    agencies: tuple[AgencyTrace, ...] = ()
    """Each agency's plan, payments and contracts (their sum is ``figures.trace``)."""


@dataclass(frozen=True, slots=True)
class ProvinceReview:
    """The review of a province's LPSEs over a period, with the province's totals."""

    code: str
    name: str
    period: Period
    tenants: tuple[TenantReview, ...] = field(default=())
    totals: Figures = field(default_factory=Figures)
    red_flags: ReviewFlags | None = None
    """The red flags of the tenders announced in the period; ``None`` when not computed (no OCDS
    prefix given: ``review_province``)."""
