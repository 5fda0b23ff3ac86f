"""Values PostgreSQL refuses are the caller's mistake: a problem document with 400, never a 500.

The edge should refuse them before they reach the database; the mapping in ``hub.web.problems`` is the
net under it, so a value nobody thought of still gets an answer that names what was wrong.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions
from tenants.registry import TenantSpec, create_tenant
from tests.conftest import make_tenant
from tests.e2e.procurement import Client, bearer, person
from tests.e2e.test_http import assert_problem


async def test_a_nul_byte_in_a_name_is_refused_as_bad_input(
    client: Client, clean_identity: AsyncEngine
) -> None:
    await make_tenant(clean_identity, "kab-malang", "3507")
    admin = await person(clean_identity, "tenant_admin", "kab-malang")
    refused = await client.post(
        "/t/kab-malang/api/agencies", json={"name": "Dinas\x00Kesehatan"}, headers=bearer(client, admin)
    )
    body = assert_problem(refused, 400, "Invalid input")
    assert "NUL" in body["detail"]
    assert (await client.get("/t/kab-malang/api/agencies")).json() == []  # nothing half-written


async def test_a_nul_byte_in_a_search_is_refused_as_bad_input(
    client: Client, clean_identity: AsyncEngine
) -> None:
    refused = await client.get("/api/catalogue", params={"q": "jalan\x00desa"})
    assert_problem(refused, 400, "Invalid input")


async def test_a_number_beyond_64_bits_is_refused_as_bad_input(
    client: Client, clean_identity: AsyncEngine
) -> None:
    """asyncpg refuses it before PostgreSQL sees it (SQLSTATE 22000); found by schemathesis."""
    await make_tenant(clean_identity, "kab-malang", "3507")
    officer = await person(clean_identity, "commitment_officer", "kab-malang")
    package = {
        "agency_id": -46009523735277023794739144749481984,
        "title": "Jalan desa",
        "fiscal_year": 2026,
        "category": "construction",
        "method": "tender",
        "budget": 100_000_000,
        "owner_estimate": 90_000_000,
    }
    refused = await client.post("/t/kab-malang/api/packages", json=package, headers=bearer(client, officer))
    body = assert_problem(refused, 400, "Invalid input")
    assert "64 bits" in body["detail"]


async def test_a_tenant_the_serving_role_was_not_granted_answers_503_saying_so(
    client: Client, hub: AsyncEngine
) -> None:
    """A schema provisioned without grants (a command run with one URL, before `db upgrade` granted
    it): the hub's role is refused (SQLSTATE 42501), an operator's fault, mended by `db upgrade`."""
    async with hub_sessions(hub)() as session, session.begin():
        await create_tenant(session, TenantSpec(slug="kab-malang", code="3507"))
    refused = await client.get("/t/kab-malang/api/agencies")
    body = assert_problem(refused, 503, "Database unavailable")
    assert "lpse-hub db upgrade" in body["detail"]
