"""Sealed bids: received until the deadline, receipted, opened by the committee after it.

A bid arrives sealed (by the vendor's machine, or by the hub on upload: ``seal_and_submit``) and
signed by the vendor: the bundle itself, or, when the hub seals it, a statement of its contents the
vendor signed (the hub cannot sign for the vendor). The signer must be a key of the vendor valid at
receipt (``federation.vendors.require_signing_key``). The hub checks that the bundle was sealed for
this tender's key and names this tenant, tender and vendor, stores it as received, and signs a
receipt over the SHA-256 of its exact bytes and the database time (and chains the same hash and
the signer into the audit log). The deadline is judged by the database
clock inside the same transaction that stores the bid, so a bid either is in before the deadline
with a receipt, or is refused; never half-way. The opening checks each stored bundle against its
receipt, its audit entry and its vendor's signature (``integrity``) before it decrypts, and opens
none that fails.
"""

from __future__ import annotations

import hashlib
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import LargeBinary, String, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.vendors import Vendor, signing_key_of
from hub.core.clock import database_now
from hub.core.errors import Conflict, InvalidInput
from hub.core.master_key import MasterKey
from monitoring.metrics import record_bid_accepted, record_bid_opening
from tenants.audit import Along, Recorded, append_audit, append_audits
from tenants.registry import TenantRef
from tenants.sealing import (
    SEALED_BY_VENDOR,
    OpenedBid,
    SealedBundle,
    check_bundle_for,
    parse_bundle,
    seal_for_vendor,
    sign_receipt,
    tender_key_context,
    unwrap_key,
    verify_bundle_signature,
    verify_statement_signature,
)
from tenants.tenders.acting import runner_tender
from tenants.tenders.bidding.bidder import CallerCheck, OpenTender, bidder, close_key
from tenants.tenders.bidding.integrity import BidChecker, BidMismatch
from tenants.tenders.bidding.unsealing import IN_THREAD, Unsealer
from tenants.tenders.models import Bid, Tender
from tenants.tenders.outages import OutageRule, extend_before_opening
from tenants.tenders.preparation.bid_keys import ReceiptSigners, receipt_signer, tenant_key
from tenants.tenders.publication.publish import publish
from tenants.tenders.schedules import load_schedule
from tenants.tenders.stages import Stage
from tenants.vocabulary import KeyCustody, TenderStatus

MAX_BUNDLE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class AcceptedBid:
    bid_id: int
    """The id the bid was stored with (by ``hub.bid_store``)."""
    receipt: bytes


async def submit_bid(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    bundle: bytes,
    master: MasterKey,
    *,
    caller_check: CallerCheck | None = None,
    signers: ReceiptSigners | None = None,
) -> AcceptedBid:
    """Store a sealed bid; it replaces the vendor's previous one. Refused once submission closed, and
    (``BadSignature``, 422) unless the vendor signed the bundle with one of its keys valid now.
    ``caller_check``: the caller's layer's check, made first (``bidder.CallerCheck``); ``signers``:
    the receipt keys this process keeps unwrapped (with ``master``), else unwrapped for this bid."""
    judged = await judge_bid(session, actor, tender_id, bundle, caller_check=caller_check)
    return await _store(
        session, actor, judged.tender, judged.vendor_id, bundle, judged.parsed, master, signers
    )


@dataclass(frozen=True, slots=True)
class JudgedBid:
    """A bid that may be stored: its vendor, the tender taking it, its bundle parsed."""

    vendor_id: int
    tender: OpenTender
    parsed: SealedBundle


async def judge_bid(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    bundle: bytes,
    *,
    caller_check: CallerCheck | None = None,
    parsed: SealedBundle | InvalidInput | None = None,
) -> JudgedBid:
    """Every check of ``submit_bid`` before it stores: the refusal (a ``HubError``) raised having
    written nothing (``bidder`` reads, locks and takes a sequence number; no more). ``parsed``: what
    ``parsed_bundle`` gave for ``bundle``, if the caller asked it already (else asked here)."""
    # Parsed first, for the signer it names (read with the tender: one round trip less); a bundle
    # that does not parse is refused after the caller's checks, as if parsed after them.
    if parsed is None:
        parsed = parsed_bundle(bundle)
    signer = signer_of(parsed)
    vendor_id, tender = await bidder(session, actor, tender_id, signer=signer, caller_check=caller_check)
    return judged_bid(actor, tender_id, parsed, vendor_id, tender, await database_now(session))


