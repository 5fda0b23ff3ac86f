"""Bids judged and stored in batches, one transaction each: the deadline rush's group commit (issue 20).

Every guarantee of a bid stored alone holds for a bid of a batch: a receipt only once the batch
committed, its ``bid.received`` entry chained in order with the others', a refused bid answered and
never written, an opening that either sees a bid or has it refused. The writer's batches are seen
through the ``write`` it is given; nothing here waits on the wall clock.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.vendors import register_signing_key, register_vendor, verify_vendor
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Conflict, Forbidden, HubError
from hub.core.master_key import MasterKey
from tenants.audit import verify_chain
from tenants.audit.models import AuditEntry
from tenants.sealing import encode_signing_public_key, public_raw_of
from tenants.tenders import Actor, open_bids, register_for_tender, verify_stored_bids
from tenants.tenders.bidding.batch import BidToStore, Outcome, submit_bids
from tenants.tenders.bidding.bids import AcceptedBid
from tenants.tenders.bidding.writer import BidWriter
from tenants.tenders.models import Bid
from tenants.tenders.preparation.bid_keys import ReceiptSigners
from tests.integration.tenants.tenders.test_bid_integrity import _sealed
from tests.integration.tenants.tenders.test_tender_rules import Stage, _close_submission, _person, stage

__all__ = ["stage"]  # the fixture, imported to be found


@dataclass(frozen=True)
class Bidder:
    user: Actor
    vendor_id: int
    key: Ed25519PrivateKey


async def _bidders(engine: AsyncEngine, s: Stage, count: int, *, registered: bool = True) -> list[Bidder]:
    """``count`` verified vendors besides the stage's, each with a user and a signing key, registered
    for the stage's tender (unless not ``registered``)."""
    verifier = await _person(engine, "verifier")
    found = []
    for _ in range(count):
        tag = uuid.uuid4().hex[:6]
        serial = uuid.uuid4().int % 1_000_000  # an NPWP of its own
        async with hub_sessions(engine)() as session, session.begin():
            vendor = await register_vendor(
                session,
                f"CV Batch {tag}",
                f"03.{serial // 1000:03d}.{serial % 1000:03d}.3-652.000",
                None,
                "Jl. Ijen",
                "3507",
                ["41011"],
                f"d.{tag}@batch.co.id",
                "Direktur",
                "kata-sandi-99",
            )
            await verify_vendor(session, vendor.id, verifier, "kab-malang", ["NPWP"], None)
        user = Actor(await _person(engine, None, vendor.id), s.tenant)
        key = Ed25519PrivateKey.generate()
        async with hub_sessions(engine)() as session, session.begin():
            await register_signing_key(
                session, user.account_id, encode_signing_public_key(public_raw_of(key))
            )
        if registered:
            async with tenant_session(engine, s.tenant.schema) as session, session.begin():
                await register_for_tender(session, user, s.tender_id)
        found.append(Bidder(user, vendor.id, key))
    return found


async def _bid(engine: AsyncEngine, s: Stage, bidder: Bidder, price: int) -> BidToStore:
    bundle = await _sealed(engine, replace(s, vendor_id=bidder.vendor_id), price, bidder.key)
    return BidToStore(bidder.user, s.tender_id, bundle)


def _stage_bidder(s: Stage) -> Bidder:
    return Bidder(s.vendor, s.vendor_id, s.signing_key)


async def _received(engine: AsyncEngine, s: Stage) -> list[AuditEntry]:
    async with tenant_session(engine, s.tenant.schema) as session:
        query = select(AuditEntry).where(AuditEntry.action == "bid.received").order_by(AuditEntry.seq)
        return list((await session.execute(query)).scalars())


async def _current(engine: AsyncEngine, s: Stage) -> dict[int, int]:
    """Each vendor's current bid id."""
    async with tenant_session(engine, s.tenant.schema) as session:
        rows = await session.execute(select(Bid.vendor_id, Bid.id).where(Bid.superseded_at.is_(None)))
        return {vendor_id: bid_id for vendor_id, bid_id in rows.all()}


async def _sound(engine: AsyncEngine, s: Stage) -> None:
    """The chain verifies and every stored bid matches its receipt, entry and signature."""
    async with tenant_session(engine, s.tenant.schema) as session:
        assert (await verify_chain(session)).ok
        assert await verify_stored_bids(session, s.master) == []


