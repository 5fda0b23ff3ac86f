"""A tender from package to public opening, over HTTP, with real tokens, several vendors and sealed bids.

The database clock decides which stage is open. To walk a tender through a week of stages in a
second, ``advance`` shifts the tender's schedule back in time, as if the clock had moved on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.vendors import register_vendor, verify_vendor
from hub.core.database import hub_sessions, tenant_session
from tenants.agencies import add_agency
from tenants.sealing import (
    BidFile,
    decode_public_key,
    decode_receipt_public_key,
    generate_tender_keypair,
    seal_bid,
    verify_receipt,
)
from tests.conftest import make_tenant
from tests.e2e.procurement import (
    advance,
    bearer,
    person,
    registered_key,
    schedule_with_clarification,
    statement_fields,
)

Client = AsyncTestClient  # type: ignore[type-arg]
PASSWORD = "kata-sandi-pengadaan-1"
PDF = "application/pdf"


@dataclass
class Cast:
    ppk: dict[str, str]
    pokja: dict[str, str]
    vendors: dict[
        str, tuple[int, dict[str, str], Ed25519PrivateKey]
    ]  # name -> (vendor id, auth, signing key)
    agency_id: int


@pytest.fixture
async def cast(client: Client, clean_identity: AsyncEngine) -> Cast:
    engine = clean_identity
    malang = await make_tenant(engine, "kab-malang", "3507")
    await make_tenant(engine, "kab-blitar", "3505")
    async with tenant_session(engine, malang.schema) as session, session.begin():
        agency = await add_agency(session, "Dinas Pekerjaan Umum dan Penataan Ruang")
    ppk, pokja = (
        await person(engine, "commitment_officer", "kab-malang"),
        await person(engine, "selection_committee", "kab-malang"),
    )
    verifier = await person(engine, "verifier", "kab-blitar")
    vendors: dict[str, tuple[int, dict[str, str], Ed25519PrivateKey]] = {}
    regencies = {"andalas": "3507", "bromo": "3505", "cendana": "3578", "duta": "3507", "elang": "3578"}
    for number, (name, regency) in enumerate(regencies.items(), start=1):
        async with hub_sessions(engine)() as session, session.begin():
            vendor = await register_vendor(
                session,
                f"CV {name.title()}",
                f"{number:02d}.345.678.9-614.000",
                None,
                "Jl. Merdeka 1",
                regency,
                ["41011"],
                f"{name}@vendor.co.id",
                "Direktur",
                PASSWORD,
            )
            if name != "elang":  # elang never gets verified
                await verify_vendor(session, vendor.id, verifier, "kab-blitar", ["NPWP", "NIB"], None)
        account = await person(engine, None, None, vendor_id=vendor.id)
        vendors[name] = (vendor.id, bearer(client, account), await registered_key(engine, account))
    return Cast(bearer(client, ppk), bearer(client, pokja), vendors, agency.id)


async def test_a_tender_from_package_to_public_opening(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    base = "/t/kab-malang/api"
    package = {
        "agency_id": cast.agency_id,
        "title": "Rehabilitasi Jalan Kepanjen - Gondanglegi",
        "fiscal_year": 2026,
        "category": "construction",
        "method": "tender",
        "budget": 2_500_000_000,
        "owner_estimate": 2_400_000_000,
        "location": "Kepanjen",
        "kbli": ["42101"],
    }
    assert (await client.post(f"{base}/packages", json=package, headers=cast.pokja)).status_code == 403
    created = await client.post(f"{base}/packages", json=package, headers=cast.ppk)
    assert created.status_code == 201, created.text
    tender = await client.post(
        f"{base}/tenders",
        headers=cast.pokja,
        json={
            "package_id": created.json()["id"],
            "evaluation": "lowest_price",
            "schedule": schedule_with_clarification(),
        },
    )
    assert tender.status_code == 201, tender.text
    tender_id = tender.json()["id"]
    assert (await client.get(f"{base}/tenders")).json() == []  # a draft is not public
    assert [t["id"] for t in (await client.get(f"{base}/tenders", headers=cast.pokja)).json()] == [tender_id]

    announced = (await client.post(f"{base}/tenders/{tender_id}/announcement", headers=cast.pokja)).json()
    public = (await client.get(f"{base}/tenders/{tender_id}")).json()
    assert public["tender_key"] == announced["tender_key"]
    assert public["key_fingerprint"]
    assert public["open_stages"] == ["announcement", "document_download"]
    assert public["schedule"][0]["starts_at"].endswith("+07:00")  # shown in WIB

    document = await client.post(
        f"{base}/tenders/{tender_id}/documents",
        headers=cast.pokja,
        files={"file": ("dokumen-pemilihan.pdf", b"%PDF-1.7 dokumen", PDF)},
    )
    assert document.status_code == 201, document.text
    wrong_type = await client.post(
        f"{base}/tenders/{tender_id}/documents",
        headers=cast.pokja,
        files={"file": ("virus.exe", b"MZ", "application/x-msdownload")},
    )
    assert wrong_type.status_code == 400

    for name in ("andalas", "bromo", "cendana", "duta"):
        registered = await client.post(
            f"{base}/tenders/{tender_id}/registrations", headers=cast.vendors[name][1]
        )
        assert registered.status_code == 201, registered.text
    unverified = await client.post(
        f"{base}/tenders/{tender_id}/registrations", headers=cast.vendors["elang"][1]
    )
    assert unverified.status_code == 409  # the vendor is not verified yet
    doc_url = f"{base}/tenders/{tender_id}/documents/{document.json()['id']}"
    assert (await client.get(doc_url, headers=cast.vendors["andalas"][1])).content == b"%PDF-1.7 dokumen"
    assert (await client.get(doc_url, headers=cast.vendors["elang"][1])).status_code == 403

    await advance(engine, "t_3507", tender_id, "clarification")
    asked = await client.post(
        f"{base}/tenders/{tender_id}/clarifications",
        headers=cast.vendors["andalas"][1],
        json={"question": "Apakah SBU kualifikasi kecil diterima?"},
    )
    assert asked.status_code == 201, asked.text
    await client.post(
        f"{base}/tenders/{tender_id}/clarifications/{asked.json()['id']}/answer",
        headers=cast.pokja,
        json={"answer": "Ya, sesuai LDP."},
    )
    seen_by_bromo = (
        await client.get(f"{base}/tenders/{tender_id}/clarifications", headers=cast.vendors["bromo"][1])
    ).json()
    assert seen_by_bromo[0]["answer"] == "Ya, sesuai LDP."
    assert "vendor_id" not in seen_by_bromo[0]
    assert (await client.get(f"{base}/tenders/{tender_id}/clarifications", headers=cast.pokja)).json()[0][
        "vendor_id"
    ]

    early = await submit(
        client, base, tender_id, public["tender_key"], cast.vendors["andalas"], 2_300_000_000
    )
    assert early.status_code == 409  # bid submission has not opened yet
    await advance(engine, "t_3507", tender_id, "bid_submission")
    receipts = {}
    receipts["andalas"] = await submit(
        client, base, tender_id, public["tender_key"], cast.vendors["andalas"], 2_300_000_000
    )
    bromo = cast.vendors["bromo"]
    signed = statement_fields(
        bromo[2], "3507", tender_id, bromo[0], 2_350_000_000, {"penawaran.pdf": b"%PDF bromo"}
    )
    by_hub = await client.post(
        f"{base}/tenders/{tender_id}/bids/sealed-by-hub",
        headers=bromo[1],
        data={"price": "2350000000", **signed},
        files={"files": ("penawaran.pdf", b"%PDF bromo", PDF)},
    )
    assert by_hub.status_code == 201, by_hub.text
    await submit(client, base, tender_id, public["tender_key"], cast.vendors["cendana"], 2_390_000_000)
    receipts["cendana"] = await submit(
        client, base, tender_id, public["tender_key"], cast.vendors["cendana"], 2_280_000_000
    )
    stolen = seal_bid(
        decode_public_key(public["tender_key"]),
        tenant_code="3507",
        tender_id=tender_id,
        vendor_id=cast.vendors["andalas"][0],
        price=1,
        files=[BidFile("x.pdf", PDF, b"x")],
        signing_key=cast.vendors["andalas"][2],
    )
    as_other = await client.post(
        f"{base}/tenders/{tender_id}/bids", content=stolen, headers=cast.vendors["duta"][1]
    )
    assert as_other.status_code == 400  # a bundle sealed for another vendor cannot be moved
    _, other_key = generate_tender_keypair()
    wrong_key = seal_bid(
        other_key,
        tenant_code="3507",
        tender_id=tender_id,
        vendor_id=cast.vendors["duta"][0],
        price=1,
        files=[BidFile("x.pdf", PDF, b"x")],
        signing_key=cast.vendors["duta"][2],
    )
    assert (
        await client.post(
            f"{base}/tenders/{tender_id}/bids", content=wrong_key, headers=cast.vendors["duta"][1]
        )
    ).status_code == 400  # sealed for another key
    garbage = await client.post(
        f"{base}/tenders/{tender_id}/bids", content=b"{not json", headers=cast.vendors["duta"][1]
    )
    assert garbage.status_code == 400
    assert (await client.get(f"{base}/tenders/{tender_id}")).json()[
        "opening"
    ] is None  # nothing of a bid shows

    key = decode_receipt_public_key((await client.get("/api/receipt-keys")).json()[0]["public_key"])
    for name in ("andalas", "cendana"):
        assert receipts[name].status_code == 201, receipts[name].text
        receipt = verify_receipt(receipts[name].content, key)
        assert (receipt.tender, receipt.vendor) == (tender_id, cast.vendors[name][0])

    assert (await client.post(f"{base}/tenders/{tender_id}/opening", headers=cast.pokja)).status_code == 409
    await advance(engine, "t_3507", tender_id, "bid_opening")
    late = await submit(client, base, tender_id, public["tender_key"], cast.vendors["duta"], 2_000_000_000)
    assert late.status_code == 409
    assert "bid_submission" in late.json()["detail"]
    assert (
        await client.post(f"{base}/tenders/{tender_id}/opening", headers=cast.vendors["andalas"][1])
    ).status_code == 403
    assert (
        await client.post("/t/kab-blitar/api/tenders/1/opening", headers=cast.pokja)
    ).status_code == 403  # a committee role in Malang is nothing in Blitar
    opening = await client.post(f"{base}/tenders/{tender_id}/opening", headers=cast.pokja)
    assert opening.status_code == 201, opening.text
    prices = {b["vendor"]: b["price"] for b in opening.json()["bids"]}
    assert prices == {"CV Andalas": 2_300_000_000, "CV Bromo": 2_350_000_000, "CV Cendana": 2_280_000_000}
    assert (await client.get(f"{base}/tenders/{tender_id}")).json()["opening"]["count"] == 3  # public now

    auditor = bearer(client, await person(engine, "auditor", "kab-malang"))
    assert (await client.get(f"{base}/audit", headers=cast.vendors["andalas"][1])).status_code == 403
    log = (await client.get(f"{base}/audit", params={"limit": 1000}, headers=auditor)).json()
    actions = [entry["action"] for entry in log]
    assert actions.count("bid.received") == 4
    assert actions.count("bid.decrypted") == 3
    assert actions[-1] == "tender.opened"
    assert all("price" not in entry["payload"] for entry in log if entry["action"] == "bid.received")
    assert (await client.get(f"{base}/audit/verification", headers=auditor)).json()["ok"] is True


async def submit(
    client: Client,
    base: str,
    tender_id: int,
    tender_key: str,
    vendor: tuple[int, dict[str, str], Ed25519PrivateKey],
    price: int,
) -> Any:
    bundle = seal_bid(
        decode_public_key(tender_key),
        tenant_code="3507",
        tender_id=tender_id,
        vendor_id=vendor[0],
        price=price,
        files=[BidFile("penawaran.pdf", PDF, b"%PDF " + str(price).encode())],
        signing_key=vendor[2],
    )
    return await client.post(
        f"{base}/tenders/{tender_id}/bids",
        content=bundle,
        headers={**vendor[1], "Content-Type": "application/vnd.lpse-hub.sealed-bid+json"},
    )
