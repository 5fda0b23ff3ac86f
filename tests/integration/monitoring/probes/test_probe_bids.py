"""The probe checks the stored bids of unopened tenders, so a swap shows before the opening (issue 15).

Each round hashes, in the database, at most a budget of bundle bytes, going on where the last round
stopped; a bid found tampered is checked again every round. A swap is an integrity alarm, kept
apart from the tenant's availability.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions, tenant_session
from monitoring.probes import ProbeRound, probe_all
from monitoring.scrape import read_snapshot, render
from tenants.agencies import add_agency
from tenants.sealing import BidFile, seal_bid
from tenants.tenders import (
    Actor,
    PackageInput,
    announce_tender,
    create_package,
    create_tender,
    open_bids,
    register_for_tender,
    submit_bid,
)
from tenants.tenders.models import Bid
from tests.integration.monitoring.probes.probe_history import forget_probes
from tests.integration.tenants.tenders.test_tender_rules import (
    Stage,
    _close_submission,
    _person,
    stage,
    taking_bids,
)

__all__ = ["stage"]  # the fixture, imported to be found

PRICE, FORGED_PRICE = 1_400_000_000, 4_900_000_000


@pytest_asyncio.fixture(loop_scope="session")
async def watched(stage: Stage, clean_identity: AsyncEngine) -> AsyncIterator[Stage]:
    """The stage's tenant, with no probe result before or after (they outlive the tenants)."""
    await forget_probes(clean_identity)
    yield stage
    await forget_probes(clean_identity)


async def _bundle(engine: AsyncEngine, s: Stage, tender_id: int, price: int) -> bytes:
    """A bundle sealed to the tender's public key for the vendor and signed with its key (the probe's
    hash checks catch a swap whoever signed it; the opening checks the signature too)."""
    async with engine.connect() as connection:
        key = await connection.scalar(
            text("SELECT public_key FROM t_3507.tenders WHERE id = :t"), {"t": tender_id}
        )
    files = [BidFile("p.pdf", "application/pdf", b"%PDF")]
    return seal_bid(
        key,
        tenant_code="3507",
        tender_id=tender_id,
        vendor_id=s.vendor_id,
        price=price,
        files=files,
        signing_key=s.signing_key,
    )


async def _bid(engine: AsyncEngine, s: Stage, tender_id: int) -> int:
    """The vendor's bid on ``tender_id``, submitted through the service; its id."""
    bundle = await _bundle(engine, s, tender_id, PRICE)
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        await submit_bid(session, s.vendor, tender_id, bundle, s.master)
        bid_id = await session.scalar(select(func.max(Bid.id)).where(Bid.tender_id == tender_id))
    assert bid_id is not None
    return bid_id


async def _swap(engine: AsyncEngine, s: Stage, tender_id: int) -> None:
    """The attack: one UPDATE of the tenant's bids table, with a bundle at another price."""
    forged = await _bundle(engine, s, tender_id, FORGED_PRICE)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE t_3507.bids SET bundle = :b WHERE tender_id = :t AND superseded_at IS NULL"),
            {"b": forged, "t": tender_id},
        )


async def _another_tender(engine: AsyncEngine, s: Stage, n: int) -> int:
    """Another announced tender of the tenant taking bids, the vendor registered for it."""
    ppk = Actor(await _person(engine, "commitment_officer"), s.tenant)
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        agency = await add_agency(session, f"Dinas Kesehatan {n}")
        package = await create_package(
            session,
            ppk,
            PackageInput(agency.id, "Gedung Puskesmas", 2026, "construction", "tender", 10**9, 9 * 10**8),
        )
        schedule = taking_bids(datetime.now(UTC))
        tender = await create_tender(session, s.pokja, package.id, "lowest_price", schedule)
        await announce_tender(session, s.pokja, tender.id, s.master)
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        await register_for_tender(session, s.vendor, tender.id)
    return tender.id


async def _round(engine: AsyncEngine, s: Stage, bid_bytes: int = 64 * 2**20) -> ProbeRound:
    done = await probe_all(engine, 1, master=s.master, bid_bytes=bid_bytes)
    assert done.written
    return done