class Batches:
    """A writer's ``write``: ``submit_bids``, each batch's bids seen first; ``failing`` bids make the
    batch that holds one fail on a database error once its bids are written (all rolled back)."""

    def __init__(self, failing: Sequence[BidToStore] = ()) -> None:
        self.seen: list[list[BidToStore]] = []
        self.failing = list(failing)
        self.hold: asyncio.Event | None = None
        self.written = asyncio.Event()

    async def __call__(
        self,
        session: AsyncSession,
        bids: Sequence[BidToStore],
        master: MasterKey,
        signers: ReceiptSigners | None,
    ) -> list[Outcome]:
        self.seen.append(list(bids))
        outcomes = await submit_bids(session, bids, master, signers)
        if any(bid in self.failing for bid in bids):
            await session.execute(text("SELECT 1 / 0"))
        self.written.set()
        if self.hold is not None:
            await self.hold.wait()  # the batch's transaction open, its locks held, until let go
        return outcomes


def _writer(engine: AsyncEngine, s: Stage, batches: Batches) -> BidWriter:
    return BidWriter(lambda: tenant_session(engine, s.tenant.schema), s.master, write=batches)


async def test_bids_of_several_vendors_in_one_batch_are_all_receipted_and_chained_in_order(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    bidders = [_stage_bidder(stage), *await _bidders(clean_identity, stage, 2)]
    bids = [await _bid(clean_identity, stage, b, 1_400_000_000 + n) for n, b in enumerate(bidders)]
    batches = Batches()
    writer = _writer(clean_identity, stage, batches)
    accepted = await asyncio.gather(*(writer.submit(bid) for bid in bids))
    assert [len(batch) for batch in batches.seen] == [3]  # handed over together: one batch
    received = await _received(clean_identity, stage)
    assert [e.payload["vendor_id"] for e in received] == [b.vendor_id for b in bidders]
    assert [e.payload["bid_id"] for e in received] == [a.bid_id for a in accepted]
    assert [e.seq for e in received] == list(range(received[0].seq, received[0].seq + 3))
    assert len({e.at for e in received}) == 1  # the batch's transaction's time, for each
    assert await _current(clean_identity, stage) == {
        b.vendor_id: a.bid_id for b, a in zip(bidders, accepted, strict=True)
    }
    await _sound(clean_identity, stage)


async def test_a_refused_bid_of_a_batch_is_answered_and_never_written_while_the_others_are_stored(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    [registered] = await _bidders(clean_identity, stage, 1)
    [stranger] = await _bidders(clean_identity, stage, 1, registered=False)
    bids = [
        await _bid(clean_identity, stage, _stage_bidder(stage), 1_400_000_000),
        await _bid(clean_identity, stage, stranger, 1_300_000_000),
        await _bid(clean_identity, stage, registered, 1_350_000_000),
    ]
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        outcomes = await submit_bids(session, bids, stage.master)
    assert isinstance(outcomes[0], AcceptedBid)
    assert isinstance(outcomes[2], AcceptedBid)
    assert isinstance(outcomes[1], Forbidden)
    assert "not registered" in str(outcomes[1])
    received = await _received(clean_identity, stage)
    assert [e.payload["vendor_id"] for e in received] == [stage.vendor_id, registered.vendor_id]
    assert stranger.vendor_id not in await _current(clean_identity, stage)
    await _sound(clean_identity, stage)


async def test_bids_refused_once_the_window_closed_are_answered_so_each(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    others = await _bidders(clean_identity, stage, 1)
    bids = [await _bid(clean_identity, stage, b, 1_400_000_000) for b in [_stage_bidder(stage), *others]]
    await _close_submission(clean_identity, stage.tender_id)
    writer = _writer(clean_identity, stage, Batches())
    outcomes = await asyncio.gather(*(writer.submit(bid) for bid in bids), return_exceptions=True)
    assert all(isinstance(o, Conflict) and "bid_submission" in str(o) for o in outcomes), outcomes
    assert await _received(clean_identity, stage) == []


async def test_a_batch_failing_on_a_database_error_is_written_again_one_bid_at_a_time(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    bidders = [_stage_bidder(stage), *await _bidders(clean_identity, stage, 2)]
    bids = [await _bid(clean_identity, stage, b, 1_400_000_000) for b in bidders]
    batches = Batches(failing=[bids[1]])  # the batch fails while it holds bid 1, and so does bid 1 alone
    writer = _writer(clean_identity, stage, batches)
    outcomes = await asyncio.gather(*(writer.submit(bid) for bid in bids), return_exceptions=True)
    assert [len(batch) for batch in batches.seen] == [3, 1, 1, 1]
    assert isinstance(outcomes[0], AcceptedBid)
    assert isinstance(outcomes[2], AcceptedBid)
    assert "division by zero" in str(outcomes[1])  # the error itself, as a bid alone would fail
    received = await _received(clean_identity, stage)  # the failed batch left nothing behind
    assert [e.payload["vendor_id"] for e in received] == [bidders[0].vendor_id, bidders[2].vendor_id]
    await _sound(clean_identity, stage)


async def test_a_vendors_second_bid_in_flight_waits_for_the_next_batch_and_supersedes_the_first(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    [other] = await _bidders(clean_identity, stage, 1)
    first = await _bid(clean_identity, stage, _stage_bidder(stage), 1_400_000_000)
    theirs = await _bid(clean_identity, stage, other, 1_450_000_000)
    second = await _bid(clean_identity, stage, _stage_bidder(stage), 1_390_000_000)
    batches = Batches()
    writer = _writer(clean_identity, stage, batches)
    a, b, c = await asyncio.gather(writer.submit(first), writer.submit(theirs), writer.submit(second))
    assert batches.seen == [[first, theirs], [second]]
    assert await _current(clean_identity, stage) == {stage.vendor_id: c.bid_id, other.vendor_id: b.bid_id}
    assert a.bid_id < c.bid_id
    await _sound(clean_identity, stage)


async def test_a_request_gone_before_its_batch_takes_nothing_of_its_bid_with_it(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    [other] = await _bidders(clean_identity, stage, 1)
    bids = [await _bid(clean_identity, stage, b, 1_400_000_000) for b in [_stage_bidder(stage), other]]
    batches = Batches()
    batches.hold = asyncio.Event()
    writer = _writer(clean_identity, stage, batches)
    held = asyncio.create_task(writer.submit(bids[0]))
    await batches.written.wait()  # the first batch is open: the next bid waits for it
    gone = await writer.handed(bids[1])  # in the writer's queue, behind the open batch
    gone.cancel()  # then its request goes
    batches.hold.set()
    await held
    assert gone.cancelled()
    assert [len(batch) for batch in batches.seen] == [1]
    assert [e.payload["vendor_id"] for e in await _received(clean_identity, stage)] == [stage.vendor_id]


async def test_the_opening_waits_for_a_batch_in_flight_and_opens_its_bids_then_refuses_the_next(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    bidders = [_stage_bidder(stage), *await _bidders(clean_identity, stage, 2)]
    bids = [await _bid(clean_identity, stage, b, 1_400_000_000 + n) for n, b in enumerate(bidders)]
    batches = Batches()
    batches.hold = asyncio.Event()
    writer = _writer(clean_identity, stage, batches)
    in_flight = asyncio.gather(*(writer.submit(bid) for bid in bids[:2]))
    await batches.written.wait()  # judged by the window open, stored, not committed: the close held
    await _close_submission(clean_identity, stage.tender_id)

    async def opening() -> dict[str, object]:
        async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
            return await open_bids(session, stage.pokja, stage.tender_id, stage.master)

    opened = asyncio.create_task(opening())  # takes the close exclusive: waits for the batch
    batches.hold.set()
    await in_flight
    lines: list[dict[str, object]] = (await opened)["bids"]  # type: ignore[assignment]
    assert sorted((line["vendor_id"], line["status"]) for line in lines) == sorted(
        (b.vendor_id, "ok") for b in bidders[:2]
    )
    with pytest.raises(HubError) as refused:  # after the opening: refused, never stored
        await writer.submit(bids[2])
    assert isinstance(refused.value, Conflict)
    assert bidders[2].vendor_id not in await _current(clean_identity, stage)


async def test_two_users_of_one_vendor_in_one_batch_leave_the_later_bid_current(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    colleague = Bidder(
        Actor(await _person(clean_identity, None, stage.vendor_id), stage.tenant),
        stage.vendor_id,
        stage.signing_key,
    )
    [other] = await _bidders(clean_identity, stage, 1)
    bids = [
        await _bid(clean_identity, stage, _stage_bidder(stage), 1_400_000_000),
        await _bid(clean_identity, stage, other, 1_450_000_000),
        await _bid(clean_identity, stage, colleague, 1_390_000_000),
    ]
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        first, theirs, later = await submit_bids(session, bids, stage.master)
    assert isinstance(first, AcceptedBid)
    assert isinstance(theirs, AcceptedBid)
    assert isinstance(later, AcceptedBid)
    assert await _current(clean_identity, stage) == {
        stage.vendor_id: later.bid_id,
        other.vendor_id: theirs.bid_id,
    }
    await _sound(clean_identity, stage)  # the log's last bid of the vendor is its current one
