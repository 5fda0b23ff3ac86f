"""What the probe history says: each tenant's latest probe, and its availability over a period.

Only tenants in the registry count, and only the results of the tenant that holds a code now: a
tenant deleted and created again with the same code starts with a clean history (unlike its audit
anchors, which bind the code for good, see ``tenants.audit.chain.anchors_of``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.core.errors import InvalidInput
from monitoring.probes.models import ProbeResult
from tenants.registry import Tenant


@dataclass(frozen=True, slots=True)
class Availability:
    """How often a tenant was found up over a period, and its longest outage in it.

    An outage is a run of failed probes; it lasts from the first of them to the probe that found
    the tenant up again, or to the last failed probe of the period if none did (the history
    shows no more than that).
    """

    tenant_code: str
    tenant_slug: str
    probes: int
    probes_up: int
    last_probe_at: datetime | None
    longest_outage: timedelta

    @property
    def share_up(self) -> float | None:
        """``probes_up / probes``; ``None`` when the tenant was not probed in the period."""
        return self.probes_up / self.probes if self.probes else None

    def to_dict(self) -> dict[str, object]:
        share = self.share_up
        return {
            "tenant": self.tenant_slug,
            "code": self.tenant_code,
            "probes": self.probes,
            "probes_up": self.probes_up,
            "share_up": None if share is None else round(share, 6),
            "last_probe_at": self.last_probe_at.isoformat() if self.last_probe_at else None,
            "longest_outage_seconds": self.longest_outage.total_seconds(),
        }


def _of_current_tenant() -> ColumnElement[bool]:
    return and_(ProbeResult.tenant_code == Tenant.code, ProbeResult.probed_at >= Tenant.created_at)


async def latest_probes(session: AsyncSession) -> list[ProbeResult]:
    """The newest result of every tenant in the registry that has one, by slug.

    One query: a lateral join that reads one row per tenant from ``ix_probe_results_tenant``.
    """
    newest = (
        select(ProbeResult)
        .where(_of_current_tenant())
        .order_by(ProbeResult.probed_at.desc())
        .limit(1)
        .lateral("newest")
    )
    latest = aliased(ProbeResult, newest)
    query = select(latest).select_from(Tenant).join(newest, true()).order_by(Tenant.slug)
    return list((await session.execute(query)).scalars())


async def availability(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    tenant_codes: Collection[str] | None = None,
) -> dict[str, Availability]:
    """Each tenant's availability over ``[since, until)``, by code (every tenant in the registry,
    or those of ``tenant_codes``; a tenant not probed in the period has 0 probes).

    ``since`` and ``until`` carry a time zone; ``InvalidInput`` if not, or if the period is empty.
    """
    if since.tzinfo is None or until.tzinfo is None:
        raise InvalidInput("a period's start and end need a time zone", field="since")
    if since >= until:
        raise InvalidInput(f"the period ends ({until.isoformat()}) before it starts", field="until")
    rows = (await session.execute(_availability_query(tenant_codes), {"since": since, "until": until})).all()
    return {
        row.code: Availability(
            row.code,
            row.slug,
            row.probes or 0,
            row.probes_up or 0,
            row.last_probe_at,
            row.longest or timedelta(),
        )
        for row in rows
    }


def _availability_query(tenant_codes: Collection[str] | None) -> Select[tuple[object, ...]]:
    """One query: the period's probes numbered into runs, the runs of failures measured, per tenant.

    A failed probe's run is named by the count of up probes before it (gaps and islands), so the
    failures in one run share it; the run ends at the next probe after its last failure.
    """
    r = ProbeResult
    probes = (
        select(
            r.tenant_code,
            r.probed_at,
            r.up,
            func.lead(r.probed_at).over(partition_by=r.tenant_code, order_by=r.probed_at).label("next_at"),
            func.count().filter(r.up).over(partition_by=r.tenant_code, order_by=r.probed_at).label("run"),
        )
        .join(Tenant, _of_current_tenant())
        .where(r.probed_at >= bindparam("since"), r.probed_at < bindparam("until"))
        .cte("probes")
    )
    p = probes.c
    length = func.max(func.coalesce(p.next_at, p.probed_at)) - func.min(p.probed_at)
    runs = (
        select(p.tenant_code, length.label("length")).where(~p.up).group_by(p.tenant_code, p.run).cte("runs")
    )
    totals = (
        select(
            p.tenant_code,
            func.count().label("probes"),
            func.count().filter(p.up).label("probes_up"),
            func.max(p.probed_at).label("last_probe_at"),
        )
        .group_by(p.tenant_code)
        .cte("totals")
    )
    longest = (
        select(runs.c.tenant_code, func.max(runs.c.length).label("longest"))
        .group_by(runs.c.tenant_code)
        .cte("longest")
    )
    query = (
        select(Tenant.code, Tenant.slug, totals.c.probes, totals.c.probes_up, totals.c.last_probe_at)
        .add_columns(longest.c.longest)
        .outerjoin(totals, totals.c.tenant_code == Tenant.code)
        .outerjoin(longest, longest.c.tenant_code == Tenant.code)
        .order_by(Tenant.slug)
    )
    if tenant_codes is not None:
        query = query.where(Tenant.code.in_(list(tenant_codes)))
    return query
