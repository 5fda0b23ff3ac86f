"""A batch's bids judged together, two statements for the batch (``tenants.tenders.bidding.bidders``):
each bid refused exactly as ``judge_bid`` refuses it alone, the others stored, whatever their mix;
and the statements a batch sends do not grow with its bids (issue 20)."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import replace
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.caller import Caller
from federation.identity.policy import Action
from federation.oidc.models import RevokedAccessToken
from federation.oidc.tokens import VerifiedToken
from federation.vendors import suspend_vendor
from hub.core.clock import utcnow
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import HubError
from hub.web.auth import TokenStanding
from tenants.agencies import add_agency
from tenants.tenders import (
    Actor,
    PackageInput,
    announce_tender,
    create_package,
    create_tender,
    register_for_tender,
)
from tenants.tenders.bidding.batch import BidToStore, Outcome, submit_bids
from tenants.tenders.bidding.bids import AcceptedBid, judge_bid
from tenants.tenders.models import Bid
from tenants.tenders.preparation.bid_keys import ReceiptSigners
from tests.integration.tenants.tenders.test_bid_batch import (
    Bidder,
    _bid,
    _bidders,
    _received,
    _sound,
    _stage_bidder,
)
from tests.integration.tenants.tenders.test_bid_integrity import _sealed
from tests.integration.tenants.tenders.test_tender_rules import (
    Stage,
    _close_submission,
    _person,
    stage,
    taking_bids,
)
from tests.lock_waits import until_waiting_on_locks
from tests.statement_count import statements

__all__ = ["stage"]  # the fixture, imported to be found


def _standing(s: Stage, user: Actor) -> TokenStanding:
    """The standing of a fresh access token of ``user``'s, as the bid route leaves it to judge."""
    caller = Caller(user.account_id, "lpse-web", frozenset({"procurement"}), uuid.uuid4().hex)
    verified = VerifiedToken(caller, int(time.time()) + 600, family=uuid.uuid4().hex)
    return TokenStanding(verified, Action.VENDOR_ACT, s.tenant.id)


def _checked(s: Stage, bid: BidToStore) -> BidToStore:
    return replace(bid, caller_check=_standing(s, bid.actor))


async def _second_tender(engine: AsyncEngine, s: Stage) -> int:
    """Another tender of the stage's tenant taking bids, the stage's vendor registered for it."""
    ppk = Actor(await _person(engine, "commitment_officer"), s.tenant)
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        agency = await add_agency(session, "Dinas Kesehatan")
        package = await create_package(
            session,
            ppk,
            PackageInput(agency.id, "Puskesmas Kepanjen", 2026, "construction", "tender", 10**9, 9 * 10**8),
        )
        tender = await create_tender(session, s.pokja, package.id, "lowest_price", taking_bids(utcnow()))
        await announce_tender(session, s.pokja, tender.id, s.master)
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        await register_for_tender(session, s.vendor, tender.id)
    return tender.id


def _answer(refusal: HubError) -> str:
    """A refusal's kind and words, but the database time it names (each transaction's own)."""
    return f"{type(refusal).__name__}: {re.sub(r'database time [^)]*', 'database time', str(refusal))}"


async def _alone(engine: AsyncEngine, s: Stage, bid: BidToStore) -> str:
    """What ``judge_bid`` answers ``bid`` alone, in a transaction rolled back."""
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        try:
            await judge_bid(session, bid.actor, bid.tender_id, bid.bundle, caller_check=bid.caller_check)
        except HubError as refusal:
            await session.rollback()
            return _answer(refusal)
        await session.rollback()
        return "judged"


