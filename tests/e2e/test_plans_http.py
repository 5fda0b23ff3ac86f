"""The plan (RUP) over HTTP: recorded by a person with the role or the tenant's e-planning client, all
or none with every fault by index; read by anyone; packages under it; its planning in OCDS."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions
from tenants.registry import resolve_tenant
from tests.e2e.procurement import Client, Headers, Regency, bearer, ok, person, regency, schedule
from tests.e2e.test_catalogue import valid
from tests.feed_horizon import until_the_feed_has_passed

RECORD = "record-package-schema.json"


def item(where: Regency, **changes: Any) -> dict[str, Any]:
    return {
        "rup_code": "40123456",
        "agency_id": where.agency_id,
        "fiscal_year": 2026,
        "name": "Peningkatan Jalan Desa Tumpang - Poncokusumo",
        "ceiling": 2_000_000_000,
        "funding_source": "APBD",
        "budget_line": "5.2.04.01.01.0012",
        "category": "construction",
        "method": "tender",
        "selection_from": "2026-03",
        "location": "Kecamatan Tumpang",
        **changes,
    }


def under_plan(where: Regency) -> dict[str, Any]:
    """A package of 1.5 billion rupiah under the plan item of ``item``."""
    return {
        "agency_id": where.agency_id, "title": "Jalan Desa Tumpang ruas 1", "fiscal_year": 2026,
        "category": "construction", "method": "tender", "budget": 1_500_000_000,
        "owner_estimate": 1_400_000_000, "plan_rup_code": "40123456",
    }  # fmt: skip


async def machine(client: Client, engine: AsyncEngine, slug: str, scope: str = "plans:write") -> Headers:
    """A token of an e-planning client registered for tenant ``slug`` (client credentials)."""
    async with hub_sessions(engine)() as session:
        tenant_id = (await resolve_tenant(session, slug=slug)).id
    token, _ = client.app.state.tokens.access_token(
        "client:e-planning", "e-planning", scope, tenant_id=tenant_id
    )
    return {"Authorization": f"Bearer {token}"}


async def test_a_person_with_the_role_records_and_anyone_reads_with_what_is_left(
    client: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    done = ok(await client.post(f"{malang.base}/plans", headers=malang.ppk, json=[item(malang)]))
    assert done == {"recorded": ["40123456"], "revised": [], "unchanged": []}
    body = under_plan(malang)
    made = ok(await client.post(f"{malang.base}/packages", headers=malang.ppk, json=body))
    shown = ok(await client.get(f"{malang.base}/plans/40123456"), 200)  # no token: plans are public
    assert (shown["ceiling"], shown["taken"], shown["left"], shown["packages"]) == (
        2_000_000_000,
        1_500_000_000,
        500_000_000,
        1,
    )
    assert made["plan_item_id"] == shown["id"]
    over = await client.post(
        f"{malang.base}/packages",
        headers=malang.ppk,
        json={**body, "budget": 500_000_001, "owner_estimate": 1},
    )
    assert over.status_code == 409
    assert "exceeds what is left" in over.json()["detail"]
    listed = ok(await client.get(f"{malang.base}/plans", params={"fiscal_year": 2026}), 200)
    assert [i["rup_code"] for i in listed] == ["40123456"]
    assert ok(await client.get(f"{malang.base}/plans", params={"fiscal_year": 2027}), 200) == []
    assert (await client.get(f"{malang.base}/plans/999")).status_code == 404


async def test_a_bad_batch_is_a_422_naming_each_fault_by_index_and_records_nothing(
    client: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    batch = [
        item(malang),
        item(malang, rup_code="40123457", ceiling=0),
        item(malang, rup_code="x", method="lelang"),
    ]
    refused = await client.post(f"{malang.base}/plans", headers=malang.ppk, json=batch)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    errors = {(e["index"], e["field"]) for e in refused.json()["errors"]}
    assert errors == {(1, "ceiling"), (2, "rup_code"), (2, "method")}
    assert ok(await client.get(f"{malang.base}/plans"), 200) == []


async def test_without_the_role_or_in_another_tenant_recording_is_refused(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    blitar = await regency(client, engine, "kab-blitar", "3505")
    pokja = await client.post(f"{malang.base}/plans", headers=malang.pokja, json=[item(malang)])
    assert pokja.status_code == 403  # a selection committee member records no plan
    other = await client.post(f"{malang.base}/plans", headers=blitar.ppk, json=[item(malang)])
    assert other.status_code == 403  # Blitar's commitment officer, not Malang's
    foreign_machine = await client.post(
        f"{malang.base}/plans", headers=await machine(client, engine, "kab-blitar"), json=[item(malang)]
    )
    assert foreign_machine.status_code == 403
    wrong_scope = await client.post(
        f"{malang.base}/plans",
        headers=await machine(client, engine, "kab-malang", "monev:write"),
        json=[item(malang)],
    )
    assert wrong_scope.status_code == 403
    assert ok(await client.get(f"{malang.base}/plans"), 200) == []


async def test_the_tenants_e_planning_client_records_as_itself(
    client: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    headers = await machine(client, clean_identity, "kab-malang")
    done = ok(await client.post(f"{malang.base}/plans", headers=headers, json=[item(malang)]))
    assert done["recorded"] == ["40123456"]
    revised = ok(
        await client.post(f"{malang.base}/plans", headers=headers, json=[item(malang, ceiling=3_000_000_000)])
    )
    assert revised["revised"] == ["40123456"]


async def test_where_plans_are_required_the_rule_is_set_by_the_admin_and_refuses_a_package_without(
    client: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    rules = ok(await client.get(f"{malang.base}/procurement-rules"), 200)
    assert rules["plans_required"] is False
    changed = {**rules, "plans_required": True}
    assert (
        await client.put(f"{malang.base}/procurement-rules", headers=malang.ppk, json=changed)
    ).status_code == 403
    assert ok(await client.put(f"{malang.base}/procurement-rules", headers=malang.admin, json=changed), 200)[
        "plans_required"
    ]
    body = {
        "agency_id": malang.agency_id, "title": "Jalan tanpa RUP", "fiscal_year": 2026,
        "category": "construction", "method": "tender", "budget": 100_000_000, "owner_estimate": 90_000_000,
    }  # fmt: skip
    refused = await client.post(f"{malang.base}/packages", headers=malang.ppk, json=body)
    assert refused.status_code == 409
    assert refused.json()["reason"] == "plan_required"


@pytest.mark.horizon  # it reads the change feed
async def test_a_tender_under_a_plan_item_publishes_its_planning_valid_in_ocds(
    client: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    ok(await client.post(f"{malang.base}/plans", headers=malang.ppk, json=[item(malang)]))
    body = under_plan(malang)
    package = ok(await client.post(f"{malang.base}/packages", headers=malang.ppk, json=body))
    tender = {"package_id": package["id"], "evaluation": "lowest_price", "schedule": schedule()}
    tender_id = ok(await client.post(f"{malang.base}/tenders", headers=malang.pokja, json=tender))["id"]
    ok(await client.post(f"{malang.base}/tenders/{tender_id}/announcement", headers=malang.pokja))
    await until_the_feed_has_passed(clean_identity)
    record = dict(ok(await client.get(f"/api/ocds/records/ocds-lpsehub-3507-{tender_id}"), 200))
    valid(record, RECORD)
    budget = record["records"][0]["compiledRelease"]["planning"]["budget"]
    assert budget["id"] == "5.2.04.01.01.0012"
    assert budget["projectID"] == "40123456"
    assert budget["amount"] == {"amount": 2_000_000_000, "currency": "IDR"}
    assert "APBD" in budget["description"]
    assert budget["project"] == "Peningkatan Jalan Desa Tumpang - Poncokusumo"
    page = await client.get(f"/tender/ocds-lpsehub-3507-{tender_id}")  # the public page shows the trace
    assert page.status_code == 200
    assert "Kode RUP" in page.text
    assert "40123456" in page.text
    assert "5.2.04.01.01.0012" in page.text


async def test_a_person_without_any_role_is_refused(client: Client, clean_identity: AsyncEngine) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    nobody = bearer(client, await person(clean_identity, None, None))
    assert (await client.post(f"{malang.base}/plans", headers=nobody, json=[item(malang)])).status_code == 403
