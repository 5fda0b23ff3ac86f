"""The announcement's and the contract's steps pinned: what each costs the database (issue 20).

The steps before the bids (package, tender, announcement, a registration) and after the objection
period (letter of award, contract), as ``tests/bench/bench_lifecycle.py`` drives them; the bid path
is pinned by ``test_bid_path_statements.py``, the evaluation by ``test_evaluation_statements.py``.
Each step reads its tender once with what it asks for next (``tenants.tenders.step_read``) and
publishes its change in one statement; a change that adds a round trip fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import (
    Client,
    Desk,
    advance,
    end_objection_period,
    ok,
    package,
    person,
    regency,
    schedule,
    vendor,
)
from tests.e2e.test_bid_path_statements import counted

ASPECTS = ("administrative", "qualification", "technical", "price")
STATEMENTS = {
    "package": 4,  # the token, the agency with the clock, the insert, the audit entry
    "tender": 5,  # the token, the package with its live tender, the rules and the clock, two inserts, audit
    "announcement": 5,  # the token, the tender with what a step reads (the tenant's key too), update, audit,
    # the catalogue row with the feed entry
    "registration": 5,  # the token, the tender with the caller's vendor, its eligibility, the insert, audit
    "award-letter": 8,
    "contract": 9,
}
"""Statements of each step, the token's check included; 5 / 11 / 16 / 9 / 22 / 22 before issue 20's
second session (the tender's first announcement in a tenant makes the tenant's key: two more)."""


@pytest.mark.timeout(300)
async def test_the_announcement_and_contract_steps_run_pinned_statements(
    client: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    verifier = await person(clean_identity, "verifier", "kab-malang")
    bidders = [
        await vendor(client, clean_identity, name, "3507", verifier, "kab-malang")
        for name in ("arjuna", "bima", "citra")
    ]
    # The tenant's first announcement makes its key: a one-off, not the lifecycle's path.
    await Desk(client, clean_identity, malang).announce(
        "Pemeliharaan Gedung Kantor", owner_estimate=500_000_000
    )
    desk = Desk(client, clean_identity, malang)
    sent: dict[str, list[str]] = {}
    checkouts: dict[str, int] = {}
    with counted() as step:
        made = await package(client, malang, "Peningkatan Jalan Desa Tumpang", owner_estimate=900_000_000)
    sent["package"] = step.statements
    checkouts["package"] = step.checkouts
    body = {"package_id": made["id"], "evaluation": "lowest_price", "schedule": schedule()}
    with counted() as step:
        desk.tender_id = ok(await client.post(f"{malang.base}/tenders", headers=malang.pokja, json=body))[
            "id"
        ]
    sent["tender"] = step.statements
    checkouts["tender"] = step.checkouts
    with counted() as step:
        desk.tender_key = ok(await desk.post("announcement", malang.pokja))["tender_key"]
    sent["announcement"] = step.statements
    checkouts["announcement"] = step.checkouts
    await desk.register(bidders[:2])
    with counted() as step:
        ok(await client.post(f"{desk.url}/registrations", headers=bidders[2].headers))
    sent["registration"] = step.statements
    checkouts["registration"] = step.checkouts
    await advance(desk.engine, malang.schema, desk.tender_id, "bid_submission")
    for k, bidder in enumerate(bidders):
        ok(await desk.bid(bidder, 850_000_000 + k * 1_000_000))
    with counted() as step:
        await desk.open()
    # The three bids' ``bid.decrypted`` entries in one statement (``append_audits``), then ``tender.opened``.
    assert sum("hub.audit_append(" in s for s in step.statements) == 2
    winner = {"vendor_id": bidders[0].vendor_id}
    await desk.pass_all(*bidders, aspects=ASPECTS)
    ok(await desk.post("qualification-verifications", malang.pokja, {**winner, "passed": True}))
    ok(await desk.post("award", malang.pokja, winner))
    ok(await desk.post("award-announcement", malang.pokja))
    await end_objection_period(desk.engine, malang.schema, desk.tender_id)
    with counted() as step:
        ok(await desk.post("award-letter", malang.ppk, {"number": "SPPBJ/3507/001"}))
    sent["award-letter"] = step.statements
    checkouts["award-letter"] = step.checkouts
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()
    contract = {
        "number": "HK.02.03/3507/2026",
        "value": 850_000_000,
        "signed_on": today.isoformat(),
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=180)).isoformat(),
    }
    with counted() as step:
        signed = ok(await desk.post("contract", malang.ppk, contract))
    sent["contract"] = step.statements
    checkouts["contract"] = step.checkouts
    assert signed["status"] == "contracted"
    assert signed["contract"]["vendor_id"] == bidders[0].vendor_id
    public = await desk.public()
    assert [a["vendor_id"] for a in public["awards"]] == [bidders[0].vendor_id]
    for path, limit in STATEMENTS.items():
        lines = "\n".join(s.split("\n")[0][:150] for s in sent[path])
        assert len(sent[path]) <= limit, f"{path}: {len(sent[path])} statements\n{lines}"
    # The token's check in the step's own transaction (``standing=IN_TRANSACTION``): one pool
    # checkout a step, not a second one for the token (issue 20).
    assert checkouts == dict.fromkeys(STATEMENTS, 1), checkouts