async def test_a_batch_of_mixed_refusals_refuses_each_as_judge_bid_alone_and_stores_the_rest(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    registered, suspended, unknown_signer, revoked = await _bidders(engine, stage, 4)
    [stranger] = await _bidders(engine, stage, 1, registered=False)
    closed_tender = await _second_tender(engine, stage)
    admin = await _person(engine, "verifier")
    async with tenant_session(engine, stage.tenant.schema) as session, session.begin():
        ends = utcnow().date() + timedelta(days=30)
        await suspend_vendor(session, "kab-malang", suspended.vendor_id, "Dokumen palsu", ends, admin)
    foreign_key = replace(unknown_signer, key=Ed25519PrivateKey.generate())  # never registered
    on_closed = await _sealed(
        engine, replace(stage, tender_id=closed_tender), 1_300_000_000, stage.signing_key
    )
    bids = [
        _checked(stage, await _bid(engine, stage, _stage_bidder(stage), 1_400_000_000)),
        _checked(stage, await _bid(engine, stage, stranger, 1_410_000_000)),
        _checked(stage, await _bid(engine, stage, suspended, 1_420_000_000)),
        _checked(stage, await _bid(engine, stage, foreign_key, 1_430_000_000)),
        _checked(stage, BidToStore(stage.vendor, closed_tender, on_closed)),
        _checked(stage, BidToStore(registered.user, 987_654_321, b"not even a bundle")),
        _checked(stage, await _bid(engine, stage, revoked, 1_440_000_000)),
        _checked(stage, await _bid(engine, stage, registered, 1_450_000_000)),
    ]
    revoked_check = bids[6].caller_check
    assert isinstance(revoked_check, TokenStanding)
    async with hub_sessions(engine)() as session, session.begin():
        expires = utcnow() + timedelta(minutes=10)
        session.add(RevokedAccessToken(jti=revoked_check.verified.caller.token_id, expires_at=expires))
    await _close_submission(engine, closed_tender)
    alone = [await _alone(engine, stage, bid) for bid in bids]
    assert alone[0] == alone[7] == "judged"
    assert all(answer != "judged" for answer in alone[1:7]), alone  # six refusals, of six kinds
    assert len(set(alone[1:7])) == 6, alone

    async with tenant_session(engine, stage.tenant.schema) as session, session.begin():
        outcomes = await submit_bids(session, bids, stage.master)

    answers = ["judged" if isinstance(o, AcceptedBid) else _answer(o) for o in outcomes]
    assert answers == alone
    received = await _received(engine, stage)
    assert [e.payload["vendor_id"] for e in received] == [stage.vendor_id, registered.vendor_id]
    async with tenant_session(engine, stage.tenant.schema) as session:
        stored = (await session.execute(select(Bid.vendor_id, Bid.tender_id))).all()
    assert sorted(stored) == sorted(
        [(stage.vendor_id, stage.tender_id), (registered.vendor_id, stage.tender_id)]
    )
    await _sound(engine, stage)


async def test_one_vendors_bids_on_two_tenders_and_a_colleagues_in_one_batch_are_all_stored(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    second = await _second_tender(engine, stage)
    colleague = Bidder(
        Actor(await _person(engine, None, stage.vendor_id), stage.tenant), stage.vendor_id, stage.signing_key
    )
    [other] = await _bidders(engine, stage, 1)
    on_second = await _sealed(engine, replace(stage, tender_id=second), 1_300_000_000, stage.signing_key)
    bids = [
        _checked(stage, await _bid(engine, stage, _stage_bidder(stage), 1_400_000_000)),
        _checked(stage, BidToStore(stage.vendor, second, on_second)),
        _checked(stage, await _bid(engine, stage, other, 1_450_000_000)),
        _checked(stage, await _bid(engine, stage, colleague, 1_390_000_000)),
    ]
    async with tenant_session(engine, stage.tenant.schema) as session, session.begin():
        outcomes = await submit_bids(session, bids, stage.master)
    accepted = [o for o in outcomes if isinstance(o, AcceptedBid)]
    assert len(accepted) == 4, outcomes
    assert [a.bid_id for a in accepted] == sorted(a.bid_id for a in accepted)  # ids in the batch's order
    async with tenant_session(engine, stage.tenant.schema) as session:
        query = select(Bid.tender_id, Bid.vendor_id, Bid.id).where(Bid.superseded_at.is_(None))
        current = {(t, v): bid_id for t, v, bid_id in (await session.execute(query)).all()}
    assert current == {
        (stage.tender_id, stage.vendor_id): accepted[3].bid_id,  # the colleague's, the later
        (second, stage.vendor_id): accepted[1].bid_id,
        (stage.tender_id, other.vendor_id): accepted[2].bid_id,
    }
    await _sound(engine, stage)


async def test_a_batch_sends_as_many_statements_for_six_bids_as_for_two(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    bidders = [_stage_bidder(stage), *await _bidders(engine, stage, 7)]
    async with tenant_session(engine, stage.tenant.schema) as session, session.begin():
        first = await _bid(engine, stage, bidders[0], 1_500_000_000)  # makes the receipt key: a one-off
        await submit_bids(session, [first], stage.master)
    signers = ReceiptSigners(stage.master)
    counts = []
    for size, some in ((2, bidders[:2]), (6, bidders[2:8])):
        bids = [_checked(stage, await _bid(engine, stage, b, 1_400_000_000 + n)) for n, b in enumerate(some)]
        async with tenant_session(engine, stage.tenant.schema) as session, session.begin():
            with statements(engine) as sent:
                outcomes = await submit_bids(session, bids, stage.master, signers)
        assert all(isinstance(o, AcceptedBid) for o in outcomes), outcomes
        assert len(outcomes) == size
        counts.append(len(sent))
        first_lines = "\n".join(s.splitlines()[0][:120] for s in sent)
        # The callers and the closes, then the tenders and registrations: two statements to judge them all.
        assert "pg_advisory_xact_lock_shared" in sent[0], first_lines
        assert "FOR UPDATE" in sent[1], first_lines
        assert "nextval" in sent[1], first_lines
        # Then the superseding UPDATE, the INSERT, and the entries chained.
        assert len(sent) == 5, first_lines
    assert counts[0] == counts[1]
    await _sound(engine, stage)


async def test_two_batches_of_the_same_vendors_in_opposite_orders_wait_on_each_other_without_deadlock(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    bidders = sorted([_stage_bidder(stage), *await _bidders(engine, stage, 1)], key=lambda b: b.vendor_id)
    first, second = bidders  # the vendor whose registration sorts first, and the other
    colleagues = [
        Bidder(Actor(await _person(engine, None, b.vendor_id), stage.tenant), b.vendor_id, b.key)
        for b in bidders
    ]
    backwards = [_checked(stage, await _bid(engine, stage, b, 1_400_000_000)) for b in (second, first)]
    forwards = [_checked(stage, await _bid(engine, stage, b, 1_300_000_000)) for b in colleagues]

    async def batch(bids: list[BidToStore]) -> list[Outcome]:
        async with tenant_session(engine, stage.tenant.schema) as session, session.begin():
            return await submit_bids(session, bids, stage.master)

    async with engine.connect() as holder:
        # Another transaction holds the second vendor's registration. Locked bid by bid, the batch
        # that names it first would wait there holding nothing, the other would lock the first
        # vendor then wait on the second: once let go, each would wait on the other (a deadlock,
        # one batch cancelled). Locked in (tender, vendor) order, both take the first one first.
        await holder.execute(
            text("SELECT 1 FROM t_3507.registrations WHERE tender_id = :t AND vendor_id = :v FOR UPDATE"),
            {"t": stage.tender_id, "v": second.vendor_id},
        )
        one = asyncio.create_task(batch(backwards))
        await until_waiting_on_locks(engine, 1, unless=[one])
        other = asyncio.create_task(batch(forwards))
        await until_waiting_on_locks(engine, 2, unless=[one, other])
        await holder.rollback()
    outcomes = [*await one, *await other]
    assert all(isinstance(o, AcceptedBid) for o in outcomes), outcomes
    async with tenant_session(engine, stage.tenant.schema) as session:
        query = select(Bid.vendor_id, Bid.id).where(Bid.superseded_at.is_(None))
        current = dict((await session.execute(query)).all())
    later = outcomes[2:]  # the colleagues' batch waited for the other's: its bids are current
    assert current == {
        b.vendor_id: a.bid_id for b, a in zip(colleagues, later, strict=True) if isinstance(a, AcceptedBid)
    }
    await _sound(engine, stage)
