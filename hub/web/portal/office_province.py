"""What the province's pages of the office (``/kantor/provinsi``) read beyond the services they call:
each tenant's last probes, each tenant's latest signed checkpoint, the regions of the hub's provinces
not provisioned yet, and the red flags counted per indicator and per LPSE.

The figures themselves come from the services the API and the CLI use: availability
(``monitoring.probes``), the coordination review (``monitoring.reviews``), the red flags
(``federation.catalogue.flagged``); nothing here decides who may see them (the controller asks the
policy table).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.records import local_id_of
from federation.catalogue.red_flags import Flag
from monitoring.probes import ProbeResult
from tenants.audit import Checkpoint
from tenants.regions import Region, RegionKind, all_regions
from tenants.registry import Tenant

PROBES_SHOWN = 12
"""Each tenant's newest probes the page shows (one a minute by default: the last quarter hour)."""


@dataclass(frozen=True, slots=True)
class Probe:
    """One probe of a tenant as the page shows it."""

    probed_at: datetime
    up: bool
    error: str | None


async def recent_probes(session: AsyncSession, per_tenant: int = PROBES_SHOWN) -> dict[str, list[Probe]]:
    """Each tenant's newest ``per_tenant`` probes, newest first, by tenant code: one query, a lateral
    join reading each tenant's few rows off ``ix_probe_results_tenant`` (as ``latest_probes`` does),
    only those of the tenant that holds the code now."""
    r = ProbeResult
    newest = (
        select(r.probed_at, r.up, r.error)
        .where(r.tenant_code == Tenant.code, r.probed_at >= Tenant.created_at)
        .order_by(r.probed_at.desc())
        .limit(per_tenant)
        .lateral("newest")
    )
    query = (
        select(Tenant.code, newest.c.probed_at, newest.c.up, newest.c.error)
        .select_from(Tenant)
        .join(newest, true())
        .order_by(Tenant.code, newest.c.probed_at.desc())
    )
    found: dict[str, list[Probe]] = {}
    for code, probed_at, up, error in (await session.execute(query)).all():
        found.setdefault(code, []).append(Probe(probed_at, up, error))
    return found


async def latest_checkpoints(session: AsyncSession) -> dict[str, Checkpoint]:
    """The newest signed checkpoint of every chain (tenants' and the vendor key log's), by its code."""
    c = Checkpoint
    rank = func.row_number().over(partition_by=c.tenant_code, order_by=(c.seq.desc(), c.id.desc()))
    newest = select(c.id, rank.label("rank")).subquery()
    query = select(c).join(newest, newest.c.id == c.id).where(newest.c.rank == 1)
    return {c.tenant_code: c for c in (await session.execute(query)).scalars()}


def unprovisioned(tenants: Sequence[Tenant]) -> list[Region]:
    """The regencies and cities of the hub's provinces that have no tenant yet, by code."""
    provinces = {t.province_code for t in tenants}
    taken = {t.code for t in tenants}
    return [
        region
        for region in all_regions().values()
        if region.kind is not RegionKind.PROVINCE
        and region.province_code in provinces
        and region.code not in taken
    ]


def tenant_code_of(flag: Flag, prefix: str) -> str | None:
    """The code of the LPSE a flag is about: its tender's ocid's, or its buyer's (H02)."""
    if flag.ocid is not None:
        return local_id_of(prefix, flag.ocid).split("-", 1)[0]
    if flag.buyer_id is not None and flag.buyer_id.startswith("ID-SATKER-"):
        return flag.buyer_id.removeprefix("ID-SATKER-").split("-", 1)[0]
    return None


@dataclass(frozen=True, slots=True)
class FlagCounts:
    """The province's red flags counted per indicator (every indicator, zeros too) and per LPSE."""

    by_indicator: dict[str, int]
    by_tenant: list[tuple[str, int]]
    """(tenant code, flags), most first."""


def count_flags(flags: Iterable[Flag], prefix: str, indicators: Iterable[str]) -> FlagCounts:
    listed = list(flags)
    by_indicator = dict.fromkeys(indicators, 0)
    for flag in listed:
        by_indicator[flag.code] = by_indicator.get(flag.code, 0) + 1
    by_tenant = Counter(code for flag in listed if (code := tenant_code_of(flag, prefix)) is not None)
    return FlagCounts(by_indicator, sorted(by_tenant.items(), key=lambda item: (-item[1], item[0])))
