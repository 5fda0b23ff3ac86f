"""Tenants worth probing, a hand-made probe history, and a clean slate of probes between tests.

Probe results and audit anchors live in ``hub`` and outlive the tenants a test deletes, so the
tests that probe start and end with none (``forget_probes``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, grant_role
from hub.core.database import hub_sessions, tenant_session
from monitoring.probes import CHECKS, ProbeResult
from tenants.agencies import add_agency
from tenants.audit import Anchor, Checkpoint
from tenants.registry import Tenant, resolve_tenant
from tenants.tenders import Actor, PackageInput, create_package, create_tender

MINUTE = timedelta(minutes=1)


async def forget_probes(engine: AsyncEngine) -> None:
    """No probe result and no audit anchor nor checkpoint left in the hub."""
    async with hub_sessions(engine)() as session, session.begin():
        await session.execute(delete(ProbeResult))
        await session.execute(delete(Anchor))
        await session.execute(delete(Checkpoint))


async def with_a_draft_tender(engine: AsyncEngine, tenant: Tenant) -> None:
    """An agency, a package and a draft tender, made by the tenant's officials through the services
    (each leaves its entries in the tenant's audit log)."""
    async with hub_sessions(engine)() as session:
        ref = await resolve_tenant(session, slug=tenant.slug)
    ppk, pokja = [Actor(await _official(engine, role, tenant.slug), ref) for role in _ROLES]
    now = datetime.now(UTC)
    windows = {
        "announcement": (now + MINUTE, now + 3 * 24 * 60 * MINUTE),
        "document_download": (now + MINUTE, now + 3 * 24 * 60 * MINUTE),
        "bid_submission": (now + 24 * 60 * MINUTE, now + 3 * 24 * 60 * MINUTE),
        "bid_opening": (now + 3 * 24 * 60 * MINUTE, now + 4 * 24 * 60 * MINUTE),
    }
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        agency = await add_agency(session, "Dinas Pekerjaan Umum dan Penataan Ruang")
        package = await create_package(
            session,
            ppk,
            PackageInput(agency.id, "Jalan Desa Sumberejo", 2026, "construction", "tender", 10**9, 9 * 10**8),
        )
        await create_tender(session, pokja, package.id, "lowest_price", windows)


_ROLES = ("commitment_officer", "selection_committee")


async def _official(engine: AsyncEngine, role: str, slug: str) -> int:
    email = f"{role}.{uuid.uuid4().hex[:8]}@{slug}.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        account = await create_account(session, email, "Pejabat", None)
        await grant_role(session, email, role, slug)
    return account.id


async def record_history(engine: AsyncEngine, tenant: Tenant, start: datetime, pattern: str) -> None:
    """One probe a minute from ``start``: ``U`` found the tenant up, ``D`` down (its schema failing).

    Written directly, as rounds long past would have left them: the history is what is under test.
    """
    results = [
        ProbeResult(
            tenant_code=tenant.code,
            tenant_slug=tenant.slug,
            probed_at=start + i * MINUTE,
            up=mark == "U",
            checks={name: mark == "U" or name != "schema" for name in CHECKS},
            duration_seconds=0.01,
            error=None if mark == "U" else f"schema: schema {tenant.schema} does not exist",
        )
        for i, mark in enumerate(pattern)
    ]
    async with hub_sessions(engine)() as session, session.begin():
        session.add_all(results)


async def rounds_written(engine: AsyncEngine) -> list[datetime]:
    """The distinct times of the rounds in the history (every result of a round shares its time)."""
    async with hub_sessions(engine)() as session:
        query = select(ProbeResult.probed_at).distinct().order_by(ProbeResult.probed_at)
        return list((await session.execute(query)).scalars())


async def age_rounds(engine: AsyncEngine, by: timedelta) -> None:
    """The rounds written so far, moved ``by`` into the past: what the database clock, which judges
    the gap between rounds, would see once that much time has passed."""
    async with hub_sessions(engine)() as session, session.begin():
        await session.execute(update(ProbeResult).values(probed_at=ProbeResult.probed_at - by))
