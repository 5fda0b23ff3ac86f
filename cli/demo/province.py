"""The demo province: Jawa Timur (35), its 38 regencies and cities and the province itself.

``lpse-hub serve --demo`` provisions it on first start, gives every tenant a few agencies and a
``<slug>.localhost`` host name (browsers resolve ``*.localhost`` to this machine), and leaves
whatever already exists alone.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions, tenant_session
from tenants.agencies import add_agency, list_agencies
from tenants.registry import ProvisionReport, TenantHost, list_tenants, provision_province

DEMO_PROVINCE = "35"
DEMO_AGENCIES = (
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Rumah Sakit Umum Daerah",
    "Badan Perencanaan Pembangunan Daerah",
)


async def seed_demo(
    engine: AsyncEngine,
    *,
    concurrency: int,
    serving_role: str | None = None,
    on_done: Callable[[str], None] | None = None,
) -> ProvisionReport:
    report = await provision_province(
        engine, DEMO_PROVINCE, concurrency=concurrency, serving_role=serving_role, on_done=on_done
    )
    sessions = hub_sessions(engine)
    async with sessions() as session:
        tenants = await list_tenants(session, province_code=DEMO_PROVINCE)
    for tenant in tenants:  # idempotent: a run cut short is completed by the next one
        if not tenant.hosts:
            async with sessions() as session, session.begin():
                session.add(TenantHost(host=f"{tenant.slug}.localhost", tenant_id=tenant.id))
        async with tenant_session(engine, tenant.schema) as session, session.begin():
            if not await list_agencies(session):
                for name in DEMO_AGENCIES:
                    await add_agency(session, name)
    return report
