"""Tenant migrations: every schema to head, concurrently, lagging ones found and brought along."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.migrations import TENANT_HISTORY, migrate_hub, migrate_tenants, schema_revisions
from monitoring.readiness import migration_status, readiness
from tests.conftest import make_tenant
from tests.extra_revision import EXTRA_REVISION_ID, history_with_extra_revision


async def test_the_hub_migration_is_idempotent(hub: AsyncEngine) -> None:
    result = await migrate_hub(hub)
    assert result.before == result.after is not None


async def test_a_lagging_tenant_fails_readiness_until_upgraded(hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    await make_tenant(hub, "kab-blitar", "3505")
    assert await readiness(hub) == (True, "ready")

    await migrate_tenants(hub, ["t_3505"], concurrency=1, target="base")
    ok, reason = await readiness(hub)
    assert not ok
    assert "kab-blitar" in reason
    status = await migration_status(hub)
    assert [t.slug for t in status.lagging] == ["kab-blitar"]

    results = await migrate_tenants(hub, ["t_3505", "t_3507"], concurrency=2)
    moved = {r.schema: (r.before, r.after) for r in results}
    assert moved == {
        "t_3505": (None, TENANT_HISTORY.head),
        "t_3507": (TENANT_HISTORY.head, TENANT_HISTORY.head),
    }
    assert await readiness(hub) == (True, "ready")


async def test_a_failing_schema_is_reported_and_the_others_carry_on(hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    await migrate_tenants(hub, ["t_3507"], concurrency=1, target="base")
    results = await migrate_tenants(hub, ["t_3507", "t_9999"], concurrency=2)
    errors = {r.schema: r.error for r in results}
    assert errors["t_3507"] is None
    assert errors["t_9999"] is not None
    assert "t_9999" in errors["t_9999"]
    assert (await schema_revisions(hub, ["t_3507"]))["t_3507"] == TENANT_HISTORY.head


async def test_many_schemas_migrate_concurrently_without_crossing(hub: AsyncEngine) -> None:
    # Alembic's own `op` is process-global; concurrent runs must still each hit their own schema.
    codes = ["3501", "3502", "3503", "3504", "3505", "3506", "3507", "3508"]
    for code in codes:
        await make_tenant(hub, f"t-{code}", code)
    schemas = [f"t_{c}" for c in codes]
    await migrate_tenants(hub, schemas, concurrency=8, target="base")
    await migrate_tenants(hub, schemas, concurrency=8)
    assert set((await schema_revisions(hub, schemas)).values()) == {TENANT_HISTORY.head}
    status = await migration_status(hub)
    assert status.at_head


async def test_a_new_revision_alters_every_tenant_schema_and_only_it(
    hub: AsyncEngine, tmp_path: Path
) -> None:
    history = history_with_extra_revision(tmp_path)
    for slug, code in (("kab-malang", "3507"), ("kab-blitar", "3505"), ("kota-batu", "3579")):
        await make_tenant(hub, slug, code)
    schemas = ["t_3505", "t_3507", "t_3579"]
    results = await migrate_tenants(hub, schemas, concurrency=3, history=history)
    assert [(r.after, r.error) for r in results] == [(EXTRA_REVISION_ID, None)] * 3
    async with hub.connect() as connection:
        columns = await connection.execute(
            text("SELECT table_schema FROM information_schema.columns WHERE column_name = 'short_name'")
        )
        assert sorted(columns.scalars()) == schemas
    await migrate_tenants(hub, schemas, concurrency=3, target=TENANT_HISTORY.head or "base", history=history)
    assert set((await schema_revisions(hub, schemas)).values()) == {TENANT_HISTORY.head}
