"""What the Open Contracting Partnership's Cardinal finds in the hub's OCDS: every field that its
red-flag indicators and ours read is there, counted as Cardinal counts it (``ocdscardinal.coverage``:
how often each path is non-empty in a file of compiled releases, one per line).

The tenders are built as users build them, over HTTP: one through every step from announcement to
contract with a schedule change on the way, then a payment and a progress report (H06, H07); one that
fails after its opening, and that one's re-tender.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ocdscardinal
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Client, Desk, end_objection_period, ok, person, regency, schedule, vendor
from tests.e2e.test_award_flow import today
from tests.e2e.test_catalogue import valid
from tests.e2e.test_ocds_publication import RECORD
from tests.feed_horizon import until_the_feed_has_passed


@pytest.mark.horizon  # it reads the change feed
async def test_cardinal_finds_every_field_the_red_flag_indicators_read(
    client: Client, clean_identity: AsyncEngine, tmp_path: Path
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    arum, bayu, candra = [
        await vendor(client, engine, n, "3507", verifier, "kab-malang") for n in ("arum", "bayu", "candra")
    ]

    contracted = Desk(client, engine, malang)
    await contracted.announce("Peningkatan Jalan Tumpang - Poncokusumo", owner_estimate=900_000_000)
    now = datetime.now(UTC)
    moved = {
        "stage": "bid_opening",
        "starts_at": (now + timedelta(days=3, hours=2)).isoformat(),
        "ends_at": (now + timedelta(days=5)).isoformat(),
        "reason": "Rapat pokja bertepatan dengan hari libur daerah",
    }
    ok(await contracted.post("schedule-changes", malang.pokja, moved))
    await contracted.bids({arum: 850_000_000, bayu: 870_000_000, candra: 880_000_000})
    await contracted.open()
    await contracted.pass_all(arum, bayu, candra)
    first = {"vendor_id": arum.vendor_id}
    ok(await contracted.post("qualification-verifications", malang.pokja, {**first, "passed": True}))
    ok(await contracted.post("award", malang.pokja, first))
    ok(await contracted.post("award-announcement", malang.pokja))
    await end_objection_period(engine, malang.schema, contracted.tender_id)
    ok(await contracted.post("award-letter", malang.ppk, {"number": "SPPBJ/1"}))
    contract = {"number": "HK/1", "value": 845_000_000, "signed_on": today(), "starts_on": today()}
    ok(await contracted.post("contract", malang.ppk, {**contract, "ends_on": "2026-12-31"}))
    ok(await contracted.post("contract/payments", malang.ppk, {"amount": 300_000_000, "paid_on": today()}))
    ok(await contracted.post("contract/progress", malang.ppk, {"percent": 35, "reported_on": today()}))

    failed = Desk(client, engine, malang)
    await failed.announce("Pembangunan Pasar Rakyat Sumberpucung", owner_estimate=650_000_000)
    await failed.bids({arum: 672_000_000, bayu: 690_000_000})
    await failed.open()
    ok(await failed.post("failure", malang.pokja, {"reason": "Tidak ada penawaran yang lulus evaluasi"}))
    again = ok(await failed.post("retender", malang.pokja, {"schedule": schedule()}))
    ok(await client.post(f"{malang.base}/tenders/{again['id']}/announcement", headers=malang.pokja))

    await until_the_feed_has_passed(engine)
    lines = tmp_path / "compiled.jsonl"
    with lines.open("w") as out:
        for tender_id in (contracted.tender_id, failed.tender_id, again["id"]):
            record = dict(ok(await client.get(f"/api/ocds/records/ocds-lpsehub-3507-{tender_id}"), 200))
            valid(record, RECORD)
            out.write(json.dumps(record["records"][0]["compiledRelease"]) + "\n")
    coverage = ocdscardinal.coverage(str(lines))

    every_tender = (
        "/buyer/id",
        "/tender/procurementMethod",
        "/tender/value/amount",
        "/tender/tenderPeriod/startDate",
        "/tender/tenderPeriod/endDate",
    )
    assert {path: coverage.get(path) for path in every_tender} == dict.fromkeys(every_tender, 3)
    assert {
        path: coverage.get(path)
        for path in (
            "/tender/numberOfTenderers",  # from the opening on: not the re-tender's yet
            "/bids/details[]/status",  # each of the five bids
            "/bids/details[]/value/amount",
            "/bids/details[]/tenderers[]/id",
            "/tender/amendments[]/date",  # the one schedule change
            "/tender/amendments[]/rationale",
            "/awards[]/status",
            "/awards[]/value/amount",
            "/awards[]/suppliers[]/id",
            "/contracts[]/awardID",
            "/contracts[]/value/amount",
            "/contracts[]/status",  # H07: its end, and the progress reported (the e-monev's)
            "/contracts[]/period/endDate",
            "/contracts[]/implementation/milestones[]/code",
            "/contracts[]/implementation/milestones[]/title",
            "/contracts[]/implementation/milestones[]/dateMet",
            "/contracts[]/implementation/transactions[]/value/amount",  # H06: the payments
            "/relatedProcesses[]/relationship[]",  # the re-tender's link to the failed tender
            "/relatedProcesses[]/scheme",
            "/relatedProcesses[]/identifier",
        )
    } == {
        "/tender/numberOfTenderers": 2,
        "/bids/details[]/status": 5,
        "/bids/details[]/value/amount": 5,
        "/bids/details[]/tenderers[]/id": 5,
        "/tender/amendments[]/date": 1,
        "/tender/amendments[]/rationale": 1,
        "/awards[]/status": 1,
        "/awards[]/value/amount": 1,
        "/awards[]/suppliers[]/id": 1,
        "/contracts[]/awardID": 1,
        "/contracts[]/value/amount": 1,
        "/contracts[]/status": 1,
        "/contracts[]/period/endDate": 1,
        "/contracts[]/implementation/milestones[]/code": 1,
        "/contracts[]/implementation/milestones[]/title": 1,
        "/contracts[]/implementation/milestones[]/dateMet": 1,
        "/contracts[]/implementation/transactions[]/value/amount": 1,
        "/relatedProcesses[]/relationship[]": 1,
        "/relatedProcesses[]/scheme": 1,
        "/relatedProcesses[]/identifier": 1,
    }
