"""Is a stored bid still the one received? Checked at the opening and by ``audit verify``.

A bundle lives in the tenant's ``bids`` table, which anyone with database write access can change:
the tender key is public, so a new bundle at another price can be sealed and written over a
vendor's. What they cannot change unseen is what was signed or chained when the bid arrived:

- ``receipt``: the receipt stored with the bid, checked with the hub's published receipt key of its
  ``kid``, must name this tenant, tender and vendor and hash to the stored bundle (version 2: the
  bundle's bytes; version 1: its ciphertext only);
- ``audit``: the tenant's ``bid.received`` entry for the bid (hash-chained, so editing it shows in
  ``verify_chain``) must record the same hash;
- ``signature``: the vendor's signature (issue 15). The key the bundle names must be a key of the
  bid's vendor, valid when the bid was received, whose row the vendor key log vouches for; a bundle
  the vendor sealed must carry its signature with that key. A bundle the hub sealed for its vendor
  holds the vendor's signature inside: ``check_statement`` checks it once the bid is opened. A
  version 1 bundle (stored before vendors signed) is *unsigned*, a note rather than a mismatch, unless
  its ``bid.received`` entry records that it arrived signed.

The receipt and audit checks compare hashes (``StoredDigest``): computed here from a loaded bid, or by
the database (``sha256(bundle)``, as the probe does, ``tenants.tenders.bidding.watch``) so the bundle
need not travel. The signature check needs the bundle itself, so only the opening and ``audit verify``,
which load it, make it; the probe's hash checks already catch a bundle swapped after its receipt.

Where the checker is given the master key (the opening, the probe, ``audit verify`` where the key is
at hand), a receipt key is trusted only if it is one of the hub's
(``tenants.tenders.preparation.bid_keys.is_hub_receipt_key``): a key inserted into
``hub.receipt_keys`` by whoever can write to the database signs no receipt that passes.

Nothing here decrypts; each check reads the stored bytes and public keys only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, literal, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.vendors import KnownKey, keys_of_vendors
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput
from hub.core.master_key import MasterKey
from tenants.audit import AuditEntry, tenant_code
from tenants.registry import get_tenant, list_tenants
from tenants.sealing import (
    SEALED_BY_VENDOR,
    BadSignature,
    InvalidReceipt,
    OpenedBid,
    SealedBundle,
    parse_bundle,
    verify_bundle_signature,
    verify_receipt,
    verify_statement_signature,
)
from tenants.tenders.models import Bid
from tenants.tenders.preparation.bid_keys import ReceiptKeys, hub_receipt_keys

_LOADED_BATCH = 20


@dataclass(frozen=True, slots=True)
class BidMismatch:
    """A stored bid that is not the one received: which ``check`` failed (``receipt``, ``audit``,
    ``signature``) and why, in one sentence."""

    bid_id: int
    tender_id: int
    vendor_id: int
    check: str
    problem: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class StoredBid(Protocol):
    """What the checks and the decryption read of a stored bid: a loaded ``Bid``, or a ``SealedBid``
    (its plain copy, for a worker process)."""

    @property
    def id(self) -> int: ...
    @property
    def tender_id(self) -> int: ...
    @property
    def vendor_id(self) -> int: ...
    @property
    def bundle(self) -> bytes: ...
    @property
    def receipt(self) -> bytes: ...
    @property
    def received_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class SealedBid:
    """A stored bid as plain values, without its ORM state: what is sent to a worker process, which
    needs no session to check and open it."""

    id: int
    tender_id: int
    vendor_id: int
    bundle: bytes
    receipt: bytes
    received_at: datetime

    @classmethod
    def of(cls, bid: StoredBid) -> SealedBid:
        return cls(bid.id, bid.tender_id, bid.vendor_id, bid.bundle, bid.receipt, bid.received_at)


@dataclass(frozen=True, slots=True)
class StoredDigest:
    """What the checks need of a stored bid: who it is from, its receipt and its bundle's hashes."""

    bid_id: int
    tender_id: int
    vendor_id: int
    receipt: bytes
    bundle_sha256: str
    """SHA-256 of the stored bundle's bytes, in hex."""
    ciphertext_sha256: str | None
    """SHA-256 of its ciphertext; ``None`` when not computed (only version 1 receipts and entries
    need it: ``BidChecker.needs_ciphertext``) or when the bundle does not parse."""

    @classmethod
    def of(cls, bid: StoredBid, parsed: SealedBundle | None = None) -> StoredDigest:
        """The digest of a loaded bid, both hashes computed here (``parsed``: its bundle, if parsed
        already; ``None`` parses it, and a bundle that does not parse has no ciphertext hash)."""
        if parsed is None:
            try:
                parsed = parse_bundle(bid.bundle)
            except InvalidInput:
                parsed = None
        bundle_sha256 = hashlib.sha256(bid.bundle).hexdigest()
        ciphertext_sha256 = parsed.sha256 if parsed is not None else None
        return cls(bid.id, bid.tender_id, bid.vendor_id, bid.receipt, bundle_sha256, ciphertext_sha256)


