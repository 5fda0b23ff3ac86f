"""Rebuilding the catalogue from the tenant schemas, and telling how far it had drifted.

The catalogue is written in the transaction of each change, so it should never drift; a rebuild
checks that claim (and repairs a catalogue restored from an older backup, or lost). For each
tenant it recomputes every public tender's row, counts the rows that were missing, different or
left over (a tender that is no longer public or no longer exists), and writes the fix. The feed is
history and is not rewritten.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.entries import upsert_entry
from federation.catalogue.models import LOCAL, CatalogueEntry
from federation.catalogue.ocds import entry_values
from hub.database import hub_sessions, tenant_session
from tenants.registry import TenantRef, list_tenants, resolve_tenant
from tenants.tenders.common import database_now
from tenants.tenders.models import Tender
from tenants.tenders.publication import snapshot_of

COMPARED = (
    "status",
    "stage",
    "title",
    "budget",
    "owner_estimate",
    "bidders",
    "winner",
    "award_value",
    "contract_value",
    "submission_ends_at",
    "agency",
)


@dataclass(slots=True)
class Drift:
    slug: str
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.changed or self.removed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def rebuild_catalogue(engine: AsyncEngine, slug: str | None = None) -> list[Drift]:
    async with hub_sessions(engine)() as session:
        if slug is not None:
            tenants = [await resolve_tenant(session, slug=slug)]
        else:
            tenants = [await resolve_tenant(session, slug=t.slug) for t in await list_tenants(session)]
    return [await _rebuild_one(engine, tenant) for tenant in tenants]


async def _rebuild_one(engine: AsyncEngine, tenant: TenantRef) -> Drift:
    drift = Drift(tenant.slug)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        now = await database_now(session)
        stored = {
            e.ocid: e
            for e in (
                await session.execute(
                    select(CatalogueEntry).where(
                        CatalogueEntry.origin == LOCAL, CatalogueEntry.tenant_code == tenant.code
                    )
                )
            ).scalars()
        }
        public = (
            (await session.execute(select(Tender).where(Tender.announced_at.is_not(None)))).scalars().all()
        )
        for tender in public:
            values = entry_values(await snapshot_of(session, tenant, tender, now))
            local_id = f"{tenant.code}-{tender.id}"
            drift.checked += 1
            row = stored.pop(local_id, None)
            if row is None:
                drift.missing.append(local_id)
            elif any(getattr(row, k) != values[k] for k in COMPARED):
                drift.changed.append(local_id)
            else:
                continue
            await upsert_entry(session, LOCAL, local_id, values, now)
        drift.removed = sorted(stored)
        if stored:
            await session.execute(
                delete(CatalogueEntry).where(CatalogueEntry.origin == LOCAL, CatalogueEntry.ocid.in_(stored))
            )
    return drift
