"""The OCDS a harvester gets: valid with the format checker on, awards pending while objections may
be lodged, and release packages it can page through and resume (the exported files:
``tests.e2e.test_catalogue``).

Validation is with the official OCDS 1.1 schemas (tests/data) and jsonschema's format checker, as
``tests.e2e.test_catalogue.valid`` does it; releases also against the core release schema patched with
the bids extension's (``valid_with_bids``: tests/data/ocds_bid_extension-1.1.5, vendored, never fetched).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.demo.identity import seed_identity_demo
from cli.demo.province import seed_demo
from cli.demo.reviews import seed_review_demo
from cli.demo.tenders import seed_tender_demo
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tests.e2e.procurement import Client, Desk, end_objection_period, ok, person, regency, schedule, vendor
from tests.e2e.test_award_flow import today
from tests.e2e.test_catalogue import valid
from tests.feed_horizon import until_the_feed_has_passed

PACKAGE, RECORD = "release-package-schema.json", "record-package-schema.json"
DATA = Path(__file__).parent.parent / "data"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: how an OCDS extension's release schema extends the core one."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


@cache
def extended_validator() -> Draft4Validator:
    core = json.loads((DATA / "ocds-1.1" / "release-schema.json").read_text())
    bids = json.loads((DATA / "ocds_bid_extension-1.1.5" / "release-schema.json").read_text())
    return Draft4Validator(merge_patch(core, bids), format_checker=Draft4Validator.FORMAT_CHECKER)


def valid_with_bids(release: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in extended_validator().iter_errors(release)]
    assert errors == [], errors


async def harvest(client: Client, url: str = "/api/ocds/releases?limit=50") -> tuple[list[Any], str]:
    """Every release package from ``url`` on, each validated, following ``links.next`` until the
    hub has nothing more yet (404); and the URL to resume from later."""
    packages: list[Any] = []
    while True:
        answer = await client.get(url)
        if answer.status_code == 404:
            assert answer.headers["content-type"].startswith("application/problem+json")
            return packages, url
        package = dict(ok(answer, 200))
        valid(package, PACKAGE)
        packages.append(package)
        url = package["links"]["next"]  # on every page, the last included


def releases_of(packages: list[Any]) -> list[dict[str, Any]]:
    return [r for p in packages for r in p["releases"]]


@pytest.mark.horizon  # it reads the change feed
async def test_every_release_and_record_of_the_demo_province_is_valid_with_the_format_checker(
    client: Client, clean_identity: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    engine, master = clean_identity, MasterKey.parse(settings.master_key or "")
    await seed_demo(engine, concurrency=2)  # as `serve --demo` does
    await seed_identity_demo(engine, "http://127.0.0.1:8000/callback")
    await seed_tender_demo(engine, master, tmp_path)
    await seed_review_demo(engine, master)
    await until_the_feed_has_passed(engine)

    releases = releases_of((await harvest(client))[0])
    ocids = sorted({r["ocid"] for r in releases})
    assert len(ocids) > 20
    contracts = [c for r in releases for c in r.get("contracts", [])]
    assert contracts  # the checked dates are there
    for c in contracts:  # calendar dates as date-times at the tenant's midnight (WIB)
        assert c["dateSigned"].endswith("T00:00:00+07:00"), c
        assert c["period"]["endDate"].endswith("T23:59:59+07:00"), c
    for ocid in ocids:
        record = dict(ok(await client.get(f"/api/ocds/records/{ocid}"), 200))
        valid(record, RECORD)
    for release in releases:  # and the bids extension's part of them
        valid_with_bids(release)
    assert any("bids" in r for r in releases)

    # The demo's award still in its objection period (masa sanggah) is pending; signed ones are active.
    compiled = [
        dict(ok(await client.get(f"/api/ocds/records/{o}"), 200))["records"][0]["compiledRelease"]
        for o in ocids
    ]
    statuses = {(c["tender"]["title"], a["status"]) for c in compiled for a in c.get("awards", [])}
    assert ("Rehabilitasi Gedung SMP Negeri 1 Singosari", "pending") in statuses
    assert all(
        a["status"] == "active"
        for c in compiled
        if c.get("contracts")
        for a in c["awards"]
        if a["id"] == c["contracts"][0]["awardID"]
    )


@pytest.mark.horizon  # it reads the change feed
async def test_an_award_is_pending_during_its_objection_period_and_active_after(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bidders = [await vendor(client, engine, n, "3507", verifier, "kab-malang") for n in ("arum", "bayu")]
    desk = Desk(client, engine, malang)
    await desk.announce("Rehabilitasi Jembatan Désa Sumberpucung", owner_estimate=900_000_000)
    await desk.bids({bidders[0]: 850_000_000, bidders[1]: 870_000_000})
    await desk.open()
    await desk.pass_all(*bidders)
    first = {"vendor_id": bidders[0].vendor_id}
    ok(await desk.post("qualification-verifications", malang.pokja, {**first, "passed": True}))
    ok(await desk.post("award", malang.pokja, first))
    ok(await desk.post("award-announcement", malang.pokja))
    ocid = f"ocds-lpsehub-3507-{desk.tender_id}"
    await until_the_feed_has_passed(engine)
    announced = dict(ok(await client.get(f"/api/ocds/records/{ocid}"), 200))
    valid(announced, RECORD)
    [award] = announced["records"][0]["compiledRelease"]["awards"]
    assert award["status"] == "pending"  # objections may still be lodged

    await end_objection_period(engine, malang.schema, desk.tender_id)
    ok(await desk.post("award-letter", malang.ppk, {"number": "SPPBJ/1"}))
    contract = {"number": "HK/1", "value": 840_000_000, "signed_on": today(), "starts_on": today()}
    ok(await desk.post("contract", malang.ppk, {**contract, "ends_on": "2026-12-31"}))
    await until_the_feed_has_passed(engine)
    signed = dict(ok(await client.get(f"/api/ocds/records/{ocid}"), 200))
    valid(signed, RECORD)
    record = signed["records"][0]
    assert [a["status"] for a in record["compiledRelease"]["awards"]] == ["active"]
    assert [r["awards"][0]["status"] for r in record["releases"] if "awards" in r] == [
        "pending",  # the announcement
        "active",  # the objection period's end, moved here into the past and published as any move
        "active",  # the letter of award (SPPBJ), after the period
        "active",  # the contract
    ]
    [signed_contract] = record["compiledRelease"]["contracts"]
    assert signed_contract["dateSigned"] == f"{today()}T00:00:00+07:00"  # Kabupaten Malang is in WIB
    assert signed_contract["period"] == {
        "startDate": f"{today()}T00:00:00+07:00",
        "endDate": "2026-12-31T23:59:59+07:00",
    }


@pytest.mark.horizon  # it reads the change feed
async def test_release_packages_end_with_a_next_link_a_harvester_resumes_from(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    nothing = await client.get("/api/ocds/releases")
    assert nothing.status_code == 404  # no release yet: no empty package (OCDS needs one release or more)
    assert nothing.headers["content-type"].startswith("application/problem+json")
    malang = await regency(client, engine, "kab-malang", "3507")
    for title in ("Pengadaan Seragam Dinas", "Pembangunan Pagar Kantor", "Rehabilitasi Balai Desa"):
        await Desk(client, engine, malang).announce(title, owner_estimate=300_000_000)
    await until_the_feed_has_passed(engine)

    packages, resume = await harvest(client, "/api/ocds/releases?limit=2")
    assert [len(p["releases"]) for p in packages] == [2, 1]
    last = packages[-1]
    assert resume == last["links"]["next"]  # the last page too links on, to what comes after it
    assert resume.startswith("http")  # absolute
    published, changed = (
        datetime.fromisoformat(d) for d in (last["publishedDate"], last["releases"][-1]["date"])
    )
    assert published == changed  # never 1970: the time of the page's last change
    assert (await client.get(resume)).status_code == 404  # asked again: still nothing after it

    await Desk(client, engine, malang).announce("Pengadaan Komputer Kantor", owner_estimate=300_000_000)
    await until_the_feed_has_passed(engine)
    later, _ = await harvest(client, resume)
    assert [r["tender"]["title"] for r in releases_of(later)] == ["Pengadaan Komputer Kantor"]
    assert len(releases_of(packages + later)) == len({r["id"] for r in releases_of(packages + later)}) == 4


@pytest.mark.horizon  # it reads the change feed
async def test_a_retender_links_the_failed_tender_it_repeats_by_its_public_ocid(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bidders = [await vendor(client, engine, n, "3507", verifier, "kab-malang") for n in ("arum", "bayu")]
    desk = Desk(client, engine, malang)
    await desk.announce("Pembangunan Pasar Rakyat Sumberpucung", owner_estimate=650_000_000)
    await desk.bids({bidders[0]: 672_000_000, bidders[1]: 690_000_000})
    await desk.open()
    reason = {"reason": "Tidak ada penawaran yang lulus evaluasi"}
    ok(await desk.post("failure", malang.pokja, reason), 201)
    again = ok(await desk.post("retender", malang.pokja, {"schedule": schedule()}))
    ok(await client.post(f"{malang.base}/tenders/{again['id']}/announcement", headers=malang.pokja))
    failed, repeated = (f"ocds-lpsehub-3507-{t}" for t in (desk.tender_id, again["id"]))
    await until_the_feed_has_passed(engine)

    link = {
        "id": "1",
        "relationship": ["unsuccessfulProcess"],  # a re-tender of a previous unsuccessful process
        "title": "Pembangunan Pasar Rakyat Sumberpucung",
        "scheme": "ocid",
        "identifier": failed,  # public, as a harvester finds it, not the hub's stored local id
    }
    record = dict(ok(await client.get(f"/api/ocds/records/{repeated}"), 200))
    valid(record, RECORD)
    [entry] = record["records"]
    assert entry["compiledRelease"]["relatedProcesses"] == [link]
    assert all(r["relatedProcesses"] == [link] for r in entry["releases"])
    in_feed = [r for r in releases_of((await harvest(client))[0]) if r["ocid"] == repeated]
    assert [r["relatedProcesses"] for r in in_feed] == [[link]]
    original = dict(ok(await client.get(f"/api/ocds/records/{failed}"), 200))
    assert "relatedProcesses" not in original["records"][0]["compiledRelease"]  # the link is the new one's
