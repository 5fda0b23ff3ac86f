"""Computing a coordination review (*rakor*): every LPSE of a province, read from its own schema.

Each tenant is read in its own session (``concurrency`` at a time within the one pool) with four
set-based queries, whatever its number of tenders; uptime comes from the hub's probe history
(``monitoring.probes.availability``). A tenant that cannot be read (its schema not migrated, gone)
is reported with its error and the others carry on; its figures are left out of the totals.

    review = await review_province(engine, "35", date(2026, 1, 1), date(2026, 3, 31))
    review.totals.completed, review.totals.savings_share
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, distinct, exists, func, literal_column, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput
from monitoring.probes import availability
from monitoring.reviews.models import Figures, Month, ProvinceReview, TenantReview, Uptime, total
from monitoring.reviews.period import Period, checked_period
from monitoring.reviews.red_flags import review_flags
from monitoring.reviews.trace import AgencyTrace, summed, tenant_trace
from tenants.audit.models import AuditEntry
from tenants.regions import RegionKind, find_region
from tenants.registry import Tenant, list_tenants
from tenants.tenders.models import Bid, Package, Tender
from tenants.tenders.outcome_models import Award, Contract, Objection
from tenants.tenders.reschedules import EXTENDED


def province_name(code: str) -> str:
    """The province's name; ``InvalidInput`` if ``code`` is not a province of the regions table."""
    region = find_region(code) if code.isdigit() and len(code) == 2 else None
    if region is None or region.kind is not RegionKind.PROVINCE:
        raise InvalidInput(
            f"{code!r} is not a province's two-digit code (35 is Jawa Timur)", field="province"
        )
    return region.name


async def review_province(
    engine: AsyncEngine,
    province_code: str,
    start: date,
    end: date,
    *,
    concurrency: int = 4,
    ocid_prefix: str | None = None,
) -> ProvinceReview:
    """The review of every LPSE of the province on this hub (suspended ones too), ordered by code;
    with the red flags of its published tenders when given the hub's ``ocid_prefix`` (the flags name
    tenders by their ocid)."""
    name, period = province_name(province_code), checked_period(start, end)
    flags = None
    async with hub_sessions(engine)() as session:
        tenants = await list_tenants(session, province_code=province_code)
        if not tenants:
            raise InvalidInput(f"no LPSE of {name} ({province_code}) runs on this hub", field="province")
        uptimes = await _uptimes(session, tenants, period)
        if ocid_prefix is not None:
            flags = await review_flags(session, ocid_prefix, province_code, period)
    limit = asyncio.Semaphore(concurrency)

    async def one(tenant: Tenant) -> TenantReview:
        async with limit:
            figures, agencies, error = await _read_tenant(engine, tenant, period)
        if figures is not None:
            figures = replace(figures, uptime=uptimes.get(tenant.code))
        return TenantReview(
            tenant.slug, tenant.code, tenant.name, tenant.kind, tenant.status, figures, error, agencies
        )

    reviews = tuple(await asyncio.gather(*(one(t) for t in tenants)))
    totals = total(period, (r.figures for r in reviews if r.figures is not None))
    return ProvinceReview(province_code, name, period, reviews, totals, flags)


async def _uptimes(session: AsyncSession, tenants: Sequence[Tenant], period: Period) -> dict[str, Uptime]:
    """Each tenant's probes over the period on its own clock (one query per time zone)."""
    uptimes: dict[str, Uptime] = {}
    for zone in sorted({t.timezone for t in tenants}):
        since, until = period.bounds(zone)
        codes = [t.code for t in tenants if t.timezone == zone]
        for code, found in (await availability(session, since, until, tenant_codes=codes)).items():
            if found.probes:
                uptimes[code] = Uptime(found.probes, found.probes_up)
    return uptimes


async def _read_tenant(
    engine: AsyncEngine, tenant: Tenant, period: Period
) -> tuple[Figures | None, tuple[AgencyTrace, ...], str | None]:
    try:
        async with tenant_session(engine, tenant.schema) as session:
            agencies = await tenant_trace(session, tenant.timezone, period)
            return await tenant_figures(session, tenant.timezone, period, agencies=agencies), agencies, None
    except SQLAlchemyError as exc:  # reported for this tenant; the others carry on
        return None, (), str(getattr(exc, "orig", None) or exc).splitlines()[0]


