"""``GET /api/audit/checkpoints`` and ``/api/audit/checkpoint-keys`` as an outsider reads them: public,
every tenant's signed heads, each signature valid under a published key, ``since`` for what is new."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.settings import Settings
from monitoring.probes import probe_round
from tenants.audit import signature_valid
from tests.conftest import make_tenant
from tests.e2e.route_world import ROUTES
from tests.integration.tenants.audit.conftest import record


async def test_checkpoints_of_a_probe_round_are_public_signed_and_filtered_by_since(
    hub: AsyncEngine,
    settings: Settings,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    malang = await make_tenant(hub, "kab-malang", "3507")
    blitar = await make_tenant(hub, "kab-blitar", "3505")
    await record(hub, malang, 3)
    await record(hub, blitar, 1)
    first = await probe_round(hub, settings)
    await record(hub, malang, 2)
    assert (await probe_round(hub, settings)).written
    assert first.at is not None

    response = await client.get("/api/audit/checkpoints")  # no token: public
    assert response.status_code == 200, response.text
    listed = response.json()
    keys = {k["kid"]: k["public_key"] for k in (await client.get("/api/audit/checkpoint-keys")).json()}
    assert [(c["tenant_code"], c["seq"]) for c in listed] in (
        [("3505", 1), ("3507", 3), ("3507", 5)],
        [("3507", 3), ("3505", 1), ("3507", 5)],
    )
    assert all(signature_valid(c, keys) for c in listed)
    assert not signature_valid({**listed[-1], "head_hash": listed[0]["head_hash"]}, keys)

    newer = await client.get("/api/audit/checkpoints", params={"since": first.at.isoformat()})
    assert [(c["tenant_code"], c["seq"]) for c in newer.json()] == [("3507", 5)]
    refused = await client.get("/api/audit/checkpoints", params={"since": "yesterday"})
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_the_checkpoint_routes_are_in_the_document_public_and_typed() -> None:
    routes = {route.id: route for route in ROUTES}
    for path in ("/api/audit/checkpoints", "/api/audit/checkpoint-keys"):
        route = routes[f"GET {path}"]
        assert not route.secured
        assert route.action is None
        schema = route.operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["type"] == "array"
    since = [p for p in routes["GET /api/audit/checkpoints"].operation["parameters"] if p["name"] == "since"]
    assert since[0]["in"] == "query"
