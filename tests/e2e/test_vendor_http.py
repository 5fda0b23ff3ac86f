"""Vendors over HTTP: register once, verified once for every regency, suspended in one."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, find_account, grant_role
from hub.core.database import hub_sessions
from tests.conftest import make_tenant

Client = AsyncTestClient  # type: ignore[type-arg]
PASSWORD = "kata-sandi-penyedia-1"


def registration(npwp: str = "01.234.567.8-901.000", **changes: Any) -> dict[str, Any]:
    return {
        "name": "CV Maju Jaya",
        "npwp": npwp,
        "nib": "1234567890123",
        "address": "Jl. Ijen 12, Malang",
        "home_regency_code": "3507",
        "kbli": ["41011", "42101"],
        "user": {
            "email": f"direktur.{uuid.uuid4().hex[:6]}@majujaya.co.id",
            "name": "Hendra",
            "password": PASSWORD,
        },
        **changes,
    }


async def official(engine: AsyncEngine, role: str, tenant: str) -> int:
    email = f"{role}.{uuid.uuid4().hex[:6]}@{tenant}.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        account = await create_account(session, email, "Pejabat", PASSWORD, email_verified=True)
        await grant_role(session, email, role, tenant)
    return account.id


def token_for(client: Client, account_id: int) -> dict[str, str]:
    """A real access token, signed by the hub's own key, as its token endpoint would issue it."""
    token, _ = client.app.state.tokens.access_token(str(account_id), "test-client", "openid lpse")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def province(clean_identity: AsyncEngine) -> AsyncEngine:
    await make_tenant(clean_identity, "kab-malang", "3507")
    await make_tenant(clean_identity, "kab-blitar", "3505")
    return clean_identity


async def test_a_vendor_registers_once_and_a_second_registration_is_refused(
    client: Client, province: AsyncEngine
) -> None:
    created = await client.post("/api/vendors", json=registration())
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "registered"
    again = await client.post("/api/vendors", json=registration(npwp="012345678901000"))
    assert again.status_code == 409
    assert "already registered" in again.json()["detail"]
    bad = await client.post("/api/vendors", json=registration(npwp="12-34"))
    assert bad.status_code == 400
    assert bad.json()["field"] == "npwp"


async def test_verification_in_one_regency_is_recognised_in_another(
    client: Client, province: AsyncEngine
) -> None:
    vendor = (await client.post("/api/vendors", json=registration())).json()
    verifier = await official(province, "verifier", "kab-malang")
    blitar = token_for(client, await official(province, "selection_committee", "kab-blitar"))
    before = (await client.get(f"/t/kab-blitar/api/vendors/{vendor['id']}", headers=blitar)).json()
    assert before["may_bid_here"] is False
    assert "not verified" in before["reason"]
    verified = await client.post(
        f"/t/kab-malang/api/vendors/{vendor['id']}/verifications",
        json={"checked": ["NPWP", "NIB", "akta pendirian"]},
        headers=token_for(client, verifier),
    )
    assert verified.status_code == 201, verified.text
    assert verified.json()["tenant_code"] == "3507"
    after = (await client.get(f"/t/kab-blitar/api/vendors/{vendor['id']}", headers=blitar)).json()
    assert after["may_bid_here"] is True


async def test_a_verifier_of_one_regency_cannot_verify_in_another(
    client: Client, province: AsyncEngine
) -> None:
    vendor = (await client.post("/api/vendors", json=registration())).json()
    verifier = await official(province, "verifier", "kab-malang")
    refused = await client.post(
        f"/t/kab-blitar/api/vendors/{vendor['id']}/verifications",
        json={"checked": ["NPWP"]},
        headers=token_for(client, verifier),
    )
    assert refused.status_code == 403
    unauthenticated = await client.post(
        f"/t/kab-malang/api/vendors/{vendor['id']}/verifications", json={"checked": ["NPWP"]}
    )
    assert unauthenticated.status_code == 401