def signer_of(parsed: SealedBundle | InvalidInput) -> str | None:
    """The vendor signing key a parsed bundle names, for ``bidder`` to read with the tender."""
    sealed = parsed if isinstance(parsed, SealedBundle) else None
    return sealed.signer if sealed is not None and sealed.sealed_by == SEALED_BY_VENDOR else None


def judged_bid(
    actor: Actor,
    tender_id: int,
    parsed: SealedBundle | InvalidInput,
    vendor_id: int,
    tender: OpenTender,
    now: datetime,
) -> JudgedBid:
    """``judge_bid``'s checks after ``bidder``'s (``now``: the transaction's time, as it read it): the
    bundle parsed, sealed for this tender, tenant and vendor, and signed by a key of the vendor's
    valid now; the refusal raised otherwise (a batch's bids are judged so too, ``batch``)."""
    if isinstance(parsed, InvalidInput):
        raise parsed
    check_bundle_for(
        parsed,
        tenant_code=actor.tenant.code,
        tender_id=tender_id,
        vendor_id=vendor_id,
        public_raw=tender.public_key,
    )
    verify_bundle_signature(parsed, signing_key_of(tender.signing_key, vendor_id, signer_of(parsed), now))
    return JudgedBid(vendor_id, tender, parsed)


def parsed_bundle(bundle: bytes) -> SealedBundle | InvalidInput:
    """``bundle`` parsed, or the refusal to answer once the caller's checks passed (``judge_bid``)."""
    try:
        return parse_bundle(bundle, max_size=MAX_BUNDLE_BYTES)
    except InvalidInput as unparsable:
        return unparsable


async def hold_the_close(session: AsyncSession, tenant_code: str, tender_id: int, *, exclusive: bool) -> None:
    """Until the transaction ends, hold the tender's close: shared by each bid being submitted,
    exclusive by the opening, which so waits for every bid in flight and is never overtaken by one.

    A transaction-level advisory lock, not a row lock: FOR KEY SHARE on the tender row by every bid
    of a deadline rush made PostgreSQL build a multixact per new locker and halved the bids accepted
    per second (issue 15, docs/BENCHMARKS.md). Taken before any row lock, by both sides, so the
    opening's FOR UPDATE of the tender and a bid's foreign-key check cannot wait on each other.
    """
    lock = _HOLD_THE_CLOSE_EXCLUSIVE if exclusive else _HOLD_THE_CLOSE_SHARED
    await session.execute(lock, {"key": close_key(tenant_code, tender_id)})


_CLOSE_KEY = func.hashtext(bindparam("key", type_=String))
_HOLD_THE_CLOSE_SHARED = select(func.pg_advisory_xact_lock_shared(_CLOSE_KEY))
_HOLD_THE_CLOSE_EXCLUSIVE = select(func.pg_advisory_xact_lock(_CLOSE_KEY))
"""Built once, as every statement of the bid path (``federation.vendors.suspensions._standing_query``)."""


@dataclass(frozen=True, slots=True)
class Receipted:
    """A judged bid with its receipt signed: the arguments ``hub.bid_store`` stores it with, and the
    payload of its ``bid.received`` audit entry."""

    stored: dict[str, Any]
    payload: dict[str, Any]
    accepted: AcceptedBid