@dataclass(frozen=True, slots=True)
class Received:
    """A bid's ``bid.received`` audit entry: what it records, and when (chained, so it stays put)."""

    payload: Mapping[str, Any]
    at: datetime
    subject: str
    """``tender:<id>``, the tender the bid was received for."""


class BidChecker:
    """Checks stored bids against their receipts, ``bid.received`` entries and vendors' signing keys,
    loaded once."""

    def __init__(
        self,
        code: str,
        receipt_keys: ReceiptKeys,
        received: Mapping[int, Received],
        signing_keys: Mapping[str, KnownKey],
    ):
        self._code = code
        self._receipt_keys = receipt_keys
        self._received = received
        self._signing_keys = signing_keys
        self._keys_of_vendor: dict[int, list[KnownKey]] = {}
        for key in signing_keys.values():
            self._keys_of_vendor.setdefault(key.vendor_id, []).append(key)

    def narrowed_to(self, bids: Collection[StoredBid]) -> BidChecker:
        """A checker of ``bids`` only, as it would check them: their ``bid.received`` entries and
        their vendors' signing keys (the receipt keys, few, whole). What a worker process is sent
        with a chunk, rather than every entry and key of the tender each time (``withheld`` needs
        them all, and is not asked of it)."""
        vendors = {bid.vendor_id for bid in bids}
        return BidChecker(
            self._code,
            self._receipt_keys,
            {bid.id: self._received[bid.id] for bid in bids if bid.id in self._received},
            {key.key_id: key for vendor in vendors for key in self._keys_of_vendor.get(vendor, ())},
        )

    @classmethod
    async def load(
        cls, session: AsyncSession, tenders: Collection[int] | None = None, *, master: MasterKey | None = None
    ) -> BidChecker:
        """The checker for the session's tenant, with the ``bid.received`` entries of ``tenders``
        (or of every tender), the hub's receipt keys (with ``master``, only those that are the hub's
        own; without it, every row of ``hub.receipt_keys``) and the signing keys of the vendors who
        bid there (one query, with their events in the vendor key log)."""
        query = (
            select(AuditEntry.payload, AuditEntry.at, AuditEntry.subject)
            .where(AuditEntry.action == "bid.received")
            .order_by(AuditEntry.seq)
        )
        bidders = select(Bid.vendor_id).distinct()
        if tenders is not None:
            query = query.where(AuditEntry.subject.in_([f"tender:{tender}" for tender in tenders]))
            bidders = bidders.where(Bid.tender_id.in_(tenders))
        received: dict[int, Received] = {}
        for payload, at, subject in (await session.execute(query)).all():
            if isinstance(payload.get("bid_id"), int):
                received[payload["bid_id"]] = Received(payload, at, subject)
        return cls(
            tenant_code(session),
            await hub_receipt_keys(session, master),
            received,
            await keys_of_vendors(session, bidders),
        )

    def mismatches(self, bid: StoredBid) -> list[BidMismatch]:
        """Every check ``bid`` fails, its vendor's signature too; empty when it is the bid received."""
        try:
            parsed: SealedBundle | None = parse_bundle(bid.bundle)
        except InvalidInput:
            parsed = None
        found = self.digest_mismatches(StoredDigest.of(bid, parsed))
        problem = self._signature_problem(bid, parsed)
        if problem is not None:
            found.append(BidMismatch(bid.id, bid.tender_id, bid.vendor_id, "signature", problem))
        return found

    def withheld(self, current: Collection[int]) -> list[BidMismatch]:
        """The bids the audit log says each vendor sent last, per tender the checker was loaded for,
        that are not among the ``current`` bid ids: superseded or removed in the database, so an
        opening would leave them out (the ``presence`` check). Setting ``superseded_at`` is still
        within the hub's own database role, and all it takes to withhold a bid but for this check."""
        latest: dict[tuple[str, int], tuple[int, Received]] = {}  # in log order: the last one stays
        for bid_id, entry in self._received.items():
            vendor_id = entry.payload.get("vendor_id")
            if isinstance(vendor_id, int):
                latest[(entry.subject, vendor_id)] = (bid_id, entry)
        return [
            BidMismatch(
                bid_id,
                int(subject.removeprefix("tender:")),
                vendor_id,
                "presence",
                f"bid {bid_id}, received {entry.at.isoformat()}, is the vendor's last bid in the audit log "
                "but not its current bid: superseded or removed in the database",
            )
            for (subject, vendor_id), (bid_id, entry) in sorted(latest.items())
            if bid_id not in current
        ]

    def received_record(self, bid_id: int) -> tuple[str, str]:
        """When its ``bid.received`` entry says bid ``bid_id`` arrived, and the hash it recorded
        (the bundle's, or before receipt v2 the ciphertext's)."""
        entry = self._received[bid_id]
        recorded = entry.payload.get("bundle_sha256") or entry.payload.get("ciphertext_sha256") or ""
        return entry.at.isoformat(), str(recorded)

    def needs_ciphertext(self, bid: StoredDigest) -> bool:
        """Whether checking ``bid`` needs its ciphertext's hash: its receipt or its ``bid.received``
        entry predates receipt version 2, which hash the whole bundle."""
        entry = self._received.get(bid.bid_id)
        return _version_of(bid.receipt) == 1 or (entry is not None and "bundle_sha256" not in entry.payload)

    def digest_mismatches(self, bid: StoredDigest) -> list[BidMismatch]:
        """The receipt and audit checks of a bid whose hashes were computed elsewhere (by the database,
        say); the signature needs the bundle itself (``mismatches``)."""
        found = [
            (name, problem)
            for name, problem in (
                ("receipt", self._receipt_problem(bid)),
                ("audit", self._audit_problem(bid)),
            )
            if problem is not None
        ]
        return [
            BidMismatch(bid.bid_id, bid.tender_id, bid.vendor_id, name, problem) for name, problem in found
        ]

    def _receipt_problem(self, bid: StoredDigest) -> str | None:
        try:
            kid = _kid_of(bid.receipt)
            if kid in self._receipt_keys.foreign:
                return (
                    f"receipt key {kid} is not one of the hub's: its stored private half does not open "
                    "with the master key to this public key"
                )
            public = self._receipt_keys.public.get(kid)
            if public is None:
                return f"its receipt names key {kid}, which the hub never published"
            receipt = verify_receipt(bid.receipt, public)
        except InvalidReceipt as exc:
            return f"its receipt does not verify: {exc.detail}"
        if (receipt.tenant, receipt.tender, receipt.vendor) != (self._code, bid.tender_id, bid.vendor_id):
            return (
                f"its receipt is for tenant {receipt.tenant}, tender {receipt.tender}, "
                f"vendor {receipt.vendor}"
            )
        if not receipt.matches_digests(bid.bundle_sha256, bid.ciphertext_sha256):
            return f"the stored bundle does not hash to {receipt.sha256}, the hash its receipt signed"
        return None

    def _audit_problem(self, bid: StoredDigest) -> str | None:
        received = self._received.get(bid.bid_id)
        if received is None:
            return f"no bid.received entry of the audit log records bid {bid.bid_id}"
        entry = received.payload
        if entry.get("vendor_id") != bid.vendor_id:
            return f"its bid.received entry records vendor {entry.get('vendor_id')}"
        # Entries written before receipt v2 record the ciphertext's hash only.
        recorded, actual = (
            (entry["bundle_sha256"], bid.bundle_sha256)
            if "bundle_sha256" in entry
            else (entry.get("ciphertext_sha256"), bid.ciphertext_sha256)
        )
        if recorded != actual:
            return f"the stored bundle does not hash to {recorded}, the hash its bid.received entry records"
        return None

    def _signature_problem(self, bid: StoredBid, bundle: SealedBundle | None) -> str | None:
        if bundle is None:
            return "the stored bundle is not a sealed bid bundle, so it carries no signature"
        if bundle.signer is None:
            entry = self._received.get(bid.id)
            recorded = entry.payload.get("signer") if entry is not None else None
            if recorded:
                return f"the bid arrived signed with key {recorded}, but the stored bundle is unsigned"
            return None  # version 1, received before vendors signed: unsigned, a note
        try:
            key = self._signing_key(bid, bundle.signer)
            if bundle.sealed_by == SEALED_BY_VENDOR:
                verify_bundle_signature(bundle, key.public_key)
        except BadSignature as exc:
            return exc.detail
        return None

    def _signing_key(self, bid: StoredBid, key_id: str) -> KnownKey:
        """The key ``key_id`` if it could sign ``bid``: its vendor's, vouched for by the vendor key log,
        valid when the bid was received; ``BadSignature`` saying why not."""
        key = self._signing_keys.get(key_id)
        if key is None or key.vendor_id != bid.vendor_id:
            raise BadSignature(
                f"it is signed with key {key_id}, which is not a key of vendor {bid.vendor_id}"
            )
        if key.log_problem is not None:
            raise BadSignature(key.log_problem)
        # The time its bid.received entry records: the same instant as received_at, but chained, so
        # moving received_at does not bring a revoked key back to life.
        entry = self._received.get(bid.id)
        received_at = entry.at if entry is not None else bid.received_at
        if not key.valid_at(received_at):
            raise BadSignature(
                f"it is signed with key {key_id}, which was not valid when the bid was received "
                f"({received_at.isoformat()})"
            )
        return key

    def check_statement(self, bid: StoredBid, bundle: SealedBundle, opened: OpenedBid) -> None:
        """For a bid the hub sealed, once opened: ``BadSignature`` unless it holds its vendor's
        signature, with the key its bundle names, over its content statement."""
        if bundle.signer is None or opened.signer != bundle.signer:
            raise BadSignature(
                f"the opened bid is not signed with key {bundle.signer}, the key its bundle names"
            )
        verify_statement_signature(
            opened,
            self._signing_key(bid, bundle.signer).public_key,
            tenant_code=self._code,
            tender_id=bid.tender_id,
            vendor_id=bid.vendor_id,
        )


