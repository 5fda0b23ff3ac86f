"""A tenant with tenders whose deadlines sit where a test wants them, and a hand-made probe history.

Probe results and recorded outages live in ``hub`` and outlive a tenant, so the tests start and end
with none (``forget_outages``). Times are set relative to the database clock's ``now()``: a tender's
schedule is moved there after its announcement, as the other tender tests move it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, grant_role
from federation.vendors import register_vendor, verify_vendor
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from monitoring.probes import CHECKS, ProbeResult
from tenants.agencies import add_agency
from tenants.registry import TenantRef, resolve_tenant
from tenants.tenders import (
    Actor,
    PackageInput,
    announce_tender,
    create_package,
    create_tender,
    register_for_tender,
)
from tenants.tenders.outages import RecordedOutage
from tests.conftest import make_tenant

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


_MOVE = text(
    "UPDATE t_3507.tender_stages SET starts_at = :s, ends_at = :e WHERE tender_id = :t AND stage = :n"
)


@dataclass
class World:
    engine: AsyncEngine
    tenant: TenantRef
    pokja: Actor
    ppk: Actor
    vendor: Actor
    vendor_id: int
    master: MasterKey
    now: datetime


async def forget_outages(engine: AsyncEngine) -> None:
    async with hub_sessions(engine)() as session, session.begin():
        await session.execute(delete(ProbeResult))
        await session.execute(delete(RecordedOutage))


async def _person(engine: AsyncEngine, role: str | None, vendor_id: int | None = None) -> int:
    email = f"p.{uuid.uuid4().hex[:8]}@malangkab.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        account = await create_account(session, email, "Orang", None, vendor_id=vendor_id)
        if role:
            await grant_role(session, email, role, "kab-malang")
    return account.id


async def make_world(engine: AsyncEngine, master: MasterKey) -> World:
    await make_tenant(engine, "kab-malang", "3507")
    async with engine.begin() as connection:  # its probe history starts before the outages the tests make
        await connection.execute(text("UPDATE hub.tenants SET created_at = now() - interval '2 days'"))
    async with hub_sessions(engine)() as session:
        tenant = await resolve_tenant(session, slug="kab-malang")
    ppk = Actor(await _person(engine, "commitment_officer"), tenant)
    pokja = Actor(await _person(engine, "selection_committee"), tenant)
    verifier = await _person(engine, "verifier")
    async with hub_sessions(engine)() as session, session.begin():
        vendor = await register_vendor(
            session,
            "CV Tirta",
            "01.111.222.3-652.000",
            None,
            "Jl. Ijen",
            "3507",
            ["41011"],
            f"t.{uuid.uuid4().hex[:6]}@tirta.co.id",
            "Direktur",
            "kata-sandi-99",
        )
        await verify_vendor(session, vendor.id, verifier, "kab-malang", ["NPWP"], None)
        now = await session.scalar(select(func.now()))
    assert now is not None
    user = Actor(await _person(engine, None, vendor.id), tenant)
    return World(engine, tenant, pokja, ppk, user, vendor.id, master, now)


async def tender_closing_at(
    w: World, deadline: datetime, *, submission_starts: datetime | None = None
) -> int:
    """An announced tender, with the world's vendor registered, whose bid submission ends at
    ``deadline`` (from ``submission_starts``, default a day before) and opening starts then."""
    far = w.now + 10 * DAY
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        agency = await add_agency(session, f"Dinas {uuid.uuid4().hex[:6]}")
        package = await create_package(
            session,
            w.ppk,
            PackageInput(
                agency.id, "Jembatan Sungai Brantas", 2026, "construction", "tender", 10**9, 9 * 10**8
            ),
        )
        schedule = {
            "announcement": (w.now - 3 * DAY, far),
            "document_download": (w.now - 3 * DAY, far),
            "bid_submission": (far, far + DAY),
            "bid_opening": (far + DAY, far + 2 * DAY),
            "evaluation": (far + 3 * DAY, far + 4 * DAY),
        }
        tender = await create_tender(session, w.pokja, package.id, "lowest_price", schedule)
        await announce_tender(session, w.pokja, tender.id, w.master)
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        await register_for_tender(session, w.vendor, tender.id)
    starts = submission_starts or deadline - DAY
    moves = {
        "bid_submission": (starts, deadline),
        "bid_opening": (deadline, deadline + DAY),
        "evaluation": (deadline + 2 * DAY, deadline + 3 * DAY),
    }
    async with w.engine.begin() as connection:
        for stage, (begins, ends) in moves.items():
            await connection.execute(
                _MOVE,
                {"s": begins, "e": ends, "t": tender.id, "n": stage},
            )
    return tender.id


async def probes(w: World, *history: tuple[timedelta, bool]) -> list[int]:
    """Probe results of the tenant at ``now + offset``, up or down; their ids."""
    rows = [
        ProbeResult(
            tenant_code=w.tenant.code,
            tenant_slug=w.tenant.slug,
            probed_at=w.now + offset,
            up=up,
            checks=dict.fromkeys(CHECKS, up),
            duration_seconds=0.01,
            error=None if up else "schema: timed out",
        )
        for offset, up in history
    ]
    async with hub_sessions(w.engine)() as session, session.begin():
        session.add_all(rows)
    return [r.id for r in rows]
