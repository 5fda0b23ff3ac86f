"""One trace from plan to payment: a plan item (RUP), a package under it procured to a contract, and
the contract's progress and payments, all in the one OCDS record of the tender, valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Client, Desk, advance, ok, person, regency, vendor
from tests.e2e.test_catalogue import valid
from tests.e2e.test_contract_implementation import today
from tests.e2e.test_plans_http import item


async def test_a_plan_item_its_contract_and_its_payments_are_one_valid_record(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", malang.slug)
    winner = await vendor(client, engine, "bromo", "3507", verifier, malang.slug)
    laptops = item(
        malang, rup_code="35071208", name="Pengadaan Laptop Kecamatan", ceiling=200_000_000,
        category="goods", method="direct_procurement", budget_line="5.2.02.10.01.0002",
    )  # fmt: skip
    ok(await client.post(f"{malang.base}/plans", headers=malang.ppk, json=[laptops]))
    body = {
        "agency_id": malang.agency_id, "title": "Laptop Kantor Kecamatan Tumpang", "fiscal_year": 2026,
        "category": "goods", "method": "direct_procurement", "budget": 190_000_000,
        "owner_estimate": 180_000_000, "plan_rup_code": "35071208",
    }  # fmt: skip
    package = ok(await client.post(f"{malang.base}/packages", headers=malang.ppk, json=body))
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    invitation = {"package_id": package["id"], "vendor_id": winner.vendor_id, "offer_deadline": deadline}
    invited = ok(
        await client.post(f"{malang.base}/direct-procurements", headers=malang.officer, json=invitation)
    )
    desk = Desk(client, engine, malang, invited["id"], invited["tender_key"])
    ok(await desk.bid(winner, 178_000_000))
    await advance(engine, malang.schema, desk.tender_id, "bid_opening")
    ok(await desk.post("opening", malang.officer))
    ok(await desk.post("negotiations", malang.officer, {"price": 178_000_000, "notes": "Harga disepakati"}))
    ok(await desk.post("award", malang.officer, {"vendor_id": winner.vendor_id}))
    day = today().isoformat()
    signed = {"number": "SPK/3507/PL/009", "value": 178_000_000, "signed_on": day, "starts_on": day}
    ok(
        await desk.post(
            "contract", malang.ppk, {**signed, "ends_on": (today() + timedelta(days=30)).isoformat()}
        )
    )
    contract = f"{desk.url}/contract"
    ok(
        await client.post(
            f"{contract}/progress", headers=malang.ppk, json={"percent": 100, "reported_on": day}
        )
    )
    for term, amount in ((1, 100_000_000), (2, 78_000_000)):
        paid = {"amount": amount, "paid_on": day, "term": term}
        ok(await client.post(f"{contract}/payments", headers=malang.ppk, json=paid))

    ocid = f"ocds-lpsehub-{malang.code}-{desk.tender_id}"
    package_of_records = ok(await client.get(f"/api/ocds/records/{ocid}"), 200)
    valid(package_of_records, "record-package-schema.json")
    [record] = package_of_records["records"]
    compiled = record["compiledRelease"]
    assert compiled["ocid"] == ocid  # one ocid from the plan to the last payment
    budget = compiled["planning"]["budget"]
    assert (budget["projectID"], budget["amount"]["amount"]) == ("35071208", 200_000_000)
    assert budget["id"] == "5.2.02.10.01.0002"  # the DPA budget line
    [signed_contract] = compiled["contracts"]
    paid = [t["value"]["amount"] for t in signed_contract["implementation"]["transactions"]]
    assert sorted(paid) == [78_000_000, 100_000_000]
    assert sum(paid) == signed_contract["value"]["amount"]  # paid in full, not above
    tags = {tag for release in record["releases"] for tag in release.get("tag", [])}
    assert {"tender", "award", "contract", "implementation", "implementationUpdate"} <= tags
