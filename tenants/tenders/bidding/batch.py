"""Bids judged and stored together, in one transaction: the deadline rush's group commit (issue 20).

Every bid's ``bid.received`` entry is chained under the tenant's append lock, which is held until
COMMIT (``tenants.audit.chain``): one tenant's bids commit one at a time, each waiting for its WAL
flush under the lock, and a rush of them reaches about half the rate of plain inserts whatever the
hub does (``tests/bench/bench_commit_lock.py``, docs/BENCHMARKS.md). Bids stored in one transaction
share one holding of the lock and one flush: ``writer.BidWriter`` gathers those that arrive while a
batch is being written into the next.

``submit_bids`` judges each bid of a batch as ``submit_bid`` judges one (``bids.judge_bid``: the
token's standing, the registration locked, the window by the transaction's clock, eligibility, the
bundle, the signature), in the batch's transaction, what the database holds for them all read by
two statements for the batch (``bidders``), each bid then judged in order. The judging writes
nothing, so a refused bid is answered with its refusal and simply left out. The others are
receipted, all with the transaction's time, and stored as ``hub.bid_store`` stores one (each
vendor's current bid superseded, the new ones inserted: two statements for the batch, their
megabytes sent before the chain's lock is taken), then their entries chained in the order the bids
came by one statement (``hub.audit_append`` once an entry, ``tenants.audit.append_audits_by``), each
checked as ``append_audit`` checks one: the lock is so held for that statement and the commit only.
A batch of one bid is judged and stored as ``submit_bid`` does it (``bidder``; ``hub.bid_store``, one
statement). Nothing is answered before the caller's COMMIT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from hub.core.clock import database_now
from hub.core.errors import HubError, InvalidInput
from hub.core.master_key import MasterKey
from monitoring.metrics import record_bid_accepted
from tenants.audit import Recorded, append_audits_by
from tenants.sealing import SealedBundle
from tenants.tenders.bidding.bidder import CallerCheck
from tenants.tenders.bidding.bidders import Asked, bidders
from tenants.tenders.bidding.bids import (
    BID_RECEIVED,
    AcceptedBid,
    JudgedBid,
    judged_bid,
    parsed_bundle,
    receipted,
    signer_of,
    store_receipted,
)
from tenants.tenders.models import Bid
from tenants.tenders.preparation.bid_keys import ReceiptSigners


@dataclass(frozen=True, slots=True)
class BidToStore:
    """One bid of a batch, as ``submit_bid`` takes it; ``parsed``: its bundle parsed already, or the
    refusal parsing gave (``bids.parsed_bundle``), out of the batch's way."""

    actor: Actor
    tender_id: int
    bundle: bytes
    caller_check: CallerCheck | None = None
    parsed: SealedBundle | InvalidInput | None = None


Outcome = AcceptedBid | HubError
"""What a bid of a batch is answered with: its receipt once the batch commits, or its refusal."""


async def submit_bids(
    session: AsyncSession,
    bids: Sequence[BidToStore],
    master: MasterKey,
    signers: ReceiptSigners | None = None,
) -> list[Outcome]:
    """``submit_bid`` of each of ``bids``, in the caller's transaction: the outcome of each, in order.

    Every bid is judged before anything is written; those refused are left out. A database error
    (not a refusal) is raised, and the caller rolls back the whole batch."""
    judged = await judge_bids(session, bids)
    accepted = [(bid, j) for bid, j in zip(bids, judged, strict=True) if isinstance(j, JudgedBid)]
    signed = [await receipted(session, bid.actor, j, bid.bundle, master, signers) for bid, j in accepted]
    if len(signed) == 1:  # alone: as ``submit_bid`` stores one, in one statement (h0022)
        [(bid, _)], [one] = accepted, signed
        await store_receipted(session, bid.actor, bid.tender_id, one)
    elif signed:
        await _store(session, [s.stored for s in signed])
        # Their entries last, just before the commit: the chain's lock is taken by this statement
        # and held to the commit, and the bundles' megabytes were sent before it.
        entries = [
            (bid.actor.account_id, Recorded(BID_RECEIVED, f"tender:{bid.tender_id}", s.payload))
            for (bid, _), s in zip(accepted, signed, strict=True)
        ]
        await append_audits_by(session, entries)
        for bid, _ in accepted:
            record_bid_accepted(session, bid.actor.tenant.slug)
    receipts = iter(s.accepted for s in signed)
    return [next(receipts) if isinstance(j, JudgedBid) else j for j in judged]


async def judge_bids(session: AsyncSession, bids: Sequence[BidToStore]) -> list[JudgedBid | HubError]:
    """``judge_bid`` of each of ``bids``, in order: the callers' checks, the tenders and the vendors
    read for them all by two statements (``bidders``), then each bundle checked as ``judge_bid``
    checks one. A bid refused is answered with its refusal; the others are still judged."""
    parsed = [bid.parsed if bid.parsed is not None else parsed_bundle(bid.bundle) for bid in bids]
    asked = [
        Asked(bid.actor, bid.tender_id, signer_of(p), bid.caller_check)
        for bid, p in zip(bids, parsed, strict=True)
    ]
    found_all = await bidders(session, asked)
    now = await database_now(session)  # read by ``bidders``: no query
    judged: list[JudgedBid | HubError] = []
    for bid, p, found in zip(bids, parsed, found_all, strict=True):
        if isinstance(found, HubError):
            judged.append(found)
            continue
        try:
            judged.append(judged_bid(bid.actor, bid.tender_id, p, *found, now))
        except HubError as refusal:
            judged.append(refusal)
    return judged


async def _store(session: AsyncSession, stored: list[dict[str, Any]]) -> None:
    """The bids of a batch stored as ``hub.bid_store`` stores one, in two statements for them all:
    each vendor's current bid on the tender superseded, then the batch's inserted. Of two bids of one
    vendor on one tender in a batch (two of its users), the earlier is inserted superseded already,
    as the later one's store would have left it."""
    at = await database_now(session)
    last = {(bid["tender_id"], bid["vendor_id"]): bid["bid_id"] for bid in stored}
    await session.execute(
        _SUPERSEDE, {"at": at, "tender_ids": [t for t, _ in last], "vendor_ids": [v for _, v in last]}
    )
    rows = [
        {
            "id": bid["bid_id"],
            "tender_id": bid["tender_id"],
            "vendor_id": bid["vendor_id"],
            "bundle": bid["bundle"],
            "ciphertext_sha256": bid["sha256"],
            "receipt": bid["receipt"],
            "received_at": at,
            "superseded_at": None if last[(bid["tender_id"], bid["vendor_id"])] == bid["bid_id"] else at,
        }
        for bid in stored
    ]
    await session.execute(insert(Bid), rows)


_PAIRS = (
    func.unnest(
        bindparam("tender_ids", type_=ARRAY(BigInteger)), bindparam("vendor_ids", type_=ARRAY(BigInteger))
    )
    .table_valued("tender_id", "vendor_id")
    .render_derived()
)
_SUPERSEDE = (
    update(Bid)
    .where(
        Bid.superseded_at.is_(None),
        tuple_(Bid.tender_id, Bid.vendor_id).in_(select(_PAIRS.c.tender_id, _PAIRS.c.vendor_id)),
    )
    .values(superseded_at=bindparam("at"))
    .execution_options(synchronize_session=False)  # no bid is loaded in the batch's session
)
"""The batch's vendors' current bids superseded (``hub.bid_store``'s ``UPDATE``), built once."""