async def tenant_figures(
    session: AsyncSession, timezone: str, period: Period, *, agencies: tuple[AgencyTrace, ...] | None = None
) -> Figures:
    """The procurement figures of the tenant ``session`` reads, over ``period`` on ``timezone``'s clock;
    its trace from plan to payment is its ``agencies``' (read here when not given)."""
    if agencies is None:
        agencies = await tenant_trace(session, timezone, period)
    window = _Window(timezone, *period.bounds(timezone))
    counts = await _tender_counts(session, window)
    award_announced, objected = await _award_counts(session, window)
    extensions = await session.scalar(
        select(func.count()).where(AuditEntry.action == EXTENDED, window.holds(AuditEntry.at))
    )
    announced_in = await _announced_by_month(session, window)
    signed = await _contracts(session, window, period)
    completed_in = Counter(s.signed_on.replace(day=1) for s in signed)
    return Figures(
        announced=counts[0],
        budget=counts[1],
        completed=len(signed),
        contracted_budget=sum(s.budget for s in signed),
        contract_value=sum(s.value for s in signed),
        failed=counts[2],
        cancelled=counts[3],
        opened=counts[4],
        bids=counts[5],
        award_announced=award_announced,
        objected=objected,
        extensions=int(extensions or 0),
        days_to_contract=tuple(sorted(s.days for s in signed)),
        months=tuple(Month(m, announced_in[m], completed_in[m]) for m in period.months()),
        trace=summed(a.trace for a in agencies),
    )


@dataclass(frozen=True, slots=True)
class _Window:
    timezone: str
    since: datetime
    until: datetime

    def holds(
        self, column: InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime]
    ) -> ColumnElement[bool]:
        return and_(column >= self.since, column < self.until)


@dataclass(frozen=True, slots=True)
class _Signed:
    signed_on: date
    value: int
    budget: int
    days: int
    """Calendar days from the tender's announcement (on the tenant's clock) to the signature."""


async def _tender_counts(session: AsyncSession, window: _Window) -> list[int]:
    """Announced, their budget, failed, cancelled, competitive tenders opened, and their bids."""
    current_bids = (
        select(Bid.tender_id, func.count().label("n"))
        .where(Bid.superseded_at.is_(None))
        .group_by(Bid.tender_id)
        .subquery()
    )
    announced = window.holds(Tender.announced_at)
    opened = and_(window.holds(Tender.opened_at), Tender.invited_vendor_id.is_(None))
    query = (
        select(
            func.count().filter(announced),
            func.sum(Package.budget).filter(announced),
            func.count().filter(window.holds(Tender.failed_at)),
            func.count().filter(window.holds(Tender.cancelled_at), Tender.announced_at.is_not(None)),
            func.count().filter(opened),
            func.sum(current_bids.c.n).filter(opened),
        )
        .select_from(Tender)
        .join(Package, Package.id == Tender.package_id)
        .outerjoin(current_bids, current_bids.c.tender_id == Tender.id)
    )
    return [int(n or 0) for n in (await session.execute(query)).one()]


async def _award_counts(session: AsyncSession, window: _Window) -> tuple[int, int]:
    """Tenders whose award was announced in the window, and those of them objected to."""
    objected = exists().where(Objection.tender_id == Award.tender_id, Objection.round == Award.round)
    tender = distinct(Award.tender_id)
    query = select(func.count(tender), func.count(tender).filter(objected)).where(
        window.holds(Award.announced_at)
    )
    announced, with_objection = (await session.execute(query)).one()
    return int(announced), int(with_objection)


async def _announced_by_month(session: AsyncSession, window: _Window) -> Counter[date]:
    month = func.date_trunc("month", func.timezone(window.timezone, Tender.announced_at))
    # by position: the month expression carries bound parameters, so repeating it would not match
    query = select(month, func.count()).where(window.holds(Tender.announced_at)).group_by(literal_column("1"))
    return Counter({first.date(): int(n) for first, n in await session.execute(query)})


async def _contracts(session: AsyncSession, window: _Window, period: Period) -> list[_Signed]:
    """The contracts signed in the period (their dates are calendar dates on the tenant's clock)."""
    announced = func.timezone(window.timezone, Tender.announced_at)
    query = (
        select(Contract.signed_on, Contract.value, Package.budget, announced)
        .join(Tender, Tender.id == Contract.tender_id)
        .join(Package, Package.id == Tender.package_id)
        .where(Contract.signed_on >= period.start, Contract.signed_on <= period.end)
    )
    return [
        _Signed(on, int(value), int(budget), (on - since.date()).days if since else 0)
        for on, value, budget, since in await session.execute(query)
    ]