def _kid_of(receipt: bytes) -> str:
    """The ``kid`` a receipt names, read to find the key its signature is checked with."""
    kid = _field_of(receipt, "kid")
    if not isinstance(kid, str):
        raise InvalidReceipt("not a receipt: no kid")
    return kid


def _version_of(receipt: bytes) -> object:
    """The version a receipt says it is (unchecked: ``verify_receipt`` checks it)."""
    return _field_of(receipt, "v")


def _field_of(receipt: bytes, name: str) -> object:
    try:
        return json.loads(receipt).get(name)
    except (ValueError, AttributeError):
        return None


async def database_mismatches(
    session: AsyncSession, checker: BidChecker, bid_ids: Collection[int]
) -> list[BidMismatch]:
    """Check the stored bids ``bid_ids`` with their bundles hashed by the database (PostgreSQL's
    ``sha256``), so no bundle travels; only a bid whose receipt or entry predates receipt v2 is
    loaded, since its ciphertext's hash needs the bundle parsed."""
    bundle_sha256 = func.encode(func.sha256(Bid.bundle), literal("hex"))
    query = select(Bid.id, Bid.tender_id, Bid.vendor_id, Bid.receipt, bundle_sha256).where(
        Bid.id.in_(bid_ids)
    )
    found: list[BidMismatch] = []
    for bid_id, tender_id, vendor_id, receipt, digest in (
        await session.execute(query.order_by(Bid.id))
    ).all():
        stored = StoredDigest(bid_id, tender_id, vendor_id, receipt, digest, None)
        if checker.needs_ciphertext(stored):
            bid = await session.get_one(Bid, bid_id)
            stored = StoredDigest.of(bid)
            session.expunge(bid)
        found += checker.digest_mismatches(stored)
    return found