async def test_a_bundle_swapped_by_one_update_is_reported_by_the_next_probe_round(
    watched: Stage, clean_identity: AsyncEngine
) -> None:
    engine, s = clean_identity, watched
    bid_id = await _bid(engine, s, s.tender_id)
    [intact] = (await _round(engine, s)).results
    assert (intact.tampered_bids, intact.bids_problem) == ([], None)

    await _swap(engine, s, s.tender_id)
    [swapped] = (await _round(engine, s)).results

    assert [(b["bid_id"], b["check"]) for b in swapped.tampered_bids or []] == [
        (bid_id, "receipt"),
        (bid_id, "audit"),
    ]
    assert swapped.bids_problem is not None
    assert swapped.bids_problem.startswith(
        f"bids: bid {bid_id} of tender {s.tender_id} fails receipt: the stored bundle does not hash to "
    )
    assert swapped.bids_problem.endswith(", the hash its receipt signed (and 1 more)")
    assert swapped.up  # the tenant serves: a swapped bid is an integrity alarm, not an outage
    async with hub_sessions(engine)() as session:
        exposition = render(await read_snapshot(session), embedded=False).decode()
    assert 'lpsehub_tampered_bids{tenant="kab-malang"} 1.0' in exposition


async def test_a_bid_withheld_by_marking_it_superseded_is_reported_every_round(
    watched: Stage, clean_identity: AsyncEngine
) -> None:
    engine, s = clean_identity, watched
    bid_id = await _bid(engine, s, s.tender_id)
    async with engine.begin() as connection:  # within the hub's own role: superseded_at may be set
        await connection.execute(
            text("UPDATE t_3507.bids SET superseded_at = now() WHERE id = :b"), {"b": bid_id}
        )
    for _ in range(2):  # no current bid left to reach: found again each round, not by the window
        [withheld] = (await _round(engine, s)).results
        assert [(b["bid_id"], b["check"]) for b in withheld.tampered_bids or []] == [(bid_id, "presence")]
        assert withheld.bids_problem is not None
        assert "superseded or removed in the database" in withheld.bids_problem


async def test_a_swap_stays_reported_round_after_round_until_the_opening(
    watched: Stage, clean_identity: AsyncEngine
) -> None:
    engine, s = clean_identity, watched
    bid_id = await _bid(engine, s, s.tender_id)
    await _swap(engine, s, s.tender_id)
    first = (await _round(engine, s)).results[0]
    second = (await _round(engine, s)).results[0]
    assert {b["bid_id"] for b in second.tampered_bids or []} == {bid_id}
    assert second.bids_problem == first.bids_problem

    await _close_submission(engine, s.tender_id)
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        opening = await open_bids(session, s.pokja, s.tender_id, s.master)
    assert opening["tampered"] == 1  # published by the opening, which checked it itself
    third = (await _round(engine, s)).results[0]
    assert (third.tampered_bids, third.bids_problem) == ([], None)  # opened: no longer watched


async def test_a_tenant_with_more_bundle_bytes_than_the_budget_has_every_bid_checked_over_rounds(
    watched: Stage, clean_identity: AsyncEngine
) -> None:
    engine, s = clean_identity, watched
    tenders = [s.tender_id, *[await _another_tender(engine, s, n) for n in range(4)]]
    bids = [await _bid(engine, s, tender) for tender in tenders]
    for tender in tenders:
        await _swap(engine, s, tender)  # every bid swapped: what a round reports is what it checked
    async with engine.connect() as connection:
        sizes = (await connection.execute(text("SELECT octet_length(bundle) FROM t_3507.bids"))).scalars()
        largest = max(sizes)
    budget = 2 * largest  # two bundles a round, at most

    reported: list[set[int]] = []
    for _ in range(3):  # 5 bids, 2 a round: every one within 3 rounds
        [result] = (await _round(engine, s, bid_bytes=budget)).results
        reported.append({b["bid_id"] for b in result.tampered_bids or []})

    assert len(reported[0]) == 2  # the budget held: not every bid in the first round
    assert reported[0] < reported[1] < reported[2] == set(bids)  # suspects stay, new ones join
    assert result.bid_watch == {"after": 0, "suspects": sorted(bids)}  # the pass is done: next starts over


async def test_a_bid_check_slower_than_the_time_limit_is_a_probe_problem_not_a_hang(
    watched: Stage, clean_identity: AsyncEngine
) -> None:
    engine, s = clean_identity, watched
    await _bid(engine, s, s.tender_id)
    async with engine.connect() as other, other.begin():  # someone holds the bids table
        await other.execute(text("LOCK TABLE t_3507.bids IN ACCESS EXCLUSIVE MODE"))
        done = await probe_all(engine, 1, time_limit=0.5, master=s.master)
    [result] = done.results
    assert result.bids_problem == "bids: no answer within 0.5s"
    assert result.tampered_bids is None  # not checked: no claim either way
    assert result.bid_watch == {"after": 0, "suspects": []}  # the next round starts where this one did
