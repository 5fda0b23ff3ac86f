"""Rebuilding the catalogue from the tenant schemas, and telling how far it had drifted.

The catalogue is written in the transaction of each change, so it should never drift; a rebuild
checks that claim (and repairs a catalogue restored from an older backup, or lost). For each
tenant it recomputes every public tender's row, counts the rows that were missing, different or
left over (a tender that is no longer public or no longer exists), and writes the fix. The feed is
history and is never rewritten: where a tender's last release tells other facts than the tenant's,
the rebuild appends a corrected release (tagged by the sections that differ: ``tenderUpdate``,
``awardUpdate``, ``contractUpdate``), so that the feed's followers and OCDS harvesters get the
corrected facts too, not only the catalogue. A tender no longer public keeps its releases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.catalogue.entries import upsert_entries
from federation.catalogue.models import LOCAL, CatalogueEntry
from federation.catalogue.ocds import entry_values
from hub.core.clock import database_now
from hub.core.database import hub_sessions, tenant_session
from tenants.registry import TenantRef, list_tenants, resolve_tenant
from tenants.tenders.models import Tender
from tenants.tenders.publication.publish import correction, last_releases, snapshots_of

BATCH = 2_000
"""Tenders read and compared at a time: a handful of queries each, whatever the tenant's size."""
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
    "announced_at",
    "submission_starts_at",
    "opened_at",
    "awarded_at",
    "contract_signed_on",
)
COMPARED_COLUMNS = [CatalogueEntry.ocid, *(getattr(CatalogueEntry, k) for k in COMPARED)]


@dataclass(slots=True)
class Drift:
    slug: str
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    republished: list[str] = field(default_factory=list)
    """The tenders whose last release told other facts: a corrected release was appended to the feed."""

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.changed or self.removed or self.republished)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def rebuild_catalogue(
    engine: AsyncEngine, slugs: Sequence[str] | None = None, concurrency: int = 4
) -> list[Drift]:
    """Rebuild the named tenants' rows, or every tenant's, ``concurrency`` tenants at a time."""
    async with hub_sessions(engine)() as session:
        named = slugs if slugs is not None else [t.slug for t in await list_tenants(session)]
        tenants = [await resolve_tenant(session, slug=slug) for slug in named]
    gate = asyncio.Semaphore(concurrency)

    async def one(tenant: TenantRef) -> Drift:
        async with gate:
            return await _rebuild_one(engine, tenant)

    return list(await asyncio.gather(*(one(t) for t in tenants)))


async def _rebuild_one(engine: AsyncEngine, tenant: TenantRef) -> Drift:
    """One transaction per tenant: its rows read once, its tenders a batch at a time, fixes in bulk."""
    drift = Drift(tenant.slug)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        now = await database_now(session)
        mine = and_(
            CatalogueEntry.origin == LOCAL,
            CatalogueEntry.tenant_slug == tenant.slug,  # the index; the code, for certainty
            CatalogueEntry.tenant_code == tenant.code,
        )
        stored = {row.ocid: row for row in await session.execute(select(*COMPARED_COLUMNS).where(mine))}
        after = 0
        while batch := await _public_tenders(session, after):
            after = batch[-1].id
            fixes = []
            snapshots = await snapshots_of(session, tenant, batch, now)
            published = await last_releases(session, [s.local_id for s in snapshots])
            for snapshot in snapshots:
                values = entry_values(snapshot)
                drift.checked += 1
                corrected = correction(snapshot, published.get(snapshot.local_id), now)
                if corrected is not None:
                    drift.republished.append(snapshot.local_id)
                    session.add(corrected)
                row = stored.pop(snapshot.local_id, None)
                if row is None:
                    drift.missing.append(snapshot.local_id)
                elif any(getattr(row, k) != values[k] for k in COMPARED):
                    drift.changed.append(snapshot.local_id)
                else:
                    continue
                fixes.append({"origin": LOCAL, "ocid": snapshot.local_id, "updated_at": now, **values})
            await upsert_entries(session, fixes)
            await session.flush()
        drift.removed = sorted(stored)
        if stored:
            await session.execute(delete(CatalogueEntry).where(mine, CatalogueEntry.ocid.in_(stored)))
    return drift


async def _public_tenders(session: AsyncSession, after: int) -> Sequence[Tender]:
    query = select(Tender).where(Tender.announced_at.is_not(None), Tender.id > after).order_by(Tender.id)
    return (await session.execute(query.limit(BATCH))).scalars().all()
