"""Bids judged and stored together, in one transaction: the deadline rush's group commit (issue 20).

Every bid's ``bid.received`` entry is chained under the tenant's append lock, which is held until
COMMIT (``tenants.audit.chain``): one tenant's bids commit one at a time, each waiting for its WAL
flush under the lock, and a rush of them reaches about half the rate of plain inserts whatever the
hub does (``tests/bench/bench_commit_lock.py``, docs/BENCHMARKS.md). Bids stored in one transaction
share one holding of the lock and one flush: ``writer.BidWriter`` gathers those that arrive while a
batch is being written into the next.

``submit_bids`` judges each bid of a batch as ``submit_bid`` judges one (``bids.judge_bid``: the
token's standing, the registration locked, the window by the transaction's clock, eligibility, the
bundle, the signature), in the batch's transaction and in order. The judging writes nothing, so a
refused bid is answered with its refusal and simply left out. The others are receipted, all with the
transaction's time, then stored and their entries chained in the order they came, by one statement
(``hub.bid_store`` once a bid, each call seeing what the ones before it did), each entry checked as
``append_audit`` checks one. Nothing is answered before the caller's COMMIT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from hub.core.errors import HubError, InvalidInput
from hub.core.master_key import MasterKey
from monitoring.metrics import record_bid_accepted
from tenants.audit import AlongMany, Recorded, append_audits_along
from tenants.sealing import SealedBundle
from tenants.tenders.bidding.bidder import CallerCheck
from tenants.tenders.bidding.bids import BID_RECEIVED, AcceptedBid, JudgedBid, judge_bid, receipted
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
    judged: list[JudgedBid | HubError] = []
    for bid in bids:
        try:
            judged.append(
                await judge_bid(
                    session,
                    bid.actor,
                    bid.tender_id,
                    bid.bundle,
                    caller_check=bid.caller_check,
                    parsed=bid.parsed,
                )
            )
        except HubError as refusal:
            judged.append(refusal)
    accepted = [(bid, j) for bid, j in zip(bids, judged, strict=True) if isinstance(j, JudgedBid)]
    signed = [await receipted(session, bid.actor, j, bid.bundle, master, signers) for bid, j in accepted]
    if signed:
        stored = [s.stored for s in signed]
        arrays = {f"{name}s": [s[name] for s in stored] for name in _STORED}
        entries = [
            (bid.actor.account_id, Recorded(BID_RECEIVED, f"tender:{bid.tender_id}", s.payload))
            for (bid, _), s in zip(accepted, signed, strict=True)
        ]
        await append_audits_along(session, entries=entries, along=AlongMany(_STORE_MANY, arrays))
        for bid, _ in accepted:
            record_bid_accepted(session, bid.actor.tenant.slug)
    receipts = iter(s.accepted for s in signed)
    return [next(receipts) if isinstance(j, JudgedBid) else j for j in judged]


_STORED = ("bid_id", "tender_id", "vendor_id", "bundle", "sha256", "receipt")
"""The arguments of ``hub.bid_store`` a bid brings (``bids.Receipted.stored``), sent as arrays."""

_STORE_MANY = text(
    "SELECT e.* FROM unnest(CAST(:bid_ids AS bigint[]), CAST(:tender_ids AS bigint[]), "
    "CAST(:vendor_ids AS bigint[]), CAST(:bundles AS bytea[]), CAST(:sha256s AS text[]), "
    "CAST(:receipts AS bytea[]), CAST(:actor_ids AS bigint[]), CAST(:actions AS text[]), "
    "CAST(:subjects AS text[]), CAST(:payloads AS text[]), CAST(:befores AS text[]), "
    "CAST(:afters AS text[])) WITH ORDINALITY AS i(bid_id, tender_id, vendor_id, bundle, sha256, "
    "receipt, actor_id, action, subject, payload, before_seq, after_seq, n) "
    "CROSS JOIN LATERAL hub.bid_store(:schema, i.bid_id, i.tender_id, i.vendor_id, i.bundle, i.sha256, "
    "i.receipt, :at, i.actor_id, i.action, i.subject, CAST(i.payload AS jsonb), i.before_seq, "
    "i.after_seq) AS e ORDER BY i.n"
)
"""A batch's store: ``hub.bid_store`` (migration h0022) once a bid, in the order given, as
``tenants.audit.chain._APPEND_MANY`` calls ``hub.audit_append`` (a volatile function sees what the
calls before it did: a bid superseded by a later one of the same vendor in the batch, the entries
chained one onto the other). Built once."""
