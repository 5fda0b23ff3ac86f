"""Provisioning builds a tenant's row and schema together, or nothing at all."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

import tenants.registry.tenants as registry_tenants
from hub.core.database import hub_sessions
from hub.core.errors import Conflict, InvalidInput
from hub.core.migrations import TENANT_HISTORY, schema_revisions
from tenants.registry import (
    Tenant,
    TenantSpec,
    create_tenant,
    delete_tenant,
    get_tenant,
    list_tenants,
    provision_province,
)
from tests.conftest import make_tenant


async def schema_exists(engine: AsyncEngine, schema: str) -> bool:
    async with engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT count(*) FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
        )
    return bool(found)


async def tenant_rows(engine: AsyncEngine) -> list[str]:
    async with hub_sessions(engine)() as session:
        return list((await session.execute(select(Tenant.slug))).scalars())


async def test_a_new_tenant_has_its_row_its_hosts_and_a_schema_at_head(hub: AsyncEngine) -> None:
    tenant = await make_tenant(hub, "kab-malang", "3507", "lpse.malangkab.go.id")
    assert (tenant.name, tenant.kind, tenant.timezone, tenant.status) == (
        "Kabupaten Malang",
        "regency",
        "Asia/Jakarta",
        "active",
    )
    assert [h.host for h in tenant.hosts] == ["lpse.malangkab.go.id"]
    assert (await schema_revisions(hub, ["t_3507"]))["t_3507"] == TENANT_HISTORY.head


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (TenantSpec(slug="kab-malang", code="3508"), "slug 'kab-malang' exists"),
        (TenantSpec(slug="malang", code="3507"), "has code 3507"),
        (TenantSpec(slug="kab-lumajang", code="3508", hosts=("lpse.malangkab.go.id",)), "host"),
    ],
)
async def test_duplicates_are_refused_and_nothing_is_written(
    hub: AsyncEngine, spec: TenantSpec, message: str
) -> None:
    await make_tenant(hub, "kab-malang", "3507", "lpse.malangkab.go.id")
    with pytest.raises(Conflict, match=message):
        async with hub_sessions(hub)() as session, session.begin():
            await create_tenant(session, spec)
    assert await tenant_rows(hub) == ["kab-malang"]
    assert not await schema_exists(hub, f"t_{spec.code}") or spec.code == "3507"


async def test_invalid_input_writes_nothing(hub: AsyncEngine) -> None:
    with pytest.raises(InvalidInput):
        async with hub_sessions(hub)() as session, session.begin():
            await create_tenant(session, TenantSpec(slug="kab-x", code="3599"))
    assert await tenant_rows(hub) == []


async def test_a_failure_half_way_leaves_no_schema_and_no_row(
    hub: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = registry_tenants.create_tenant_schema

    async def build_then_fail(connection, schema, *args, **kwargs):  # type: ignore[no-untyped-def]
        await build(connection, schema, *args, **kwargs)  # the schema and its tables exist now
        raise RuntimeError("injected failure after the schema was built")

    monkeypatch.setattr(registry_tenants, "create_tenant_schema", build_then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        async with hub_sessions(hub)() as session, session.begin():
            await create_tenant(session, TenantSpec(slug="kab-malang", code="3507"))
    assert await tenant_rows(hub) == []
    assert not await schema_exists(hub, "t_3507")


async def test_deleting_removes_schema_and_row_together(hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507", "lpse.malangkab.go.id")
    async with hub_sessions(hub)() as session, session.begin():
        await delete_tenant(session, "kab-malang")
    assert await tenant_rows(hub) == []
    assert not await schema_exists(hub, "t_3507")
    # the host name is free again
    await make_tenant(hub, "kab-malang-baru", "3507", "lpse.malangkab.go.id")


async def test_a_province_is_provisioned_whole_and_existing_tenants_are_skipped(hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    report = await provision_province(hub, "35", concurrency=4)
    assert len(report.created) == 38
    assert report.skipped == ["kab-malang"]
    assert not report.failed
    async with hub_sessions(hub)() as session:
        assert len(await list_tenants(session, province_code="35")) == 39
        assert (await get_tenant(session, "prov-jawa-timur")).kind == "province"
    again = await provision_province(hub, "35", concurrency=4)
    assert (len(again.created), len(again.skipped)) == (0, 39)


async def test_provisioning_an_unknown_province_is_refused(hub: AsyncEngine) -> None:
    with pytest.raises(InvalidInput, match="not a province"):
        await provision_province(hub, "3507", concurrency=4)
