"""Probing one tenant: is its LPSE up, which of the checks passed, and are its bids the ones received.

``probe_tenant`` runs the four checks of ``CHECKS`` one after the other in the tenant's own
session, each in a transaction of its own whose ``statement_timeout`` is the time limit, so a
slow or blocked query fails the check instead of holding the probe (an ``asyncio`` timeout a
moment later catches what the server cannot, such as a pool with no free connection). A check
that fails does not stop the ones after it. The probe only reads.

Then, within the same time limit, it checks a bounded share of the stored bids of tenders not yet
opened (``tenants.tenders.watch_unopened_bids``), so a swapped bundle shows before the opening. What
that finds is kept apart from ``up`` and ``CHECKS`` (``ProbeResult.tampered_bids``,
``bids_problem``): a swapped bid is an integrity alarm with its own alert, not downtime.

Suspended tenants are probed like the others: ``up`` says that the tenant's data answers and
holds, not that the tenant serves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import func, literal, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.core.database import tenant_session
from hub.core.master_key import MasterKey
from hub.core.migrations import schema_revisions
from monitoring.probes.checks import audit_problem, migration_problem, read_problem, schema_problem
from monitoring.probes.models import CHECKS, ProbeResult
from tenants.registry import Tenant
from tenants.tenders import BidWatch, WatchedBids, watch_unopened_bids

DEFAULT_TIMEOUT_SECONDS = 5.0
GRACE_SECONDS = 1.0
"""How long after the server's statement timeout the probe stops waiting on its own."""
_QUERY_CANCELED = "57014"  # SQLSTATE of a statement cancelled by statement_timeout

DEFAULT_BID_BYTES = 64 * 2**20
"""Bundle bytes the bid check hashes per tenant and round unless told otherwise
(``LPSE_HUB_PROBE_BID_MIB_PER_ROUND``)."""

T = TypeVar("T")
Check = Callable[[AsyncSession], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class BidCheck:
    """How a probe checks the tenant's stored bids: from where (the tenant's last ``bid_watch``),
    how many bundle bytes at most, and with which master key (``None``: every stored receipt key
    is taken on trust)."""

    watch: BidWatch = field(default_factory=BidWatch)
    bytes_per_round: int = DEFAULT_BID_BYTES
    master: MasterKey | None = None


async def probe_tenant(
    engine: AsyncEngine,
    tenant: Tenant,
    *,
    time_limit: float = DEFAULT_TIMEOUT_SECONDS,
    revisions: Mapping[str, str | None] | None = None,
    at: datetime | None = None,
    bids: BidCheck | None = None,
) -> ProbeResult:
    """Probe ``tenant`` now; the result is not written (``probe_all`` writes a round of them).

    ``revisions`` (schema -> migration revision, from one ``schema_revisions`` call for every
    tenant) spares the migrations check its own query. ``at`` is the result's ``probed_at``: the
    round's time by the database clock when ``probe_all`` calls it, this process's clock otherwise.
    ``bids`` says how to check the stored bids (``probe_all`` carries it on from round to round).
    """
    started, probed_at = time.perf_counter(), at or datetime.now(UTC)
    bids = bids or BidCheck()
    problems: dict[str, str | None] = {}
    async with tenant_session(engine, tenant.schema) as session:
        problems["schema"] = await _bounded(session, time_limit, schema_problem)
        problems["migrations"] = await _migrations(engine, tenant.schema, time_limit, revisions)
        problems["read"] = await _bounded(session, time_limit, read_problem)
        problems["audit"] = await _bounded(session, time_limit, audit_problem)
        watched: WatchedBids | str | None = None
        if problems["schema"] is None:  # without its schema a tenant is down already: no bids to look for
            watched = await _bounded(session, time_limit, partial(_watch, bids=bids))
    first = next(((name, problems[name]) for name in CHECKS if problems[name] is not None), None)
    return ProbeResult(
        tenant_code=tenant.code,
        tenant_slug=tenant.slug,
        probed_at=probed_at,
        up=first is None,
        checks={name: problems[name] is None for name in CHECKS},
        duration_seconds=round(time.perf_counter() - started, 6),
        error=None if first is None else _one_line(f"{first[0]}: {first[1]}"),
        **_bid_findings(bids.watch, watched),
    )


async def _watch(session: AsyncSession, bids: BidCheck) -> WatchedBids:
    return await watch_unopened_bids(
        session, bids.watch, byte_budget=bids.bytes_per_round, master=bids.master
    )


def _bid_findings(watch: BidWatch, watched: WatchedBids | str | None) -> dict[str, Any]:
    """The result's fields about the bids: what the check found and where the next one starts, or
    why it did not answer (a ``str``) or did not run (``None``), the next one starting where it would have."""
    if not isinstance(watched, WatchedBids):
        problem = None if watched is None else _one_line(f"bids: {watched}")
        return {"tampered_bids": None, "bids_problem": problem, "bid_watch": watch.to_dict()}
    return {
        "tampered_bids": [m.to_dict() for m in watched.mismatches],
        "bids_problem": None if watched.problem is None else _one_line(f"bids: {watched.problem}"),
        "bid_watch": watched.next.to_dict(),
    }


async def _bounded(session: AsyncSession, time_limit: float, check: Check[T]) -> T | str:
    """Run ``check`` in a transaction of its own, with the server's statement timeout set: what it
    answers, or why it could not answer (a ``str``: too slow, a database error)."""

    async def in_transaction() -> T:
        async with session.begin():
            milliseconds = str(max(1, round(time_limit * 1000)))
            await session.execute(select(func.set_config("statement_timeout", milliseconds, literal(True))))
            return await check(session)

    return await _within(time_limit, in_transaction())


async def _migrations(
    engine: AsyncEngine, schema: str, time_limit: float, revisions: Mapping[str, str | None] | None
) -> str | None:
    if revisions is not None and schema in revisions:
        return migration_problem(schema, revisions[schema])

    async def own_query() -> str | None:
        return migration_problem(schema, (await schema_revisions(engine, [schema]))[schema])

    return await _within(time_limit, own_query())


async def _within(time_limit: float, work: Awaitable[T]) -> T | str:
    """The check's answer (its problem, or ``None``), or why it could not answer (too slow, a
    database error)."""
    try:
        async with asyncio.timeout(time_limit + GRACE_SECONDS):
            return await work
    except TimeoutError:
        return f"no answer within {time_limit:g}s"
    except SQLAlchemyError as exc:
        return _database_problem(exc, time_limit)
    except OSError as exc:
        return f"database unreachable: {exc}"


def _database_problem(exc: SQLAlchemyError, time_limit: float) -> str:
    driver = getattr(getattr(exc, "orig", None), "driver_exception", None)
    if getattr(driver, "sqlstate", None) == _QUERY_CANCELED:
        return f"no answer within {time_limit:g}s"
    return str(driver or getattr(exc, "orig", None) or exc)


def _one_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text)
