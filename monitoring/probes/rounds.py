"""A probe round: every tenant probed, the results written together, old history pruned.

One replica probes at a time. A round runs inside one ``hub`` transaction that first takes a
transaction-level advisory lock (``pg_try_advisory_xact_lock``, never waiting for it) and ends
by writing every tenant's result and pruning what is older than the retention, so the lock is
released, and the round appears, at its commit. A replica that does not get the lock skips the
round and says so. With ``min_gap``, a replica that gets the lock but finds a round written less
than ``min_gap`` ago skips too: replicas on the same schedule, out of phase, then write one round
per interval between them instead of one each.

The lock's transaction writes nothing until the end, so it takes no transaction id while the
tenants are probed and does not hold back the change feed (``federation.catalogue.feed``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, func, literal, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.vendors import checkpoint_key_log
from hub.core.database import hub_sessions
from hub.core.errors import HubError
from hub.core.master_key import MasterKey
from hub.core.migrations import schema_revisions
from hub.core.settings import Settings
from monitoring.probes.history import latest_probes
from monitoring.probes.models import CHECKS, ProbeResult
from monitoring.probes.outage_checks import ended_outages, extend_after_round
from monitoring.probes.probe import DEFAULT_BID_BYTES, DEFAULT_TIMEOUT_SECONDS, BidCheck, probe_tenant
from tenants.audit import checkpoint_tenants
from tenants.registry import Tenant, list_tenants
from tenants.tenders import BidWatch
from tenants.tenders.outages import OutageRule

ROUND_LOCK = "probes:round"
"""The advisory lock (``hashtext`` of this name) a replica holds while it probes a round."""
DEFAULT_RETENTION = timedelta(days=90)
logger = logging.getLogger("hub.probes")


@dataclass(frozen=True, slots=True)
class ProbeRound:
    """What one call of ``probe_all`` did: a round written, or the reason it was skipped."""

    written: bool
    at: datetime | None = None
    """The round's time by the database clock: every result's ``probed_at``."""
    results: list[ProbeResult] = field(default_factory=list)
    pruned: int = 0
    """Results older than the retention deleted with this round."""
    skipped: str | None = None

    @property
    def down(self) -> list[ProbeResult]:
        return [r for r in self.results if not r.up]

    @property
    def with_bid_problems(self) -> list[ProbeResult]:
        """Tenants whose stored bids are not the ones received, or could not be checked."""
        return [r for r in self.results if r.bids_problem is not None]

    def to_dict(self) -> dict[str, object]:
        return {
            "written": self.written,
            "at": self.at.isoformat() if self.at is not None else None,
            "skipped": self.skipped,
            "pruned": self.pruned,
            "tenants": [_result_dict(r) for r in self.results],
        }


async def probe_all(
    engine: AsyncEngine,
    concurrency: int,
    *,
    time_limit: float = DEFAULT_TIMEOUT_SECONDS,
    retention: timedelta = DEFAULT_RETENTION,
    min_gap: timedelta | None = None,
    master: MasterKey | None = None,
    bid_bytes: int = DEFAULT_BID_BYTES,
    outages: OutageRule | None = None,
) -> ProbeRound:
    """Probe every tenant in the registry, ``concurrency`` at a time, and write the round.

    A tenant whose probe cannot even run is written down with the reason; the others carry on.
    Each tenant's stored bids are checked from where its last probe stopped, ``bid_bytes`` of
    bundles at most (``monitoring.probes.probe``). With ``master``, only the hub's own receipt keys
    are trusted, and each tenant's audit head and the vendor key log's head are then signed as
    checkpoints timed like the round (``tenants.audit.checkpoint_tenants``,
    ``federation.vendors.checkpoint_key_log``), once the round is written. With ``outages``, the
    deadlines an outage just ended reached are extended (``monitoring.probes.outage_checks``).
    """
    async with hub_sessions(engine)() as session, session.begin():
        lock = func.pg_try_advisory_xact_lock(func.hashtext(literal(ROUND_LOCK)))
        if not await session.scalar(select(lock)):
            return ProbeRound(False, skipped="another replica is probing now")
        at = await session.scalar(select(func.now()))
        assert at is not None
        if min_gap is not None and (recent := await _recent_round(session, at, min_gap)) is not None:
            return ProbeRound(False, skipped=recent)
        tenants = sorted(await list_tenants(session), key=lambda t: t.slug)
        previous = {r.tenant_code: r for r in await latest_probes(session)}
        watches = {code: BidWatch.of(r.bid_watch) for code, r in previous.items()}

        def bids_of(tenant: Tenant) -> BidCheck:
            return BidCheck(watches.get(tenant.code, BidWatch()), bid_bytes, master)

        results = await _probe_each(engine, tenants, concurrency, time_limit, at, bids_of)
        pruned: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
            delete(ProbeResult).where(ProbeResult.probed_at < at - retention)
        )
        session.add_all(results)
    if master is not None:
        await _checkpoint(engine, master, concurrency, at)
    if outages is not None:
        await extend_after_round(engine, tenants, ended_outages(previous, results, at, outages), outages)
    return ProbeRound(True, at, results, pruned.rowcount or 0)


async def _checkpoint(engine: AsyncEngine, master: MasterKey, concurrency: int, at: datetime) -> None:
    """Sign each tenant's audit head and the vendor key log's head as checkpoints timed ``at``; what
    cannot be signed (a log that contradicts its last checkpoint, say) is logged, the rest go on."""
    for failed in await checkpoint_tenants(engine, master, concurrency=concurrency, at=at):
        if failed.error is not None:
            logger.warning("audit checkpoint of tenant %s not made: %s", failed.slug, failed.error)
    try:
        async with hub_sessions(engine)() as session, session.begin():
            await checkpoint_key_log(session, master, at=at)
    except HubError as exc:
        logger.warning("checkpoint of the vendor key log not made: %s", exc.detail)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        logger.warning("checkpoint of the vendor key log not made: %s", reason)


async def probe_round(
    engine: AsyncEngine, settings: Settings, *, min_gap: timedelta | None = None
) -> ProbeRound:
    """``probe_all`` as the settings configure it (time limit, retention, concurrency, bytes of
    bids per round, master key for receipt keys and checkpoints)."""
    return await probe_all(
        engine,
        settings.migration_concurrency,
        time_limit=settings.probe_timeout_seconds,
        retention=timedelta(days=settings.probe_retention_days),
        min_gap=min_gap,
        master=MasterKey.of(settings),
        bid_bytes=settings.probe_bid_mib_per_round * 2**20,
        outages=OutageRule.of(settings),
    )


async def _recent_round(session: AsyncSession, at: datetime, min_gap: timedelta) -> str | None:
    """Why this round is not needed (one was written less than ``min_gap`` before ``at``), if so."""
    last = await session.scalar(select(func.max(ProbeResult.probed_at)))
    if last is None or at - last >= min_gap:
        return None
    return f"a round was written {(at - last).total_seconds():.0f}s ago"


async def _probe_each(
    engine: AsyncEngine,
    tenants: list[Tenant],
    concurrency: int,
    time_limit: float,
    at: datetime,
    bids_of: Callable[[Tenant], BidCheck],
) -> list[ProbeResult]:
    revisions = await _revisions(engine, tenants, time_limit)
    limit = asyncio.Semaphore(concurrency)

    async def one(tenant: Tenant) -> ProbeResult:
        async with limit:
            try:
                return await probe_tenant(
                    engine, tenant, time_limit=time_limit, revisions=revisions, at=at, bids=bids_of(tenant)
                )
            except Exception as exc:  # one tenant's surprise never costs the others their probe
                logger.exception("probing tenant %s failed", tenant.slug)
                return _could_not_probe(tenant, at, exc, bids_of(tenant).watch)

    return list(await asyncio.gather(*(one(t) for t in tenants)))


async def _revisions(
    engine: AsyncEngine, tenants: list[Tenant], time_limit: float
) -> dict[str, str | None] | None:
    """Every tenant schema's revision in one query; ``None`` (each tenant asks alone) if that fails."""
    try:
        async with asyncio.timeout(time_limit):
            return await schema_revisions(engine, [t.schema for t in tenants])
    except Exception:  # a schema dropped between its two statements, say: fall back, do not fail
        logger.info("migration revisions not read in one query; each tenant's probe reads its own")
        return None


def _could_not_probe(tenant: Tenant, at: datetime, exc: Exception, watch: BidWatch) -> ProbeResult:
    return ProbeResult(
        tenant_code=tenant.code,
        tenant_slug=tenant.slug,
        probed_at=at,
        up=False,
        checks=dict.fromkeys(CHECKS, False),
        duration_seconds=0.0,
        error=f"probe failed: {type(exc).__name__}",
        bids_problem=f"bids: not checked: probe failed: {type(exc).__name__}",
        bid_watch=watch.to_dict(),
    )


def _result_dict(result: ProbeResult) -> dict[str, object]:
    return {
        "tenant": result.tenant_slug,
        "code": result.tenant_code,
        "probed_at": result.probed_at.isoformat(),
        "up": result.up,
        "checks": dict(result.checks),
        "duration_seconds": result.duration_seconds,
        "error": result.error,
        "tampered_bids": result.tampered_bids,
        "bids_problem": result.bids_problem,
    }