async def receipted(
    session: AsyncSession,
    actor: Actor,
    judged: JudgedBid,
    bundle: bytes,
    master: MasterKey,
    signers: ReceiptSigners | None = None,
) -> Receipted:
    """The receipt of a judged bid, signed with the transaction's time (``database_now``: the bid is
    stored with it), by the current receipt key read with the tender (``bidder``)."""
    tender, vendor_id, parsed = judged.tender, judged.vendor_id, judged.parsed
    now = await database_now(session)
    signing_key: bytes | Ed25519PrivateKey
    if signers is not None and tender.receipt_key is not None:
        kid, signing_key = tender.receipt_key[0], signers.signer(*tender.receipt_key)
    else:  # none yet (the first bid creates it), or no process to keep it
        kid, signing_key = await receipt_signer(session, master, current=tender.receipt_key)
    bundle_sha256 = hashlib.sha256(bundle).hexdigest()
    receipt = sign_receipt(
        signing_key,
        kid=kid,
        tenant_code=actor.tenant.code,
        tender_id=tender.id,
        vendor_id=vendor_id,
        bundle_sha256=bundle_sha256,
        key_fingerprint=parsed.key_fingerprint,
        received_at=now,
    )
    stored = {
        "bid_id": tender.bid_id,
        "tender_id": tender.id,
        "vendor_id": vendor_id,
        "bundle": bundle,
        "sha256": bundle_sha256,
        "receipt": receipt,
    }
    payload = {
        "vendor_id": vendor_id,
        "bid_id": tender.bid_id,
        "bundle_sha256": bundle_sha256,
        "ciphertext_sha256": parsed.sha256,
        "signer": parsed.signer,
    }
    return Receipted(stored, payload, AcceptedBid(tender.bid_id, receipt))


async def _store(
    session: AsyncSession,
    actor: Actor,
    tender: OpenTender,
    vendor_id: int,
    bundle: bytes,
    parsed: SealedBundle,
    master: MasterKey,
    signers: ReceiptSigners | None = None,
) -> AcceptedBid:
    # One vendor's bids on one tender are stored one at a time: a bid sent while another is being
    # stored waits on the registration's row lock, then replaces it (else both would insert a
    # current bid, and the unique index would refuse the second). ``bidder`` took that lock with the
    # tender's submission window (``bidder._SUBMISSION``), read the current receipt key and took
    # the bid's id there.
    bid = await receipted(session, actor, JudgedBid(vendor_id, tender, parsed), bundle, master, signers)
    await store_receipted(session, actor, tender.id, bid)
    return bid.accepted


async def store_receipted(session: AsyncSession, actor: Actor, tender_id: int, bid: Receipted) -> None:
    """A receipted bid stored and its ``bid.received`` entry chained, in one statement."""
    # One round trip (``hub.bid_store``, migration h0022): the previous bid superseded, this one
    # inserted, and its audit entry chained, checked by ``append_audit`` as every entry is.
    await append_audit(
        session,
        actor_id=actor.account_id,
        action=BID_RECEIVED,
        subject=f"tender:{tender_id}",
        payload=bid.payload,
        along=Along(_STORE, bid.stored),
    )
    record_bid_accepted(session, actor.tenant.slug)


BID_RECEIVED = "bid.received"
"""The audit action of a bid stored (``integrity`` checks each stored bid against its entry)."""

_STORE = text(
    "SELECT * FROM hub.bid_store(:schema, :bid_id, :tender_id, :vendor_id, :bundle, :sha256, :receipt, "
    ":at, :actor_id, :action, :subject, CAST(:payload AS jsonb), :before_seq, :after_seq)"
).bindparams(bindparam("payload", type_=JSONB), bindparam("bundle", type_=LargeBinary))
"""The store's one statement, built once (as ``bidder``'s); it returns the audit entry's row."""


async def seal_and_submit(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    submitted: OpenedBid,
    master: MasterKey,
) -> AcceptedBid:
    """The hub seals for the vendor (upload through the browser), then stores as any sealed bid.

    ``submitted`` is the price and files as uploaded, with the vendor's ``signer`` and ``signature``
    over their content statement (``tenants.sealing.content_statement``), checked here against what
    was uploaded before anything is sealed (``BadSignature``, 422), and sealed inside the bid for the
    opening to check again.
    """
    vendor_id, tender = await bidder(session, actor, tender_id, signer=submitted.signer)
    code = actor.tenant.code
    public = signing_key_of(tender.signing_key, vendor_id, submitted.signer, await database_now(session))
    verify_statement_signature(submitted, public, tenant_code=code, tender_id=tender_id, vendor_id=vendor_id)
    assert submitted.signer is not None
    assert submitted.signature is not None
    bundle = seal_for_vendor(
        tender.public_key,
        tenant_code=code,
        tender_id=tender_id,
        vendor_id=vendor_id,
        price=submitted.price,
        files=submitted.files,
        signer=submitted.signer,
        statement_signature=submitted.signature,
    )
    parsed = parse_bundle(bundle, max_size=MAX_BUNDLE_BYTES)  # what it uploaded may seal too large
    return await _store(session, actor, tender, vendor_id, bundle, parsed, master)


