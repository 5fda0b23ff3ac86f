"""The HTTP API as a browser or another system drives it."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions, tenant_session
from hub.core.migrations import migrate_tenants
from hub.core.settings import Settings
from hub.web.app import create_app
from tenants.agencies import add_agency
from tenants.registry import suspend_tenant
from tests.conftest import make_tenant
from tests.e2e.conftest import registry_heard

Client = AsyncTestClient  # type: ignore[type-arg]


async def add_agencies(engine: AsyncEngine, schema: str, *names: str) -> None:
    async with tenant_session(engine, schema) as session, session.begin():
        for name in names:
            await add_agency(session, name)


def assert_problem(response, status: int, title: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"] == title
    assert body["detail"]
    return body  # type: ignore[no-any-return]


async def test_liveness_needs_nothing(client: Client) -> None:
    assert (await client.get("/health/live")).json() == {"status": "live"}


async def test_ready_when_every_schema_is_at_head(client: Client, hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    assert (await client.get("/health/ready")).status_code == 200


async def test_not_ready_while_a_tenant_lags(client: Client, hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    await migrate_tenants(hub, ["t_3507"], concurrency=1, target="base")
    body = assert_problem(await client.get("/health/ready"), 503, "Not ready")
    assert "kab-malang" in body["detail"]


async def test_tenants_lists_active_tenants_only(client: Client, hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507", "lpse.malangkab.go.id")
    await make_tenant(hub, "kab-blitar", "3505")
    async with hub_sessions(hub)() as session, session.begin():
        await suspend_tenant(session, "kab-blitar", "server move")
    await registry_heard(client)
    tenants = (await client.get("/api/tenants")).json()
    assert [(t["slug"], t["hosts"]) for t in tenants] == [("kab-malang", ["lpse.malangkab.go.id"])]


async def test_agencies_by_path_show_only_that_tenants_agencies(client: Client, hub: AsyncEngine) -> None:
    malang = await make_tenant(hub, "kab-malang", "3507")
    blitar = await make_tenant(hub, "kab-blitar", "3505")
    await add_agencies(hub, malang.schema, "Dinas Kesehatan Malang", "RSUD Kanjuruhan")
    await add_agencies(hub, blitar.schema, "Dinas Pendidikan Blitar")
    names = [a["name"] for a in (await client.get("/t/kab-malang/api/agencies")).json()]
    assert names == ["Dinas Kesehatan Malang", "RSUD Kanjuruhan"]
    assert [a["name"] for a in (await client.get("/t/kab-blitar/api/agencies")).json()] == [
        "Dinas Pendidikan Blitar"
    ]


async def test_a_tenants_host_reaches_its_routes_without_the_prefix(client: Client, hub: AsyncEngine) -> None:
    malang = await make_tenant(hub, "kab-malang", "3507", "lpse.malangkab.go.id")
    blitar = await make_tenant(hub, "kab-blitar", "3505", "lpse.blitarkab.go.id")
    await add_agencies(hub, malang.schema, "Dinas Kesehatan Malang")
    await add_agencies(hub, blitar.schema, "Dinas Pendidikan Blitar")
    by_host = await client.get("/api/agencies", headers={"host": "lpse.malangkab.go.id:443"})
    assert [a["name"] for a in by_host.json()] == ["Dinas Kesehatan Malang"]
    # an explicit tenant in the path is that tenant, whichever host carried the request
    by_path = await client.get("/t/kab-blitar/api/agencies", headers={"host": "lpse.malangkab.go.id"})
    assert [a["name"] for a in by_path.json()] == ["Dinas Pendidikan Blitar"]


async def test_an_unknown_tenant_or_host_is_a_404_problem(client: Client, hub: AsyncEngine) -> None:
    assert_problem(await client.get("/t/kab-atlantis/api/agencies"), 404, "Unknown tenant")
    assert_problem(
        await client.get("/api/agencies", headers={"host": "lpse.example.go.id"}), 404, "Unknown tenant"
    )


async def test_a_suspended_tenant_is_a_503_problem_and_keeps_its_data(
    client: Client, hub: AsyncEngine
) -> None:
    malang = await make_tenant(hub, "kab-malang", "3507", "lpse.malangkab.go.id")
    await add_agencies(hub, malang.schema, "Dinas Kesehatan Malang")
    async with hub_sessions(hub)() as session, session.begin():
        await suspend_tenant(session, "kab-malang", "audit by BPKP")
    await registry_heard(client)
    body = assert_problem(await client.get("/t/kab-malang/api/agencies"), 503, "Tenant suspended")
    assert "audit by BPKP" in body["detail"]
    assert_problem(
        await client.get("/api/agencies", headers={"host": "lpse.malangkab.go.id"}), 503, "Tenant suspended"
    )
    async with tenant_session(hub, malang.schema) as session:
        from tenants.agencies import list_agencies

        assert len(await list_agencies(session)) == 1


async def test_an_unknown_route_is_a_404_problem(client: Client) -> None:
    assert_problem(await client.get("/no/such/route"), 404, "Not found")


async def test_the_openapi_document_lists_the_routes(client: Client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert {"/api/tenants", "/t/{slug}/api/agencies", "/api/agencies", "/health/ready"} <= set(paths)


async def test_every_operation_that_takes_a_body_says_it_may_answer_413(client: Client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    with_body = {
        f"{method.upper()} {path}": operation["responses"]
        for path, item in paths.items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    }
    assert with_body  # the hub has routes with bodies
    undescribed = sorted(name for name, responses in with_body.items() if "413" not in responses)
    assert undescribed == []


async def test_a_tenant_request_needs_one_connection_of_the_pool(
    hub: AsyncEngine, settings: Settings
) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    one_connection = replace(settings, pool_size=1, pool_max_overflow=0)
    async with AsyncTestClient(app=create_app(one_connection)) as client:
        responses = await asyncio.gather(*(client.get("/t/kab-malang/api/agencies") for _ in range(5)))
    assert [r.status_code for r in responses] == [200] * 5
