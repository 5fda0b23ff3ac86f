"""From plan to payment in a review (issue 21): what each LPSE and each of its agencies planned, paid
and built.

Read from the tenant's own schema in three set-based queries grouped by agency, whatever the number of
plan items or contracts:

- the plan: the items (RUP) of the fiscal years the period touches, their ceilings (*pagu*), and those
  whose planned selection ended by the review's date with no tender of them announced (*belum
  ditenderkan*);
- payments made in the period, to any contract (*realisasi*); absorption (*penyerapan*) is their sum
  over the ceilings;
- the contracts running in the period (signed by its end, not ended before its start, by their latest
  amendment's end), their value, their physical progress as last reported by the review's date
  (weighted by value, as e-monev reports it: *progres fisik tertimbang*; no report counts as 0%),
  and those late: past their end by the review's date and not reported complete.

The review's date is the period's last day, or today on the tenant's clock if the period has not ended:
a contract ending next month is not late in a review of this one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from monitoring.reviews.period import Period
from tenants.agencies import Agency
from tenants.plans import PlanItem
from tenants.tenders.implementation_models import ContractAmendment, ContractPayment, ContractProgress
from tenants.tenders.models import Package, Tender
from tenants.tenders.outcome_models import Contract

COMPLETE = Decimal(100)


@dataclass(frozen=True, slots=True)
class Trace:
    """Plan, payments and contracts of one agency, one LPSE or, summed, a province."""

    plan_items: int = 0
    """Plan items (RUP) of the fiscal years the period touches."""
    planned_ceiling: int = 0
    """Their ceilings (*pagu*), in rupiah."""
    untendered: int = 0
    """Of them, those whose planned selection ended by the review's date with no tender announced."""
    paid: int = 0
    """Payments made in the period, to any contract, in rupiah."""
    running: int = 0
    """Contracts running in the period."""
    running_value: int = 0
    """Their current value (their latest amendment's), in rupiah."""
    progress_value: Decimal = Decimal(0)
    """Their value times their last reported percent: ``progress_share``'s numerator."""
    late: int = 0
    """Of them, those past their end by the review's date and not reported complete."""

    @property
    def absorption_share(self) -> Fraction | None:
        """Payments over the planned ceilings (*penyerapan anggaran*)."""
        return Fraction(self.paid, self.planned_ceiling) if self.planned_ceiling else None

    @property
    def progress_share(self) -> Fraction | None:
        """The running contracts' physical progress, weighted by value (*progres fisik tertimbang*)."""
        if not self.running_value:
            return None
        return Fraction(self.progress_value) / (self.running_value * 100)

    def __add__(self, other: Trace) -> Trace:
        return Trace(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True, slots=True)
class AgencyTrace:
    """One agency (*satker*) of an LPSE in the review."""

    agency_id: int
    name: str
    trace: Trace


def review_date(period: Period, today: date) -> date:
    """The date a review judges lateness and progress at: the period's end, or today if sooner."""
    return min(period.end, today)


async def tenant_trace(session: AsyncSession, timezone: str, period: Period) -> tuple[AgencyTrace, ...]:
    """The trace of every agency of the tenant ``session`` reads that planned, paid or ran a contract,
    ordered by name (``sum`` of their ``trace`` is the tenant's)."""
    today = (await database_now(session)).astimezone(ZoneInfo(timezone)).date()
    on = review_date(period, today)
    found: dict[int, Trace] = defaultdict(Trace)
    for agency, trace in [
        *await _plans(session, period, on),
        *await _payments(session, period),
        *await _contracts(session, period, on),
    ]:
        found[agency] += trace
    names = await _agency_names(session, found)
    return tuple(
        sorted((AgencyTrace(a, names.get(a, str(a)), t) for a, t in found.items()), key=lambda a: a.name)
    )


def summed(traces: Iterable[Trace]) -> Trace:
    total = Trace()
    for trace in traces:
        total += trace
    return total


async def _plans(session: AsyncSession, period: Period, on: date) -> list[tuple[int, Trace]]:
    tendered = exists().where(
        Package.plan_item_id == PlanItem.id, Tender.package_id == Package.id, Tender.announced_at.is_not(None)
    )
    query = (
        select(
            PlanItem.agency_id,
            func.count(),
            func.sum(PlanItem.ceiling),
            func.count().filter(PlanItem.selection_to <= on, ~tendered),
        )
        .where(PlanItem.fiscal_year.between(period.start.year, period.end.year))
        .group_by(PlanItem.agency_id)
    )
    return [
        (agency, Trace(plan_items=n, planned_ceiling=int(ceiling), untendered=untendered))
        for agency, n, ceiling, untendered in await session.execute(query)
    ]


async def _payments(session: AsyncSession, period: Period) -> list[tuple[int, Trace]]:
    query = (
        select(Package.agency_id, func.sum(ContractPayment.amount))
        .join(Tender, Tender.id == ContractPayment.tender_id)
        .join(Package, Package.id == Tender.package_id)
        .where(ContractPayment.paid_on.between(period.start, period.end))
        .group_by(Package.agency_id)
    )
    return [(agency, Trace(paid=int(paid))) for agency, paid in await session.execute(query)]


async def _contracts(session: AsyncSession, period: Period, on: date) -> list[tuple[int, Trace]]:
    latest = (
        select(ContractAmendment.value_after, ContractAmendment.ends_after)
        .where(ContractAmendment.tender_id == Contract.tender_id, ContractAmendment.signed_on <= on)
        .order_by(ContractAmendment.number.desc())
        .limit(1)
        .lateral()
    )
    reported = (
        select(ContractProgress.percent)
        .where(ContractProgress.tender_id == Contract.tender_id, ContractProgress.reported_on <= on)
        .order_by(ContractProgress.reported_on.desc(), ContractProgress.id.desc())
        .limit(1)
        .lateral()
    )
    value = func.coalesce(latest.c.value_after, Contract.value)
    ends = func.coalesce(latest.c.ends_after, Contract.ends_on)
    query = (
        select(Package.agency_id, value, ends, func.coalesce(reported.c.percent, 0))
        .select_from(Contract)
        .join(Tender, Tender.id == Contract.tender_id)
        .join(Package, Package.id == Tender.package_id)
        .outerjoin(latest, literal(True))
        .outerjoin(reported, literal(True))
        .where(and_(Contract.signed_on <= period.end, ends >= period.start))
    )
    return [
        (
            agency,
            Trace(
                running=1,
                running_value=int(worth),
                progress_value=worth * Decimal(percent),
                late=int(end < on and percent < COMPLETE),
            ),
        )
        for agency, worth, end, percent in await session.execute(query)
    ]


async def _agency_names(session: AsyncSession, agencies: Mapping[int, Trace]) -> dict[int, str]:
    if not agencies:
        return {}
    query = select(Agency.id, Agency.name).where(Agency.id.in_(list(agencies)))
    return {agency: name for agency, name in await session.execute(query)}