async def open_bids(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    master: MasterKey,
    *,
    unsealer: Unsealer = IN_THREAD,
    outages: OutageRule = OutageRule(),
) -> dict[str, Any]:
    """Open every current bid of a tender whose key the hub holds: only the tender's runner, only once
    bid submission is over (database clock), and only once an outage that reached the deadline has
    extended it (``outages``, ``tenants.tenders.outages``). A committee-held tender opens as its
    committee gives its shares back (``tenants.tenders.custody.give_share``). ``unsealer`` checks
    and decrypts the bids away from the event loop (``unsealing``): the app's worker process, else
    a thread."""
    await hold_the_close(session, actor.tenant.code, tender_id, exclusive=True)
    tender = await runner_tender(session, actor, tender_id)
    if tender.key_custody == KeyCustody.COMMITTEE:
        raise Conflict(
            f"tender {tender_id}'s key is held by its committee in shares: it opens when "
            f"{tender.share_threshold} of them are given back (POST .../key-shares/{{slot}})"
        )
    _require_unopened(tender)
    await require_closed(session, actor.tenant, tender, outages)
    assert tender.wrapped_private_key is not None
    key = await tenant_key(session, master, actor.tenant.code)
    private = unwrap_key(tender.wrapped_private_key, key, tender_key_context(actor.tenant.code, tender_id))
    return await open_sealed_bids(
        session,
        actor,
        tender,
        private,
        master,
        custody={"mode": KeyCustody.HUB.value},
        unsealer=unsealer,
    )


async def open_sealed_bids(
    session: AsyncSession,
    actor: Actor,
    tender: Tender,
    private: bytes,
    master: MasterKey,
    *,
    custody: dict[str, Any],
    unsealer: Unsealer = IN_THREAD,
) -> dict[str, Any]:
    """Open every current bid of ``tender`` with its private key, publish the opening record (with
    ``custody``: who held the key, and whose shares opened it) and record it. The caller holds the
    close exclusively and the tender's row, and has checked who may open and that it is time
    (``require_closed``).
    Every current bid is opened or the opening raises (``WorkerUnavailable`` if ``unsealer``'s
    worker stopped), with what it wrote in the caller's transaction, to be rolled back."""
    unsealer.warm()  # its worker starts while the bids are read
    _require_unopened(tender)
    tender_id = tender.id
    now = await database_now(session)
    checker = await BidChecker.load(session, [tender_id], master=master)
    current = await current_bids(session, tender_id)
    names = await _vendor_names(session, {b.vendor_id for b in current})
    results: list[dict[str, Any]] = []
    async with aclosing(unsealer.chunks(current, private, checker, actor.tenant.code)) as chunks:
        async for chunk in chunks:
            results += await _record_opened(session, actor, chunk, names)
    results += [
        await _missing(session, checker, withheld) for withheld in checker.withheld({b.id for b in current})
    ]
    tender.status, tender.opened_at, tender.opened_by = TenderStatus.OPENED.value, now, actor.account_id
    tender.opening = {
        "opened_at": now.isoformat(),
        "opened_by": actor.account_id,
        "key_custody": custody,
        "bids": results,
        "count": len(results),
        "tampered": sum(r["status"] == "tampered" for r in results),
        "missing": sum(r["status"] == "missing" for r in results),
    }
    await session.flush()
    await actor.record(
        session,
        "tender.opened",
        f"tender:{tender_id}",
        count=len(results),
        tampered=tender.opening["tampered"],
        missing=tender.opening["missing"],
        key_custody=custody,
    )
    await publish(session, actor.tenant, tender, "tenderUpdate")
    record_bid_opening(session, actor.tenant.slug)
    return tender.opening


def _require_unopened(tender: Tender) -> None:
    if tender.opened_at is not None:
        raise Conflict(f"the bids of tender {tender.id} were opened already")
    if tender.status != TenderStatus.ANNOUNCED:
        raise Conflict(f"tender {tender.id} is {tender.status}")


