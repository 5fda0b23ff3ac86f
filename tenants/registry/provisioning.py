"""Provisioning a whole province: the province and all its regencies and cities at once.

Each tenant is created in a transaction of its own (one tenant schema per transaction keeps
the road to Citus open and lets a failure stay local), ``concurrency`` at a time. The tenant
schema's script is recorded once before they start (``record_tenant_schema_scripts``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions, schema_of
from hub.core.errors import HubError, InvalidInput
from hub.core.migrations import record_tenant_schema_scripts
from tenants.regions import Region, RegionKind, find_region, regions_of_province
from tenants.registry.models import Tenant
from tenants.registry.tenants import TenantSpec, create_tenant


@dataclass(slots=True)
class ProvisionReport:
    """Slugs created, skipped (their code or slug is taken) and failed (with the reason)."""

    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"created": sorted(self.created), "skipped": sorted(self.skipped), "failed": self.failed}


async def provision_regions(
    engine: AsyncEngine,
    regions: list[Region],
    *,
    concurrency: int,
    serving_role: str | None = None,
    on_done: Callable[[str], None] | None = None,
) -> ProvisionReport:
    """Create a tenant for each region whose code and slug are free (granting ``serving_role`` what
    serving needs on it: ``create_tenant``); report the rest."""
    sessions = hub_sessions(engine)
    async with sessions() as session:  # rolled back when closed: the recording leaves nothing
        taken = (await session.execute(select(Tenant.code, Tenant.slug))).all()
        await record_tenant_schema_scripts(await session.connection(), [schema_of(r.code) for r in regions])
    taken_codes, taken_slugs = {c for c, _ in taken}, {s for _, s in taken}
    report = ProvisionReport()
    limit = asyncio.Semaphore(concurrency)

    async def one(region: Region) -> None:
        if region.code in taken_codes or region.slug in taken_slugs:
            report.skipped.append(region.slug)
        else:
            async with limit, sessions() as session, session.begin():
                try:
                    await create_tenant(
                        session, TenantSpec(slug=region.slug, code=region.code), serving_role=serving_role
                    )
                    report.created.append(region.slug)
                except HubError as exc:
                    report.failed[region.slug] = exc.detail
        if on_done is not None:
            on_done(region.slug)

    await asyncio.gather(*(one(region) for region in regions))
    return report


async def provision_province(
    engine: AsyncEngine,
    province_code: str,
    *,
    concurrency: int,
    serving_role: str | None = None,
    on_done: Callable[[str], None] | None = None,
) -> ProvisionReport:
    """The province and every regency and city in it, skipping those that exist."""
    province = find_region(province_code)
    if province is None or province.kind is not RegionKind.PROVINCE:
        raise InvalidInput(f"{province_code!r} is not a province code in the regions table", field="code")
    return await provision_regions(
        engine,
        regions_of_province(province_code),
        concurrency=concurrency,
        serving_role=serving_role,
        on_done=on_done,
    )
