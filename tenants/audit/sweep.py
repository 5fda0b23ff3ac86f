"""Verifying, anchoring, checkpointing and comparing the audit logs of every tenant at once (the
CLI, probes, scheduled jobs).

Each sweep is one runner (``_sweep``) given its work for one tenant and how to report it: each
tenant in its own session, ``concurrency`` at a time within the one pool; a tenant that cannot be
done (its schema not migrated yet, the database gone) is reported with its error and the others
carry on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import HubError
from hub.core.master_key import MasterKey
from monitoring.metrics import count_audit_verification
from tenants.audit.chain import anchor_chain
from tenants.audit.checkpoints import KEY_LOG_CHAIN, SavedCheckpoint, checkpoint_chain, compare_checkpoints
from tenants.audit.models import Anchor, Checkpoint
from tenants.audit.verification import ChainReport, verify_chain
from tenants.registry import Tenant, get_tenant, list_tenants

R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TenantChain:
    """The verification of one tenant's log, or the error that prevented it."""

    slug: str
    code: str
    report: ChainReport | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok

    def to_dict(self) -> dict[str, object]:
        """The report's fields with the tenant's; an error becomes the ``problem``."""
        report = self.report or ChainReport(False, 0, None, None, None, f"could not verify: {self.error}")
        return {**report.to_dict(), "tenant": self.slug, "code": self.code}


@dataclass(frozen=True, slots=True)
class TenantAnchor:
    """The head anchored for one tenant (``None``: nothing new), or the error that prevented it."""

    slug: str
    code: str
    anchor: Anchor | None
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        anchored = self.anchor.to_dict() if self.anchor is not None else None
        return {"tenant": self.slug, "code": self.code, "anchored": anchored, "error": self.error}


async def verify_tenants(
    engine: AsyncEngine,
    *,
    concurrency: int,
    slug: str | None = None,
    on_done: Callable[[object], None] | None = None,
) -> list[TenantChain]:
    """Verify the log of the tenant ``slug``, or of every tenant (suspended ones too), by slug."""

    def verified(tenant: Tenant, report: ChainReport | None, error: str | None) -> TenantChain:
        if report is not None:
            count_audit_verification(tenant.slug, intact=report.ok)
        return TenantChain(tenant.slug, tenant.code, report, error)

    return await _sweep(
        engine, lambda _, session: verify_chain(session), verified, slug, concurrency, on_done
    )


async def anchor_tenants(
    engine: AsyncEngine,
    *,
    concurrency: int,
    slug: str | None = None,
    on_done: Callable[[object], None] | None = None,
) -> list[TenantAnchor]:
    """Anchor the head of the tenant ``slug``'s log, or of every tenant's, each in its own transaction."""

    def anchored(tenant: Tenant, anchor: Anchor | None, error: str | None) -> TenantAnchor:
        return TenantAnchor(tenant.slug, tenant.code, anchor, error)

    async def anchor(tenant: Tenant, session: AsyncSession) -> Anchor | None:
        async with session.begin():
            return await anchor_chain(session, tenant.code)

    return await _sweep(engine, anchor, anchored, slug, concurrency, on_done)


@dataclass(frozen=True, slots=True)
class TenantCheckpoint:
    """The checkpoint signed for one tenant (``None``: nothing new), or the error that prevented it."""

    slug: str
    code: str
    checkpoint: Checkpoint | None
    error: str | None = None


async def checkpoint_tenants(
    engine: AsyncEngine, master: MasterKey, *, concurrency: int, at: datetime | None = None
) -> list[TenantCheckpoint]:
    """Sign a checkpoint of every tenant's head (each in its own transaction), all timed ``at``."""

    def signed(tenant: Tenant, checkpoint: Checkpoint | None, error: str | None) -> TenantCheckpoint:
        return TenantCheckpoint(tenant.slug, tenant.code, checkpoint, error)

    async def sign(tenant: Tenant, session: AsyncSession) -> Checkpoint | None:
        async with session.begin():
            return await checkpoint_chain(session, tenant.code, master, at=at)

    return await _sweep(engine, sign, signed, None, concurrency, None)


async def compare_tenants(
    engine: AsyncEngine, saved: list[SavedCheckpoint], *, concurrency: int, slug: str | None = None
) -> list[str]:
    """One sentence per saved checkpoint the hub's logs contradict, tenant by tenant (``slug``: one
    tenant only). With every tenant, a checkpointed code no tenant holds any more is a sentence too
    (``KEY_LOG_CHAIN`` is no tenant's: ``federation.vendors.compare_key_log`` compares it)."""

    def contradictions(tenant: Tenant, problems: list[str] | None, error: str | None) -> list[str]:
        return [f"tenant {tenant.code}: could not compare: {error}"] if problems is None else problems

    found = await _sweep(
        engine,
        lambda _, session: compare_checkpoints(session, saved),
        contradictions,
        slug,
        concurrency,
        None,
    )
    problems = [problem for tenant in found for problem in tenant]
    if slug is None:
        async with hub_sessions(engine)() as session:
            held = {tenant.code for tenant in await list_tenants(session)}
        for code in sorted({c.tenant_code for c in saved} - held - {KEY_LOG_CHAIN}):
            problems.append(f"tenant {code}: checkpointed but no tenant holds this code any more: deleted")
    return problems


async def _sweep(
    engine: AsyncEngine,
    work: Callable[[Tenant, AsyncSession], Awaitable[R]],
    outcome: Callable[[Tenant, R | None, str | None], T],
    slug: str | None,
    concurrency: int,
    on_done: Callable[[object], None] | None,
) -> list[T]:
    """Run ``work`` for the tenant ``slug`` (or every tenant), each in a session of its own,
    ``concurrency`` at a time, and make each tenant's ``outcome`` of what it answered or the error
    that stopped it (a ``HubError``'s detail or a database error's first line; the others carry
    on). ``on_done`` hears each outcome as it comes (a progress bar); the list is by slug."""
    async with hub_sessions(engine)() as session:
        tenants = [await get_tenant(session, slug)] if slug is not None else await list_tenants(session)
    limit = asyncio.Semaphore(concurrency)

    async def one(tenant: Tenant) -> T:
        answer: R | None = None
        error: str | None = None
        async with limit, tenant_session(engine, tenant.schema) as session:
            try:
                answer = await work(tenant, session)
            except HubError as exc:
                error = exc.detail
            except SQLAlchemyError as exc:
                error = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        result = outcome(tenant, answer, error)
        if on_done is not None:
            on_done(result)
        return result

    return list(await asyncio.gather(*(one(t) for t in sorted(tenants, key=lambda t: t.slug))))