async def require_closed(
    session: AsyncSession,
    tenant: TenantRef,
    tender: Tender,
    outages: OutageRule,
    refusal: str = "bids cannot be opened before bid submission closes",
) -> None:
    """``Conflict`` (``refusal`` at the close) before the close; an outage that reached the deadline
    first moves it (``tenants.tenders.outages``), in the caller's transaction, which holds the close
    exclusively and the tender's row. Every way to an opening calls it once, before the opening."""
    await extend_before_opening(session, tenant, tender, outages)
    now = await database_now(session)
    closes = (await load_schedule(session, tender.id))[Stage.BID_SUBMISSION].ends_at
    if now < closes:
        raise Conflict(f"{refusal} at {closes.isoformat()}")


async def _missing(session: AsyncSession, checker: BidChecker, withheld: BidMismatch) -> dict[str, Any]:
    """A bid the audit log says its vendor sent last, not among the current bids: published as
    ``missing`` with what its ``bid.received`` entry recorded, so leaving it out shows."""
    vendor = await session.get(Vendor, withheld.vendor_id)
    received_at, bundle_sha256 = checker.received_record(withheld.bid_id)
    return {
        "vendor_id": withheld.vendor_id,
        "vendor": vendor.name if vendor else None,
        "received_at": received_at,
        "ciphertext_sha256": bundle_sha256,
        "status": "missing",
        "price": None,
        "failed_checks": [withheld.check],
        "problem": f"{withheld.check}: {withheld.problem}",
    }


async def _vendor_names(session: AsyncSession, vendor_ids: set[int]) -> dict[int, str]:
    """The bidders' names in one statement, as plain rows: one round trip, not one a bid, and no
    ``Vendor`` objects (2,000 of them, loaded at once, held the event loop for tens of milliseconds
    in one step: issue 20, docs/BENCHMARKS.md)."""
    if not vendor_ids:
        return {}
    rows = await session.execute(_VENDOR_NAMES, {"ids": list(vendor_ids)})
    return {vendor_id: name for vendor_id, name in rows}


_VENDOR_NAMES = select(Vendor.id, Vendor.name).where(Vendor.id.in_(bindparam("ids", expanding=True)))


async def _record_opened(
    session: AsyncSession, actor: Actor, chunk: list[tuple[Bid, dict[str, Any]]], names: dict[int, str]
) -> list[dict[str, Any]]:
    """The opening's lines for a chunk of bids (who sent each when, its vendor's name, and its
    verdict, worked out off the loop by ``unsealing``), recorded in the audit log as decrypted, in
    order, in one round trip."""
    lines = [
        {
            "vendor_id": bid.vendor_id,
            "vendor": names.get(bid.vendor_id),
            "received_at": bid.received_at.isoformat(),
            "ciphertext_sha256": bid.ciphertext_sha256,
        }
        | found
        for bid, found in chunk
    ]
    decrypted = [
        Recorded("bid.decrypted", f"tender:{bid.tender_id}", {"bid_id": bid.id, "status": line["status"]})
        for (bid, _), line in zip(chunk, lines, strict=True)
    ]
    await append_audits(session, actor_id=actor.account_id, entries=decrypted)
    return lines


async def current_bids(session: AsyncSession, tender_id: int) -> list[Bid]:
    """The tender's current bids, oldest first, loaded ``BIDS_PER_STEP`` a fetch: 300 bids of 16 KiB
    loaded at once took 15 ms of CPU in one step of the event loop (2,000, about 100 ms)."""
    rows = await session.stream_scalars(_CURRENT_BIDS, {"of_tender": tender_id})
    return [bid async for partition in rows.partitions() for bid in partition]


async def received_bids(session: AsyncSession, tender_id: int) -> list[tuple[datetime, str]]:
    """When each current bid of the tender was received and the hash its receipt signed, oldest
    first: what an opening desk shows before the opening, without loading the bundles."""
    rows = await session.execute(_RECEIVED_BIDS, {"of_tender": tender_id})
    return [(received_at, sha256) for received_at, sha256 in rows]


BIDS_PER_STEP = 50

_CURRENT = (Bid.tender_id == bindparam("of_tender"), Bid.superseded_at.is_(None))
_CURRENT_BIDS = (
    select(Bid).where(*_CURRENT).order_by(Bid.received_at).execution_options(yield_per=BIDS_PER_STEP)
)
_RECEIVED_BIDS = select(Bid.received_at, Bid.ciphertext_sha256).where(*_CURRENT).order_by(Bid.received_at)
