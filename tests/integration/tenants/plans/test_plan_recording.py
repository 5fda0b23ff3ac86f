"""Plan items (RUP) recorded in batches taken whole or not at all, and packages within their ceilings."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, grant_role
from federation.identity.actor import Actor, ClientActor
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Conflict, Forbidden, InvalidInput, InvalidRows
from tenants.agencies import add_agency
from tenants.audit import AuditEntry
from tenants.plans import PlanItem, plan_item, record_plan_items
from tenants.registry import TenantRef, resolve_tenant
from tenants.tenders import PackageInput, create_package
from tenants.tenders.procurement_rules import set_plans_required
from tests.conftest import make_tenant
from tests.lock_waits import until_waiting_on_locks

ITEM: dict[str, Any] = {
    "rup_code": "40123456",
    "agency_id": 0,  # the world's agency
    "fiscal_year": 2027,
    "name": "Peningkatan Jalan Desa Tumpang",
    "ceiling": 1_000_000_000,
    "funding_source": "APBD",
    "budget_line": "5.2.04.01.01.0012",
    "category": "construction",
    "method": "tender",
    "selection_from": "2027-03",
    "location": "Kecamatan Tumpang",
}


@dataclass(frozen=True)
class World:
    engine: AsyncEngine
    tenant: TenantRef
    agency_id: int
    ppk: Actor  # commitment_officer
    admin: Actor  # tenant_admin
    auditor: Actor

    def item(self, **changes: Any) -> dict[str, Any]:
        return {**ITEM, "agency_id": self.agency_id, **changes}

    def package(self, budget: int, **changes: Any) -> PackageInput:
        data = PackageInput(
            self.agency_id, "Peningkatan Jalan Desa", 2027, "construction", "tender", budget, budget,
            plan_rup_code=ITEM["rup_code"],
        )  # fmt: skip
        return replace(data, **changes)


async def _person(engine: AsyncEngine, role: str, tenant: TenantRef) -> Actor:
    email = f"{role}.{uuid.uuid4().hex[:8]}@example.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        account = await create_account(session, email, "Orang", "kata-sandi-pengadaan-1", email_verified=True)
        await grant_role(session, email, role, tenant.slug)
    return Actor(account.id, tenant)


@pytest_asyncio.fixture(loop_scope="session")
async def world(clean_identity: AsyncEngine) -> AsyncIterator[World]:
    await make_tenant(clean_identity, "kab-malang", "3507")
    async with hub_sessions(clean_identity)() as session:
        tenant = await resolve_tenant(session, slug="kab-malang")
    async with tenant_session(clean_identity, tenant.schema) as session, session.begin():
        agency = await add_agency(session, "Dinas Pekerjaan Umum dan Penataan Ruang")
    roles = ("commitment_officer", "tenant_admin", "auditor")
    people = [await _person(clean_identity, role, tenant) for role in roles]
    yield World(clean_identity, tenant, agency.id, *people)


async def _record(w: World, rows: list[dict[str, Any]], acting: Actor | ClientActor | None = None) -> Any:
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        return await record_plan_items(session, acting or w.ppk, rows)


async def _count(w: World) -> int:
    async with tenant_session(w.engine, w.tenant.schema) as session:
        return int(await session.scalar(select(func.count()).select_from(PlanItem)) or 0)


async def _entries(w: World, action: str) -> list[AuditEntry]:
    async with tenant_session(w.engine, w.tenant.schema) as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list((await session.scalars(query)).all())


async def _create(w: World, data: PackageInput) -> int:
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        return (await create_package(session, w.ppk, data)).id


async def test_a_batch_with_bad_rows_names_every_fault_by_row_and_records_nothing(world: World) -> None:
    rows = [
        world.item(),
        world.item(rup_code="RUP-1", ceiling=-5, budget_line="lima.dua"),
        world.item(
            rup_code="40123457", funding_source="DESA", selection_from="2027-03-10", selection_to="2027-03-01"
        ),
        world.item(rup_code="40123458", agency_id=999_999),
        world.item(rup_code="40123456"),  # sent twice
        {**world.item(rup_code="40123459"), "pagu": 5},
    ]  # fmt: skip
    with pytest.raises(InvalidRows) as refused:
        await _record(world, rows)
    faults = {(f.index, f.field) for f in refused.value.rows}
    assert faults == {
        (1, "rup_code"), (1, "ceiling"), (1, "budget_line"), (2, "funding_source"), (2, "selection_to"),
        (3, "agency_id"), (4, "rup_code"), (5, "pagu"),
    }  # fmt: skip
    assert "nothing was recorded" in refused.value.detail
    assert await _count(world) == 0
    assert await _entries(world, "plan_item.recorded") == []


async def test_an_item_sent_again_unchanged_is_a_no_op_and_changed_is_a_revision_with_before_and_after(
    world: World,
) -> None:
    first = await _record(world, [world.item()])
    assert first.recorded == ["40123456"]
    again = await _record(world, [world.item()])
    assert (again.recorded, again.revised, again.unchanged) == ([], [], ["40123456"])
    revised = await _record(world, [world.item(ceiling=1_200_000_000, selection_from="2027-04")])
    assert revised.revised == ["40123456"]
    [entry] = await _entries(world, "plan_item.revised")
    assert entry.subject == "plan_item:40123456"
    assert entry.payload["before"] == {
        "ceiling": 1_000_000_000,
        "selection_from": "2027-03-01",
        "selection_to": "2027-03-31",
    }
    assert entry.payload["after"] == {
        "ceiling": 1_200_000_000,
        "selection_from": "2027-04-01",
        "selection_to": "2027-04-30",
    }
    assert len(await _entries(world, "plan_item.recorded")) == 1


async def test_a_package_takes_from_the_ceiling_and_a_revision_cannot_go_below_what_is_taken(
    world: World,
) -> None:
    await _record(world, [world.item()])
    package_id = await _create(world, world.package(600_000_000))
    async with tenant_session(world.engine, world.tenant.schema) as session:
        view = await plan_item(session, "40123456")
    assert (view.taken, view.left, view.packages) == (600_000_000, 400_000_000, 1)
    with pytest.raises(Conflict, match="exceeds what is left"):
        await _create(world, world.package(400_000_001))
    await _create(world, world.package(400_000_000))  # the last rupiah
    with pytest.raises(InvalidRows) as refused:
        await _record(world, [world.item(ceiling=999_999_999, fiscal_year=2028)])
    assert {(f.index, f.field) for f in refused.value.rows} == {(0, "ceiling"), (0, "fiscal_year")}
    assert package_id


async def test_a_package_under_another_agencys_or_years_item_or_an_unknown_one_is_refused(
    world: World,
) -> None:
    await _record(world, [world.item()])
    with pytest.raises(InvalidInput, match="same agency and fiscal year"):
        await _create(world, world.package(1_000, fiscal_year=2026))
    with pytest.raises(InvalidInput, match="no plan item"):
        await _create(world, world.package(1_000, plan_rup_code="999"))


async def test_where_plans_are_required_a_package_without_one_is_refused(world: World) -> None:
    await _create(world, world.package(1_000, plan_rup_code=None))  # not required yet
    async with tenant_session(world.engine, world.tenant.schema) as session, session.begin():
        await set_plans_required(session, world.admin, True)
    with pytest.raises(Conflict, match="requires every package to name its plan item"):
        await _create(world, world.package(1_000, plan_rup_code=None))
    [entry] = await _entries(world, "rules.plans_required")
    assert entry.payload == {"old": False, "new": True}


async def test_two_packages_at_once_cannot_both_take_the_last_of_a_ceiling(world: World) -> None:
    await _record(world, [world.item()])
    async with tenant_session(world.engine, world.tenant.schema) as first, first.begin():
        await create_package(first, world.ppk, world.package(700_000_000))  # holds the item's row
        second = asyncio.create_task(_create(world, world.package(700_000_000)))
        await until_waiting_on_locks(world.engine, 1, unless=[second])
        assert not second.done()  # it waits for the first, not past it
    with pytest.raises(Conflict, match="exceeds what is left"):
        await second
    async with tenant_session(world.engine, world.tenant.schema) as session:
        assert (await plan_item(session, "40123456")).taken == 700_000_000


async def test_the_operator_records_as_itself_and_an_auditor_may_not_record(world: World) -> None:
    outcome = await _record(world, [world.item()], ClientActor.operator(world.tenant))
    assert outcome.recorded == ["40123456"]
    async with tenant_session(world.engine, world.tenant.schema) as session:
        row = (await session.scalars(select(PlanItem))).one()
    assert (row.recorded_by, row.recorded_by_client) == (None, "operator")
    [entry] = await _entries(world, "plan_item.recorded")
    assert entry.actor_id is None
    assert entry.payload["client"] == "operator"
    with pytest.raises(Forbidden):
        await _record(world, [world.item(rup_code="1")], world.auditor)
