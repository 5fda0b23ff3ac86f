"""The province-wide catalogue and its OCDS publication, over HTTP.

A tender reaches the catalogue only when it is public, and shows at each stage only what that
stage makes public. Every release the hub publishes is valid OCDS 1.1 (the official schemas,
shipped in tests/data, with the format checker on), and merging a tender's releases with
ocdsmerge gives the compiled release the hub serves.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ocdsmerge
import pytest
from jsonschema import Draft4Validator
from litestar.testing import AsyncTestClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue import facets
from federation.catalogue import search as search_module
from hub.core.settings import Settings
from hub.web.app import create_app
from tenants.tenders.publication.rebuild import rebuild_catalogue
from tests.e2e.procurement import (
    Bidder,
    Client,
    Desk,
    Regency,
    end_objection_period,
    ok,
    person,
    regency,
    schedule,
    vendor,
)
from tests.e2e.procurement import package as create_package
from tests.e2e.test_award_flow import today
from tests.feed_horizon import until_the_feed_has_passed
from tests.manual_clock import ManualClock

SCHEMAS = Path(__file__).parent.parent / "data" / "ocds-1.1"
ONLINE = "https://standard.open-contracting.org/schema/1__1__5/"


def _schema(name: str) -> dict[str, Any]:
    return dict(json.loads((SCHEMAS / name).read_text()))


def validator(name: str) -> Draft4Validator:
    """The official schema, with its references to the published schemas mapped to the local copies,
    and the format checker on, as a harvester validates (``date-time`` needs rfc3339-validator)."""
    assert "date-time" in Draft4Validator.FORMAT_CHECKER.checkers, "install rfc3339-validator"
    registry: Registry = Registry().with_resources(
        (ONLINE + n, Resource.from_contents(_schema(n), default_specification=DRAFT4))
        for n in ("release-schema.json", "versioned-release-validation-schema.json")
    )
    return Draft4Validator(_schema(name), registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def valid(document: dict[str, Any], schema: str) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(schema).iter_errors(document)]
    assert errors == [], errors


async def search(client: Client, **params: Any) -> dict[str, Any]:
    return dict(ok(await client.get("/api/catalogue", params=params), 200))


@pytest.mark.horizon  # it reads the change feed
async def test_a_tender_shows_in_the_catalogue_only_what_its_stage_makes_public(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bidders = [await vendor(client, engine, n, "3507", verifier, "kab-malang") for n in ("arum", "bayu")]
    draft = await create_package(client, malang, "Pembangunan Jalan Désa Ngadas", owner_estimate=900_000_000)
    body = {"package_id": draft["id"], "evaluation": "lowest_price", "schedule": schedule()}
    draft_id = ok(await client.post(f"{malang.base}/tenders", headers=malang.pokja, json=body))["id"]
    assert (await search(client))["results"] == []  # a draft is never public
    ok(
        await client.post(
            f"{malang.base}/tenders/{draft_id}/cancellation",
            headers=malang.pokja,
            json={"reason": "Salah input paket"},
        ),
        201,
    )
    assert (await search(client))["results"] == []  # nor once cancelled, never having been announced

    desk = Desk(client, engine, malang)
    await desk.announce("Rehabilitasi Jembatan Désa Sumberpucung", owner_estimate=900_000_000)
    [entry] = (await search(client))["results"]
    assert entry["ocid"] == f"ocds-lpsehub-3507-{desk.tender_id}"
    assert (entry["status"], entry["bidders"], entry["winner"]) == ("announced", None, None)
    await desk.bids({bidders[0]: 850_000_000, bidders[1]: 870_000_000})
    assert (await search(client))["results"][0]["bidders"] is None  # nothing of a bid before the opening
    await desk.open()
    entry = (await search(client))["results"][0]
    assert (entry["status"], entry["bidders"]) == ("opened", 2)
    await desk.pass_all(*bidders)
    first = {"vendor_id": bidders[0].vendor_id}
    ok(await desk.post("qualification-verifications", malang.pokja, {**first, "passed": True}))
    ok(await desk.post("award", malang.pokja, first))
    entry = (await search(client))["results"][0]
    assert entry["winner"] is None
    assert not any(d.drifted for d in await rebuild_catalogue(engine))  # nor does the rebuild show it
    assert entry["award_value"] is None
    ok(await desk.post("award-announcement", malang.pokja))
    entry = (await search(client))["results"][0]
    assert (entry["winner"], entry["award_value"]) == (bidders[0].name, 850_000_000)
    await end_objection_period(engine, malang.schema, desk.tender_id)
    ok(await desk.post("award-letter", malang.ppk, {"number": "SPPBJ/1"}))
    contract = {
        "number": "HK/1",
        "value": 840_000_000,
        "signed_on": today(),
        "starts_on": today(),
        "ends_on": "2026-12-31",
    }
    ok(await desk.post("contract", malang.ppk, contract))
    entry = dict(ok(await client.get(f"/api/catalogue/{entry['ocid']}"), 200))
    assert (entry["status"], entry["contract_value"]) == ("contracted", 840_000_000)

    await until_the_feed_has_passed(engine)
    feed = dict(ok(await client.get("/api/feed"), 200))
    tags = [e["tags"] for e in feed["entries"]]
    assert tags == [  # the test's moves of the tender's times are published like any change of them
        ["tender"],
        ["tenderUpdate"],  # the schedule moved to the submission
        ["tenderUpdate"],  # and to the opening
        ["tenderUpdate"],  # opened
        ["award"],
        ["tenderUpdate", "awardUpdate"],  # the test moving the objection period past
        ["awardUpdate"],  # the letter of award
        ["contract"],
    ]
    for item in feed["entries"]:
        valid(
            {
                "uri": "x",
                "version": "1.1",
                "publishedDate": item["release"]["date"],
                "publisher": {"name": "t"},
                "releases": [item["release"]],
            },
            "release-package-schema.json",
        )
    package = dict(ok(await client.get("/api/ocds/releases"), 200))
    valid(package, "release-package-schema.json")
    record = dict(ok(await client.get(f"/api/ocds/records/{entry['ocid']}"), 200))
    valid(record, "record-package-schema.json")
    releases = record["records"][0]["releases"]
    merged = ocdsmerge.Merger(_schema("release-schema.json")).create_compiled_release(releases)
    served = record["records"][0]["compiledRelease"]
    assert {k: v for k, v in merged.items() if k not in ("id", "tag", "date")} == {
        k: v for k, v in served.items() if k not in ("id", "tag", "date")
    }
    assert served["contracts"][0]["value"] == {"amount": 840_000_000, "currency": "IDR"}
    suppliers = [p for p in served["parties"] if "supplier" in p["roles"]]
    assert [p["name"] for p in suppliers] == [bidders[0].name]


@pytest.mark.horizon  # it reads the change feed
async def test_cancelled_and_failed_tenders_publish_valid_releases(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    cancelled = Desk(client, engine, malang)
    await cancelled.announce("Pengadaan Seragam Dinas", owner_estimate=300_000_000, category="goods")
    ok(await cancelled.post("cancellation", malang.pokja, {"reason": "Anggaran direvisi"}))
    failed = Desk(client, engine, malang)
    await failed.announce("Pembangunan Pagar Kantor", owner_estimate=300_000_000)
    await failed.open()
    ok(await failed.post("failure", malang.pokja, {"reason": "Tidak ada peserta yang menawar"}))
    await until_the_feed_has_passed(engine)
    package = dict(ok(await client.get("/api/ocds/releases"), 200))
    valid(package, "release-package-schema.json")
    statuses = {(r["tag"][0], r["tender"]["status"]) for r in package["releases"]}
    assert ("tenderCancellation", "cancelled") in statuses
    assert ("tenderUpdate", "unsuccessful") in statuses


@pytest.fixture
async def seeded(client: Client, clean_identity: AsyncEngine) -> Regency:
    """Six tenders in two regencies, announced: enough to search, filter, sort and page."""
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    surabaya = await regency(client, engine, "kota-surabaya", "3578")
    for where, title, estimate, category in (
        (malang, "Rehabilitasi Jalan Désa Tumpang", 900_000_000, "construction"),
        (malang, "Pengadaan Alat Kesehatan Puskesmas", 400_000_000, "goods"),
        (malang, "Pembangunan Jembatan Gantung Desa Ngadas", 1_500_000_000, "construction"),
        (surabaya, "Peningkatan Jalan Kenjeran", 2_000_000_000, "construction"),
        (surabaya, "Pengadaan Komputer Sekolah", 300_000_000, "goods"),
        (surabaya, "Jasa Kebersihan Balai Kota", 500_000_000, "other_services"),
    ):
        await Desk(client, engine, where).announce(title, owner_estimate=estimate, category=category)
    return malang


async def test_search_folds_case_and_accents_and_ranks_by_relevance(client: Client, seeded: Regency) -> None:
    found = await search(client, q="DESA")
    assert {r["title"] for r in found["results"]} == {
        "Rehabilitasi Jalan Désa Tumpang",
        "Pembangunan Jembatan Gantung Desa Ngadas",
    }
    best = (await search(client, q="jalan or désa", sort="relevance"))["results"][0]
    assert best["title"] == "Rehabilitasi Jalan Désa Tumpang"  # both words beat one
    assert {r["tenant"]["slug"] for r in (await search(client, q="41011"))["results"]} == {
        "kab-malang",
        "kota-surabaya",
    }  # KBLI codes are searchable


async def test_filters_and_facets(client: Client, seeded: Regency) -> None:
    goods = await search(client, category="goods")
    assert {r["title"] for r in goods["results"]} == {
        "Pengadaan Alat Kesehatan Puskesmas",
        "Pengadaan Komputer Sekolah",
    }
    assert goods["facets"]["tenant"] == {"kab-malang": 1, "kota-surabaya": 1}
    everything = await search(client)
    assert everything["facets"]["category"] == {"construction": 3, "goods": 2, "other_services": 1}
    assert everything["total"] == {"value": 6, "exact": True}
    ranged = await search(client, budget_min=500_000_000, budget_max=1_100_000_000, tenant="kab-malang")
    assert [r["owner_estimate"] for r in ranged["results"]] == [900_000_000]
    assert len((await search(client, province="35", fiscal_year=2026))["results"]) == 6
    assert (await search(client, open="true"))["results"] == []  # bid submission opens tomorrow
    for name, value in (
        ("category", "sembako"),
        ("sort", "cheapest"),
        ("province", "jatim"),
        ("limit", 0),
        ("budget_min", -1),
        ("cursor", "not-a-cursor"),
        ("open", "maybe"),
        ("tenant", "kab-tidak-ada"),  # unknown, as an unknown category is
        ("tenant", "Kab Malang"),
    ):
        refused = await client.get("/api/catalogue", params={name: value})
        assert refused.status_code == 400, name
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert name in refused.text
        assert "open_now" not in refused.text  # the parameters as the URL spells them, never internal keys


async def test_keyset_pages_cover_everything_once_in_every_sort(client: Client, seeded: Regency) -> None:
    for sort in ("newest", "closing", "budget", "-budget"):
        seen: list[str] = []
        cursor = None
        while True:
            page = await search(client, sort=sort, limit=4, **({"cursor": cursor} if cursor else {}))
            seen += [r["ocid"] for r in page["results"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 6, sort
    budgets = [r["budget"] for r in (await search(client, sort="budget", limit=6))["results"]]
    assert budgets == sorted(budgets)


async def test_facets_come_with_the_first_page_only_and_on_request(client: Client, seeded: Regency) -> None:
    first = await search(client, limit=2)
    assert first["total"]["value"] == 6
    following = await search(client, limit=2, cursor=first["next_cursor"])
    assert (following["facets"], following["total"]) == (None, None)  # the client has them from page one
    assert (await search(client, facets="false"))["facets"] is None


async def test_a_repeated_search_reuses_its_counts_for_ten_seconds_but_never_its_rows(
    client: Client, seeded: Regency, clean_identity: AsyncEngine, settings: Settings
) -> None:
    """Past ten seconds the stale counts are answered once more while they are recounted in the
    background (no request waits for a recount); the next request has the new counts."""
    clock = ManualClock()
    app = create_app(settings, clock=clock)
    async with AsyncTestClient(app=app) as timed:
        before = await search(timed, category="goods")
        await Desk(client, clean_identity, seeded).announce(
            "Pengadaan Meubelair Kantor", owner_estimate=200_000_000, category="goods"
        )
        again = await search(timed, category="goods", sort="budget")
        assert len(again["results"]) == 3  # the new tender is on the page at once...
        assert again["total"] == before["total"] == {"value": 2, "exact": True}  # ...not in the counts
        await clock.advance(9.9)
        assert (await search(timed, category="goods"))["total"]["value"] == 2  # still within 10 s
        await clock.advance(0.1)
        assert (await search(timed, category="goods"))["total"]["value"] == 2  # stale: recounting
        await asyncio.to_thread(timed.blocking_portal.call, app.state.facet_cache.recounted)  # the app's loop
        assert (await search(timed, category="goods"))["total"] == {"value": 3, "exact": True}


async def test_a_catalogue_smaller_than_the_sample_is_counted_exactly(
    client: Client, seeded: Regency, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facets, "EXACT_UP_TO", 3)  # six matches are past the limit now...
    sampled = await search(client)
    assert sampled["total"] == {"value": 6, "exact": True}  # ...but the sample was the whole table
    assert sampled["facets"]["category"] == {"construction": 3, "goods": 2, "other_services": 1}


async def test_relevance_ranks_the_newest_matches_of_a_broad_search(
    client: Client, seeded: Regency, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await search(client, q="pengadaan jalan"))["results"] == []  # every word must match
    everything = [
        r["title"] for r in (await search(client, q="pengadaan or jalan", sort="newest"))["results"]
    ]
    assert len(everything) == 4
    monkeypatch.setattr(search_module, "RELEVANCE_WINDOW", 2)
    ranked = [r["title"] for r in (await search(client, q="pengadaan or jalan", sort="relevance"))["results"]]
    assert sorted(ranked) == sorted(everything[:2])


def titles(page: dict[str, Any]) -> list[str]:
    return [r["title"] for r in page["results"]]


ISO_8601 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
TIMESTAMPS = ("announced_at", "submission_starts_at", "submission_ends_at", "opened_at", "awarded_at")


async def test_every_time_in_a_catalogue_answer_is_iso_8601_with_its_offset(
    client: Client, seeded: Regency
) -> None:
    page = await search(client, q="jalan", sort="closing", limit=1)
    entries = [*(await search(client))["results"], *page["results"]]
    entries.append(dict(ok(await client.get(f"/api/catalogue/{entries[0]['ocid']}"), 200)))
    for entry in entries:
        times = [entry[name] for name in TIMESTAMPS if entry[name] is not None]
        assert len(times) >= 3  # announced, and the submission window
        for value in times:
            assert ISO_8601.fullmatch(value), value  # a "T", never a space; an offset, never a bare time
            assert datetime.fromisoformat(value).utcoffset() is not None
    following = await search(client, q="jalan", sort="closing", limit=1, cursor=page["next_cursor"])
    assert len(following["results"]) == 1  # the cursor's own time reads back as the same instant


async def test_words_without_a_sort_are_ranked_by_relevance(client: Client, seeded: Regency) -> None:
    newest = titles(await search(client, q="jalan or desa", sort="newest"))
    assert newest[0] == "Peningkatan Jalan Kenjeran"  # announced last: first by date
    ranked = titles(await search(client, q="jalan or desa"))
    assert ranked[0] == "Rehabilitasi Jalan Désa Tumpang"  # both words: first by relevance
    assert sorted(ranked) == sorted(newest)
    assert titles(await search(client))[0] == "Jasa Kebersihan Balai Kota"  # no words: newest first


async def test_search_stems_indonesian_and_reads_abbreviations_in_full(
    client: Client, seeded: Regency, clean_identity: AsyncEngine
) -> None:
    roads = {"Rehabilitasi Jalan Désa Tumpang", "Peningkatan Jalan Kenjeran"}
    assert set(titles(await search(client, q="jalanan"))) == roads  # stemmed: jalan-an
    assert set(titles(await search(client, q="perjalanan"))) == roads
    assert set(titles(await search(client, q="jln"))) == roads  # abbreviations in the query
    assert set(titles(await search(client, q="Jl."))) == roads
    assert titles(await search(client, q="rehab jln ds")) == ["Rehabilitasi Jalan Désa Tumpang"]
    assert len((await search(client, q="kab malang"))["results"]) == 3  # the regency's name: Kabupaten Malang
    desk = Desk(client, clean_identity, seeded)
    await desk.announce("Rehab Gd. Kantor Kec. Tumpang", owner_estimate=100_000_000)
    assert titles(await search(client, q="rehabilitasi gedung kecamatan")) == [
        "Rehab Gd. Kantor Kec. Tumpang"  # abbreviations in a title, found by the words in full
    ]
    assert titles(await search(client, q="gedung", tenant="kab-malang")) == ["Rehab Gd. Kantor Kec. Tumpang"]
    assert titles(await search(client, q="41011", category="goods", tenant="kab-malang")) == [
        "Pengadaan Alat Kesehatan Puskesmas"  # numbers (KBLI) are kept whole
    ]


async def test_a_cursor_is_refused_by_another_search(client: Client, seeded: Regency) -> None:
    asked = {"q": "pengadaan or jalan", "category": "construction", "sort": "budget"}
    first = await search(client, **asked, limit=1)
    cursor = first["next_cursor"]
    assert cursor is not None
    others = ({"q": "desa"}, {"category": "goods"}, {"sort": "-budget"}, {"sort": None},
              {"tenant": "kab-malang"}, {"budget_min": 1}, {"open": "true"})  # fmt: skip
    for other in others:
        params = {k: v for k, v in {**asked, **other, "cursor": cursor}.items() if v is not None}
        refused = await client.get("/api/catalogue", params=params)
        assert refused.status_code == 400, other
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["field"] == "cursor", refused.json()
    same = await search(client, **{**asked, "q": "  PENGADAAN  or jalan"}, limit=2, cursor=cursor)
    assert len(same["results"]) == 1  # the same search written otherwise, in larger pages: the cursor holds


async def test_an_unknown_tenant_is_refused_and_a_known_one_without_tenders_is_not(
    client: Client, seeded: Regency, clean_identity: AsyncEngine
) -> None:
    await regency(client, clean_identity, "kab-blitar", "3505")
    quiet = await search(client, tenant="kab-blitar")
    assert (quiet["results"], quiet["total"]) == ([], {"value": 0, "exact": True})
    refused = await client.get("/api/catalogue", params={"tenant": "kab-blitarr"})
    assert refused.status_code == 400
    assert refused.json()["field"] == "tenant"
    assert "kab-blitarr" in refused.json()["detail"]


async def test_public_pages_carry_an_etag_and_a_rate_limit(
    client: Client, seeded: Regency, settings: Settings
) -> None:
    first = await client.get("/api/catalogue")
    again = await client.get("/api/catalogue", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    async with AsyncTestClient(app=create_app(replace(settings, public_requests_per_minute=3))) as strict:
        codes = [(await strict.get("/api/feed")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


@pytest.mark.horizon  # it reads the change feed
async def test_a_package_bought_by_direct_procurement_is_published_with_its_award(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bidder: Bidder = await vendor(client, engine, "citra", "3507", verifier, "kab-malang")
    small = await create_package(
        client,
        malang,
        "Pengadaan Printer Kecamatan",
        owner_estimate=50_000_000,
        method="direct_procurement",
        category="goods",
    )
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    invited = ok(
        await client.post(
            f"{malang.base}/direct-procurements",
            headers=malang.officer,
            json={"package_id": small["id"], "vendor_id": bidder.vendor_id, "offer_deadline": deadline},
        )
    )
    [entry] = (await search(client, method="direct_procurement"))["results"]
    assert entry["tender_id"] == invited["id"]
    await until_the_feed_has_passed(engine)
    release = (await client.get("/api/feed")).json()["entries"][0]["release"]
    assert release["tender"]["procurementMethod"] == "direct"


async def test_a_rebuild_reports_and_repairs_drift(
    client: Client, seeded: Regency, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    assert not any(d.drifted for d in await rebuild_catalogue(engine))  # written with each change: no drift
    async with engine.begin() as connection:  # a catalogue restored from an old backup, say
        await connection.execute(text("DELETE FROM hub.catalogue WHERE ocid = '3507-1'"))
        await connection.execute(text("UPDATE hub.catalogue SET title = 'Usang' WHERE ocid = '3507-2'"))
        await connection.execute(
            text(
                "INSERT INTO hub.catalogue (ocid, tenant_code, tenant_slug, tenant_name, province_code, "
                "tender_id, title, agency, category, method, evaluation, fiscal_year, budget, owner_estimate,"
                " status, stage, announced_at, search_text) SELECT '3507-99', tenant_code, tenant_slug, "
                "tenant_name, province_code, 99, title, agency, category, method, evaluation, fiscal_year, "
                "budget, owner_estimate, status, stage, announced_at, search_text FROM hub.catalogue "
                "WHERE ocid = '3507-3'"
            )
        )
    [malang] = await rebuild_catalogue(engine, ["kab-malang"])
    assert (malang.checked, malang.missing, malang.changed, malang.removed) == (
        3,
        ["3507-1"],
        ["3507-2"],
        ["3507-99"],
    )
    assert len((await search(client, tenant="kab-malang"))["results"]) == 3
    assert not any(d.drifted for d in await rebuild_catalogue(engine))


def test_ocds_export_writes_valid_release_packages_with_absolute_uris_and_refuses_bad_options(
    seeded: Regency, settings: Settings, tmp_path: Path
) -> None:
    assert settings.database_url is not None
    env = {**os.environ, "LPSE_HUB_DATABASE_URL": settings.database_url}
    command = [
        sys.executable,
        "-c",
        "from cli.main import run; run()",
        "ocds",
        "export",
        "--out",
        str(tmp_path),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    [written] = sorted(tmp_path.glob("releases-*.json"))
    package = json.loads(written.read_text())
    valid(package, "release-package-schema.json")
    assert len(package["releases"]) == 6
    assert all(r["ocid"].startswith("ocds-lpsehub-") for r in package["releases"])
    assert package["uri"] == written.resolve().as_uri()  # absolute: file:///.../releases-000001.json
    published = [*command[:-1], str(tmp_path / "published"), "--base-uri", "https://data.example.go.id/ocds/"]
    done = subprocess.run(published, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    package = json.loads((tmp_path / "published" / "releases-000001.json").read_text())
    assert package["uri"] == "https://data.example.go.id/ocds/releases-000001.json"
    refused = subprocess.run(
        [*command, "--base-uri", "releases"], env=env, capture_output=True, text=True, check=False
    )
    assert (refused.returncode, refused.stderr.count("--base-uri")) == (2, 1)
    bad = subprocess.run(
        [*command, "--since", "kemarin"], env=env, capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0  # one line, no traceback
