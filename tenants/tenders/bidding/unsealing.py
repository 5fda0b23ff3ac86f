"""The opening's CPU work, off the event loop: each bid checked against what was received, then
decrypted, a chunk of bids at a time, by an ``Unsealer``.

Checking a bid (its bundle parsed, hashed, its receipt and its vendor's signature verified) and
decrypting it (HPKE, then the AEAD) took about 1 ms of CPU a bid of 16 KiB; on the event loop an
opening of 2,000 bids left every other request of the process waiting for seconds (issue 20,
docs/BENCHMARKS.md). An unsealer works ``CHUNK`` bids a call away from the loop: between two chunks
the opening records the chunk's bids in the audit log on the loop, so the loop serves other
requests throughout, and the opening gives the same results, recorded in the same order, as when it
ran on the loop. Two unsealers:

- ``IN_THREAD`` (here): a worker thread (``asyncio.to_thread``). Python holds the GIL while it
  parses a bundle, so the loop still waits for the thread now and then, up to a switch interval
  (5 ms) at each of a request's wakeups. For the CLI and the demo, where no other request waits.
- ``UnsealingProcesses`` (``tenants.tenders.bidding.unsealing_processes``): a worker process, which
  shares no GIL with the loop; the app's, one per hub worker.

Either reads only what the opening loaded (plain bytes and ints; nothing touches the session) and
the ``BidChecker``, which only reads what it loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from typing import Any, Protocol

from tenants.sealing import SEALED_BY_HUB, BadSignature, TamperedBid, open_bid, parse_bundle
from tenants.tenders.bidding.integrity import BidChecker, StoredBid
from tenants.tenders.models import Bid

CHUNK = 25
"""Bids checked and decrypted per call: about 25 ms of CPU for bids of 16 KiB, few enough calls
that handing work to a worker costs nothing measurable."""

Verdicts = list[tuple[Bid, dict[str, Any]]]
"""A chunk of bids, in order, each with its verdict (``verdict``)."""


class Unsealer(Protocol):
    """Works out the verdicts of an opening's bids away from the event loop."""

    def warm(self) -> None:
        """Make ready to work (start a worker, say) without waiting: called as an opening begins."""
        ...

    def chunks(
        self, bids: Sequence[Bid], private: bytes, checker: BidChecker, tenant_code: str
    ) -> AsyncGenerator[Verdicts, None]:
        """``bids`` in order, each with its verdict, ``CHUNK`` bids at a time: the opening records a
        chunk's lines in one round trip (``tenants.audit.append_audits``). Every bid is in one
        chunk; a worker that fails raises, it never skips a bid."""
        ...


class InThread:
    """The unsealer of a worker thread: nothing to start or stop, so one for every caller."""

    def warm(self) -> None:
        """Nothing to start: ``asyncio.to_thread``'s threads are the loop's."""

    def chunks(
        self, bids: Sequence[Bid], private: bytes, checker: BidChecker, tenant_code: str
    ) -> AsyncGenerator[Verdicts, None]:
        return unsealed_chunks(bids, private, checker, tenant_code)


IN_THREAD = InThread()
"""Stateless: shared by every opening that is given no other unsealer."""


async def unsealed_chunks(
    bids: Sequence[Bid], private: bytes, checker: BidChecker, tenant_code: str
) -> AsyncGenerator[Verdicts, None]:
    """``bids`` in order, each with its verdict, ``CHUNK`` bids at a time as a thread worked them out."""
    for start in range(0, len(bids), CHUNK):
        chunk = bids[start : start + CHUNK]
        verdicts = await asyncio.to_thread(verdicts_of, chunk, private, checker, tenant_code)
        yield list(zip(chunk, verdicts, strict=True))


def verdicts_of(
    bids: Sequence[StoredBid], private: bytes, checker: BidChecker, tenant_code: str
) -> list[dict[str, Any]]:
    """The verdict of each of ``bids``, in order: what a worker computes for a chunk."""
    return [verdict(bid, private, checker, tenant_code) for bid in bids]


def verdict(bid: StoredBid, private: bytes, checker: BidChecker, tenant_code: str) -> dict[str, Any]:
    """What the opening publishes of ``bid`` beyond who sent it when: ``tampered`` with the checks
    it failed (never decrypted then, so no price from a swapped bundle is ever shown), or what it
    opened to."""
    mismatches = checker.mismatches(bid)
    if mismatches:
        return {
            "status": "tampered",
            "price": None,
            "failed_checks": [m.check for m in mismatches],
            "problem": "; ".join(f"{m.check}: {m.problem}" for m in mismatches),
        }
    return _decrypt(bid, private, checker, tenant_code)


def _decrypt(bid: StoredBid, private: bytes, checker: BidChecker, tenant_code: str) -> dict[str, Any]:
    bundle = parse_bundle(bid.bundle)
    try:
        opened = open_bid(
            bundle, private, tenant_code=tenant_code, tender_id=bid.tender_id, vendor_id=bid.vendor_id
        )
    except TamperedBid as exc:
        return {"status": "tampered", "price": None, "failed_checks": ["decryption"], "problem": exc.detail}
    if bundle.sealed_by == SEALED_BY_HUB:
        # Sealed by the hub: the vendor's signature over the contents is checked only now, opened.
        try:
            checker.check_statement(bid, bundle, opened)
        except BadSignature as exc:
            return {
                "status": "tampered",
                "price": None,
                "failed_checks": ["signature"],
                "problem": exc.detail,
            }
    return {
        "status": "ok",
        "price": opened.price,
        "files": [{"name": f.name, "size": len(f.data)} for f in opened.files],
        "signer": bundle.signer,
        "signature": "unsigned" if bundle.signer is None else "verified",
    }
