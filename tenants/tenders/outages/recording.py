"""Outages recorded by hand (``lpse-hub outage record``) and the list of a tenant's outages."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from hub.core.errors import InvalidInput
from tenants.registry import TenantRef
from tenants.tenders.outages.extension import Extension, OutageRule, extend_deadlines, outages_of
from tenants.tenders.outages.facts import Outage
from tenants.tenders.outages.models import RecordedOutage


async def record_outage(
    session: AsyncSession,
    tenant: TenantRef,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    recorded_by: str,
    rule: OutageRule,
) -> tuple[RecordedOutage, list[Extension]]:
    """Record an outage the probes could not see, and extend the deadlines it reached, in the
    caller's transaction (a session of ``tenant``'s schema: the hub's table is reachable from it).

    ``InvalidInput`` for times without a zone, an end not after the start, an outage not over yet
    (it is recorded once it has ended) or an empty reason; nothing is written then.
    """
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("an outage's times need a time zone offset", field="from")
    if ends_at <= starts_at:
        raise InvalidInput("an outage must end after it starts", field="to")
    if ends_at > await database_now(session):
        raise InvalidInput("an outage is recorded once it is over: its end is in the future", field="to")
    if not reason.strip():
        raise InvalidInput("an outage needs a reason", field="reason")
    outage = RecordedOutage(
        tenant_code=tenant.code,
        tenant_slug=tenant.slug,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason.strip(),
        recorded_by=recorded_by,
    )
    session.add(outage)
    await session.flush()
    return outage, await extend_deadlines(session, tenant, rule)


async def tenant_outages(
    session: AsyncSession, tenant: TenantRef, rule: OutageRule, *, days: int = 30
) -> list[Outage]:
    """The tenant's outages over the last ``days`` (probed, of the hub, recorded), merged, oldest first;
    one under way ends at its last failed probe."""
    if days < 1:
        raise InvalidInput("--days must be at least 1", field="days")
    now = await database_now(session)
    return await outages_of(session, tenant.code, now - timedelta(days=days), now, rule)
