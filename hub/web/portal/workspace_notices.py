"""The vendor workspace's notices (pemberitahuan): the bid-submission deadlines of the tenders the
vendor is registered for that moved, by an outage or by the committee (``tenants.tenders.notices``),
across the province: one query in each active regency, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.catalogue.records import public_ocid
from hub.core.database import tenant_session
from hub.web.portal.workspace import active_tenants
from tenants.registry.models import Tenant
from tenants.tenders.notices import DeadlineNotice, deadline_notices


@dataclass(frozen=True, slots=True)
class MyNotice:
    """A notice with what the page needs around it: the regency (its time zone) and the tender's ocid."""

    tenant: Tenant
    ocid: str
    notice: DeadlineNotice


async def my_notices(
    session: AsyncSession, engine: AsyncEngine, prefix: str, vendor_id: int
) -> list[MyNotice]:
    """The vendor's notices in every active regency, the most recently recorded first."""
    found: list[MyNotice] = []
    for tenant in await active_tenants(session):
        async with tenant_session(engine, tenant.schema) as own:
            for notice in await deadline_notices(own, vendor_id):
                ocid = public_ocid(prefix, f"{tenant.code}-{notice.tender_id}")
                found.append(MyNotice(tenant, ocid, notice))
    return sorted(found, key=lambda n: n.notice.recorded_at, reverse=True)
