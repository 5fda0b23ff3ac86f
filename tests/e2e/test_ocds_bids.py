"""What red-flag methods read in the hub's OCDS: who bid, at what price, which bids were valid, who won,
and every schedule change with its reason; and nothing about the bids before the opening.

The bids are published with the OCDS bids extension (``bids.statistics``, ``bids.details``), declared in
every package's ``extensions``. Releases are validated with the core OCDS 1.1 schemas and the format
checker (``tests.e2e.test_catalogue.valid``), and also against the core release schema patched with the
extension's release schema (tests/data/ocds_bid_extension-1.1.5, vendored: tests never fetch it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.ocds import BIDS_EXTENSION
from tests.e2e.procurement import Client, Desk, ok, person, regency, vendor
from tests.e2e.test_catalogue import valid
from tests.e2e.test_ocds_publication import RECORD, harvest, releases_of, valid_with_bids
from tests.feed_horizon import until_the_feed_has_passed


async def compiled(client: Client, ocid: str) -> dict[str, Any]:
    record = dict(ok(await client.get(f"/api/ocds/records/{ocid}"), 200))
    valid(record, RECORD)
    assert BIDS_EXTENSION in record["extensions"]
    for release in record["records"][0]["releases"]:
        valid_with_bids(release)
    return dict(record["records"][0]["compiledRelease"])


@pytest.mark.horizon  # it reads the change feed
async def test_bids_tenderers_suppliers_and_schedule_amendments_are_published_from_the_opening_on(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    arum, bayu, candra = [
        await vendor(client, engine, n, "3507", verifier, "kab-malang") for n in ("arum", "bayu", "candra")
    ]
    desk = Desk(client, engine, malang)
    await desk.announce("Rehabilitasi Jembatan Désa Sumberpucung", owner_estimate=900_000_000)
    ocid = f"ocds-lpsehub-3507-{desk.tender_id}"
    now = datetime.now(UTC)
    moved = {
        "stage": "bid_opening",
        "starts_at": (now + timedelta(days=3, hours=2)).isoformat(),
        "ends_at": (now + timedelta(days=5)).isoformat(),
        "reason": "Rapat pokja bertepatan dengan hari libur daerah",
    }
    ok(await desk.post("schedule-changes", malang.pokja, moved))
    await desk.bids({arum: 850_000_000, bayu: 870_000_000, candra: 820_000_000})
    await until_the_feed_has_passed(engine)

    # Before the opening: bids are sealed, and nothing about who bid (or how many) is public.
    before = await compiled(client, ocid)
    assert "bids" not in before
    assert "numberOfTenderers" not in before["tender"]
    assert "tenderers" not in before["tender"]
    assert not [p for p in before["parties"] if "tenderer" in p["roles"]]
    [amendment] = before["tender"]["amendments"]  # the move, with the reason given for it
    assert amendment["rationale"] == "Rapat pokja bertepatan dengan hari libur daerah"
    assert amendment["description"].startswith("bid_opening: ")
    assert "+07:00" in amendment["description"]  # the windows in the tenant's zone (WIB)
    record = dict(ok(await client.get(f"/api/ocds/records/{ocid}"), 200))
    assert ["tenderAmendment"] in [r["tag"] for r in record["records"][0]["releases"]]

    await desk.open()
    await until_the_feed_has_passed(engine)
    opened = await compiled(client, ocid)
    ids = {b.name: f"ID-VENDOR-{b.vendor_id}" for b in (arum, bayu, candra)}
    assert opened["tender"]["numberOfTenderers"] == 3
    assert {(t["id"], t["name"]) for t in opened["tender"]["tenderers"]} == {(i, n) for n, i in ids.items()}
    tenderers = {p["id"] for p in opened["parties"] if "tenderer" in p["roles"]}
    assert tenderers == set(ids.values())
    assert opened["bids"]["statistics"] == [{"id": "bids", "measure": "bids", "value": 3}]
    details = {d["tenderers"][0]["name"]: d for d in opened["bids"]["details"]}
    assert {n: (d["status"], d["value"]) for n, d in details.items()} == {
        arum.name: ("pending", {"amount": 850_000_000, "currency": "IDR"}),  # opened, not yet evaluated
        bayu.name: ("pending", {"amount": 870_000_000, "currency": "IDR"}),
        candra.name: ("pending", {"amount": 820_000_000, "currency": "IDR"}),
    }
    assert all(datetime.fromisoformat(d["date"]) <= datetime.now(UTC) for d in details.values())
    assert all(d["tenderers"][0]["id"] == ids[n] for n, d in details.items())

    await desk.pass_all(arum, bayu)
    refused = {"vendor_id": candra.vendor_id, "aspect": "administrative", "passed": False}
    ok(await desk.assess({**refused, "reason": "Jaminan penawaran tidak dilampirkan"}))
    first = {"vendor_id": arum.vendor_id}
    ok(await desk.post("qualification-verifications", malang.pokja, {**first, "passed": True}))
    ok(await desk.post("award", malang.pokja, first))
    await until_the_feed_has_passed(engine)
    decided = await compiled(client, ocid)
    assert {d["status"] for d in decided["bids"]["details"]} == {"pending"}  # results not yet published
    ok(await desk.post("award-announcement", malang.pokja))
    await until_the_feed_has_passed(engine)
    announced = await compiled(client, ocid)

    details = {d["tenderers"][0]["name"]: d for d in announced["bids"]["details"]}
    assert {n: d["status"] for n, d in details.items()} == {
        arum.name: "valid",
        bayu.name: "valid",
        candra.name: "disqualified",  # the lowest price, out at the administrative evaluation
    }
    assert announced["bids"]["statistics"] == [
        {"id": "bids", "measure": "bids", "value": 3},
        {"id": "validBids", "measure": "validBids", "value": 2},
        {"id": "disqualifiedBids", "measure": "disqualifiedBids", "value": 1},
    ]
    [award] = announced["awards"]
    assert award["suppliers"] == [{"id": ids[arum.name], "name": arum.name}]
    assert award["relatedBid"] == details[arum.name]["id"]
    roles = {p["id"]: p["roles"] for p in announced["parties"]}
    assert roles[ids[arum.name]] == ["tenderer", "supplier"]
    assert roles[ids[candra.name]] == ["tenderer"]
    assert announced["tender"]["amendments"] == [amendment]  # the opening and the award amend nothing

    packages, _ = await harvest(client)  # every package valid, declaring the extension
    assert all(p["extensions"] == [BIDS_EXTENSION] for p in packages)
    for release in releases_of(packages):
        valid_with_bids(release)
