"""Kabupaten Malang's procurement plan (RUP) for the demo year, and what its contracts have done since.

Before its tenders are seeded, the plan is recorded as the operator's import would record it
(``tenants.plans.record_plan_items``): one item per package the demo procures, each with its ceiling
(*pagu*), source of funds and budget line (the DPA account code), plus two that no package takes
yet: a sub-health-centre whose planned selection (August) has passed untendered, which the review
counts, and school furniture planned for December. The demo's packages then name their items
(``plan_of``), so each tender's OCDS release carries its ``planning``.

After the contracts are signed (``seed_implementation_demo``), the commitment officer records, as the
e-monev would, the road contract's advance payment and first progress report, a milestone and an
amendment extending its end; the ambulances' delivery and full payment; the laptops' delivery.
Every date is the seeding day: the contracts are signed that day and the services refuse a report
dated before the signing (the database clock is never faked).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.actor import Actor, ClientActor
from hub.core.clock import database_now
from hub.core.database import tenant_session
from tenants.agencies import Agency
from tenants.plans import record_plan_items
from tenants.registry import TenantRef
from tenants.tenders.implementation import (
    AmendmentInput,
    MilestoneInput,
    PaymentInput,
    ProgressInput,
    add_milestone,
    amend_contract,
    meet_milestone,
    record_payment,
    report_progress,
)
from tenants.tenders.models import Package, Tender
from tenants.tenders.outcome_models import Contract

YEAR = 2026
PUPR, HEALTH, EDUCATION, PLANNING = (
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Badan Perencanaan Pembangunan Daerah",
)
# RUP code, agency, name, ceiling, source, budget line, category, method, planned selection (YYYY-MM)
PLAN: tuple[tuple[str, str, str, int, str, str, str, str, str], ...] = (
    ("35071201", PUPR, "Peningkatan Jalan Tumpang - Poncokusumo", 2_600_000_000, "APBD",
     "5.2.04.01.01.0012", "construction", "tender", "2026-10"),
    ("35071202", PUPR, "Pembangunan Jembatan Sungai Lesti Dampit", 1_900_000_000, "APBD",
     "5.2.04.02.01.0003", "construction", "tender", "2026-11"),
    ("35071203", PUPR, "Pembangunan Pasar Rakyat Sumberpucung", 700_000_000, "APBN",
     "5.2.03.01.01.0007", "construction", "tender", "2026-11"),
    ("35071204", HEALTH, "Pengadaan Ambulans Puskesmas Kabupaten Malang", 1_300_000_000, "APBD",
     "5.2.02.03.01.0001", "goods", "tender", "2026-11"),
    ("35071205", HEALTH, "Pembangunan Puskesmas Pembantu Wonosari", 900_000_000, "APBD",
     "5.2.03.01.03.0002", "construction", "tender", "2026-08"),
    ("35071206", EDUCATION, "Rehabilitasi Gedung SMP Negeri 1 Singosari", 1_050_000_000, "APBN",
     "5.2.03.01.02.0011", "construction", "tender", "2026-11"),
    ("35071207", EDUCATION, "Pengadaan Meubelair Sekolah Dasar", 350_000_000, "APBD",
     "5.2.02.05.01.0004", "goods", "tender", "2026-12"),
    ("35071208", PLANNING, "Pengadaan Laptop dan Printer Bappeda", 200_000_000, "APBD",
     "5.2.02.10.01.0002", "goods", "direct_procurement", "2026-11"),
)  # fmt: skip
"""The plan; a demo package of the same name is procured under its item."""


def plan_of(title: str) -> str | None:
    """The RUP code of the plan item the demo's package ``title`` is procured under, if any."""
    return next((code for code, _, name, *_ in PLAN if name == title), None)


async def seed_plan_demo(engine: AsyncEngine, tenant: TenantRef) -> None:
    """Record the plan, as ``lpse-hub plan import`` does (the operator, all items or none)."""
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        agencies = {name: id_ for name, id_ in await session.execute(select(Agency.name, Agency.id))}
        first = min(agencies.values())
        rows: list[dict[str, Any]] = [
            {
                "rup_code": code, "agency_id": agencies.get(agency, first), "fiscal_year": YEAR,
                "name": name, "ceiling": ceiling, "funding_source": source, "budget_line": line,
                "category": category, "method": method, "selection_from": month,
                "location": "Kabupaten Malang",
            }
            for code, agency, name, ceiling, source, line, category, method, month in PLAN
        ]  # fmt: skip
        await record_plan_items(session, ClientActor.operator(tenant), rows, via="import")


async def seed_implementation_demo(engine: AsyncEngine, tenant: TenantRef, ppk: Actor) -> None:
    """The signed contracts' first reports, recorded by their commitment officer (PPK)."""
    contracts = await _contracts(engine, tenant)
    road = contracts["Peningkatan Jalan Tumpang - Poncokusumo"]
    ambulances = contracts["Pengadaan Ambulans Puskesmas Kabupaten Malang"]
    laptops = contracts["Pengadaan Laptop dan Printer Bappeda"]
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        today = (await database_now(session)).astimezone(ZoneInfo(tenant.timezone)).date()
        advance = PaymentInput(462_000_000, today, note="Uang muka 20%")
        await record_payment(session, ppk, road, advance)
        started = ProgressInput(Decimal("7.50"), today, "Mobilisasi alat dan pembersihan lahan selesai")
        await report_progress(session, ppk, road, started)
        await add_milestone(
            session, ppk, road, MilestoneInput("Pengaspalan ruas km 0-5", today + timedelta(days=20))
        )
        late_rain = "Curah hujan tinggi; pengaspalan ditunda sesuai rekomendasi pengawas"
        end = date(YEAR + 1, 1, 31)
        await amend_contract(session, ppk, road, AmendmentInput(late_rain, today, ends_on=end))
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        delivery = await add_milestone(
            session, ppk, ambulances, MilestoneInput("Serah terima 4 unit ambulans", today)
        )
        await meet_milestone(session, ppk, ambulances, delivery.id, today)
        await report_progress(
            session, ppk, ambulances, ProgressInput(Decimal(100), today, "Diterima lengkap")
        )
        await record_payment(session, ppk, ambulances, PaymentInput(1_150_000_000, today, note="Lunas"))
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        await report_progress(session, ppk, laptops, ProgressInput(Decimal(100), today, "Barang diterima"))


async def _contracts(engine: AsyncEngine, tenant: TenantRef) -> dict[str, int]:
    """Each signed contract's tender, by its package's title."""
    async with tenant_session(engine, tenant.schema) as session:
        query = (
            select(Package.title, Contract.tender_id)
            .join(Tender, Tender.package_id == Package.id)
            .join(Contract, Contract.tender_id == Tender.id)
        )
        return {title: tender for title, tender in await session.execute(query)}