async def test_a_suspension_stays_in_its_regency(client: Client, province: AsyncEngine) -> None:
    vendor = (await client.post("/api/vendors", json=registration())).json()
    verifier = await official(province, "verifier", "kab-malang")
    await client.post(
        f"/t/kab-malang/api/vendors/{vendor['id']}/verifications",
        json={"checked": ["NPWP"]},
        headers=token_for(client, verifier),
    )
    admin = await official(province, "tenant_admin", "kab-blitar")
    ends_on = (date.today() + timedelta(days=90)).isoformat()
    suspended = await client.post(
        f"/t/kab-blitar/api/vendors/{vendor['id']}/suspensions",
        json={"reason": "wanprestasi paket 2025", "ends_on": ends_on},
        headers=token_for(client, admin),
    )
    assert suspended.status_code == 201, suspended.text
    blitar = (
        await client.get(f"/t/kab-blitar/api/vendors/{vendor['id']}", headers=token_for(client, admin))
    ).json()
    assert blitar["may_bid_here"] is False
    assert "wanprestasi" in blitar["reason"]
    malang = await client.get(
        f"/t/kab-malang/api/vendors/{vendor['id']}", headers=token_for(client, verifier)
    )
    assert malang.json()["may_bid_here"] is True
    past = await client.post(
        f"/t/kab-blitar/api/vendors/{vendor['id']}/suspensions",
        json={"reason": "x", "ends_on": "2020-01-01"},
        headers=token_for(client, admin),
    )
    assert past.status_code == 400


PUBLIC_FIELDS = {"view", "id", "name", "home_regency_code"}


async def test_the_public_sees_a_verified_vendors_name_and_regency_and_officials_the_rest(
    client: Client, province: AsyncEngine
) -> None:
    """Anonymous callers, vendors and officials of another tenant see the public view of a verified
    vendor and nothing of an unverified one (404, as an id never issued); the tenant's officials
    see the tax number, address and standing of both."""
    verified = (await client.post("/api/vendors", json=registration())).json()
    applicant = registration(npwp="02.345.678.9-012.000")
    unverified = (await client.post("/api/vendors", json=applicant)).json()
    verifier = await official(province, "verifier", "kab-malang")
    checked = await client.post(
        f"/t/kab-malang/api/vendors/{verified['id']}/verifications",
        json={"checked": ["NPWP"]},
        headers=token_for(client, verifier),
    )
    assert checked.status_code == 201, checked.text
    async with hub_sessions(province)() as session:
        vendor_user = await find_account(session, applicant["user"]["email"])
    assert vendor_user is not None
    callers = {
        "anonymous": {},
        "another tenant's official": token_for(
            client, await official(province, "tenant_admin", "kab-blitar")
        ),
        "the unverified vendor's own user": token_for(client, vendor_user.id),
    }
    for who, headers in callers.items():
        seen = await client.get(f"/t/kab-malang/api/vendors/{verified['id']}", headers=headers)
        assert seen.status_code == 200, (who, seen.text)
        assert seen.json() == {
            "view": "public",
            "id": verified["id"],
            "name": "CV Maju Jaya",
            "home_regency_code": "3507",
        }, who
        hidden = await client.get(f"/t/kab-malang/api/vendors/{unverified['id']}", headers=headers)
        never_issued = await client.get("/t/kab-malang/api/vendors/987654321", headers=headers)
        assert hidden.status_code == never_issued.status_code == 404, who
        assert hidden.json()["detail"].replace(str(unverified["id"]), "N") == never_issued.json()[
            "detail"
        ].replace("987654321", "N"), who
        assert "012345678901000" not in seen.text + hidden.text
    own = token_for(client, await official(province, "selection_committee", "kab-malang"))
    full = (await client.get(f"/t/kab-malang/api/vendors/{verified['id']}", headers=own)).json()
    assert full["view"] == "official"
    assert (full["npwp"], full["status"], full["address"]) == (
        "012345678901000",
        "verified",
        "Jl. Ijen 12, Malang",
    )
    pending = (await client.get(f"/t/kab-malang/api/vendors/{unverified['id']}", headers=own)).json()
    assert (pending["status"], pending["may_bid_here"]) == ("registered", False)