async def verify_stored_bids(session: AsyncSession, master: MasterKey | None = None) -> list[BidMismatch]:
    """Check every stored bid of the session's tenant, current or superseded, without opening any
    (with ``master``, against the hub's own receipt keys only: ``BidChecker.load``), and that each
    vendor's last bid received is still its current one (``BidChecker.withheld``). The bundles are
    loaded, a few at a time, since the vendor's signature is checked over the bundle itself."""
    checker = await BidChecker.load(session, master=master)
    found: list[BidMismatch] = []
    last = 0
    while True:  # a few bundles at a time: each may be tens of megabytes
        query = select(Bid).where(Bid.id > last).order_by(Bid.id).limit(_LOADED_BATCH)
        bids = list((await session.execute(query)).scalars())
        for bid in bids:
            found += checker.mismatches(bid)
            session.expunge(bid)
        if len(bids) < _LOADED_BATCH:
            break
        last = bids[-1].id
    current = set(await session.scalars(select(Bid.id).where(Bid.superseded_at.is_(None))))
    return found + checker.withheld(current)


@dataclass(frozen=True, slots=True)
class TenantBids:
    """The stored bids of one tenant checked: what does not match, or the error that prevented it."""

    slug: str
    mismatches: list[BidMismatch]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.mismatches

    def to_dict(self) -> dict[str, object]:
        return {
            "tenant": self.slug,
            "mismatches": [m.to_dict() for m in self.mismatches],
            "error": self.error,
        }


async def verify_tenant_bids(
    engine: AsyncEngine, slug: str | None = None, *, master: MasterKey | None = None
) -> list[TenantBids]:
    """Check the stored bids of the tenant ``slug``, or of every tenant, one tenant at a time (with
    ``master``: ``verify_stored_bids``)."""
    async with hub_sessions(engine)() as session:
        tenants = [await get_tenant(session, slug)] if slug is not None else await list_tenants(session)
    results = []
    for tenant in sorted(tenants, key=lambda t: t.slug):
        async with tenant_session(engine, tenant.schema) as session:
            try:
                results.append(TenantBids(tenant.slug, await verify_stored_bids(session, master)))
            except SQLAlchemyError as exc:  # reported per tenant (e.g. a schema not migrated yet)
                results.append(
                    TenantBids(tenant.slug, [], str(getattr(exc, "orig", None) or exc).splitlines()[0])
                )
    return results
