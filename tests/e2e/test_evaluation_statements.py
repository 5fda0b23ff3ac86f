"""The evaluation's hot path pinned: what each step from the opening to the award announcement costs the
database (issue 20), five bidders as in ``tests/bench/bench_lifecycle.py``.

Each step runs in one transaction that reads its tender once, with its package, agency, schedule,
documents and the clock (``tenants.tenders.step_read``), and its awards once with their contract
(``tenants.tenders.outcomes``): a step's check, its publication to the catalogue and feed, and the
view it answers share them. A change that reads them again, or adds a round trip, fails here.
"""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Client, Desk, advance, ok, person, regency, vendor
from tests.e2e.test_bid_path_statements import counted

ASPECTS = ("administrative", "qualification", "technical", "price")
STATEMENTS = {
    "opening": 16,  # 6 of them the audit entries (the five bids' and the opening's)
    "assessments": 5,
    "qualification-verifications": 5,
    "award": 9,
    "award-announcement": 9,
}
"""Statements of each step, the token's check included (100 in all before issue 20's reads were
shared, 85 after its first session: 28 / 8 / 9 / 16 / 24)."""


@pytest.mark.timeout(300)
async def test_each_evaluation_step_runs_pinned_statements(
    client: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    verifier = await person(clean_identity, "verifier", "kab-malang")
    bidders = [
        await vendor(client, clean_identity, name, "3507", verifier, "kab-malang")
        for name in ("arjuna", "bima", "citra", "dewi", "eka")
    ]
    desk = Desk(client, clean_identity, malang)
    await desk.announce("Peningkatan Jalan Desa Tumpang", owner_estimate=900_000_000)
    await desk.bids({b: 850_000_000 + k * 1_000_000 for k, b in enumerate(bidders)})
    await advance(desk.engine, malang.schema, desk.tender_id, "bid_opening")
    winner = {"vendor_id": bidders[0].vendor_id}
    steps = {
        "opening": None,
        "assessments": {
            "assessments": [
                {"vendor_id": b.vendor_id, "aspect": a, "passed": True} for b in bidders for a in ASPECTS
            ]
        },
        "qualification-verifications": {**winner, "passed": True},
        "award": winner,
        "award-announcement": None,
    }
    sent: dict[str, list[str]] = {}
    for path, body in steps.items():
        with counted() as step:
            ok(await desk.post(path, malang.pokja, body))
        sent[path] = step.statements
    announced = await desk.public()
    assert announced["status"] == "award_announced"
    assert [a["vendor_id"] for a in announced["awards"]] == [bidders[0].vendor_id]
    for path, limit in STATEMENTS.items():
        lines = "\n".join(s.split("\n")[0][:150] for s in sent[path])
        assert len(sent[path]) <= limit, f"{path}: {len(sent[path])} statements\n{lines}"
