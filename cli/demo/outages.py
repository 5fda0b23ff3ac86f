"""The demo's outage: a regional network cut recorded by hand, and the deadline it moved (issue 21).

Kabupaten Malang has a tender whose bid submission closes within the hour; the demo records, as an
operator would with ``lpse-hub outage record``, that bidders could not reach the LPSE from 50 to 20
minutes ago. The tender's deadline moves by the outage's 30 minutes and the 2-hour margin, with a
``tender.deadline_extended`` audit entry and an OCDS amendment naming the recorded outage. Seeded
after the demo's opening, whose deadline is in that window too and would move with it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.clock import database_now
from hub.core.database import tenant_session
from tenants.registry import TenantRef
from tenants.tenders.outages import OutageRule, record_outage

MINUTE = timedelta(minutes=1)
REASON = "Demo: kabel serat optik Malang selatan putus; penyedia tidak dapat mengakses LPSE"


async def seed_outage_demo(engine: AsyncEngine, tenant: TenantRef) -> None:
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        now = await database_now(session)
        await record_outage(
            session, tenant, now - 50 * MINUTE, now - 20 * MINUTE, REASON, "demo", OutageRule()
        )
