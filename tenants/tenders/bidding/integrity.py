"""Is a stored bid still the one received? Checked at the opening and by ``audit verify``.

A bundle lives in the tenant's ``bids`` table, which anyone with database write access can change:
the tender key is public, so a new bundle at another price can be sealed and written over a
vendor's. What they cannot change unseen is what was signed or chained when the bid arrived:

- ``receipt``: the receipt stored with the bid, checked with the hub's published receipt key of its
  ``kid``, must name this tenant, tender and vendor and hash to the stored bundle (version 2: the
  bundle's bytes; version 1: its ciphertext only);
- ``audit``: the tenant's ``bid.received`` entry for the bid (hash-chained, so editing it shows in
  ``verify_chain``) must record the same hash.

The checks compare hashes (``StoredDigest``): computed here from a loaded bid, or by the database
(``sha256(bundle)``, as the probe does, ``tenants.tenders.bidding.watch``) so the bundle need not
travel. Where the checker is given the master key (the opening, the probe, ``audit verify`` where
the key is at hand), a receipt key is trusted only if it is one of the hub's
(``tenants.tenders.preparation.bid_keys.is_hub_receipt_key``): a key inserted into
``hub.receipt_keys`` by whoever can write to the database signs no receipt that passes.

Nothing here decrypts; each check reads the stored bytes and public keys only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput
from hub.core.master_key import MasterKey
from tenants.audit import AuditEntry, tenant_code
from tenants.registry import get_tenant, list_tenants
from tenants.sealing import InvalidReceipt, parse_bundle, verify_receipt
from tenants.tenders.models import Bid
from tenants.tenders.preparation.bid_keys import ReceiptKeys, hub_receipt_keys

_BATCH = 100


@dataclass(frozen=True, slots=True)
class BidMismatch:
    """A stored bid that is not the one received: which ``check`` failed (``receipt``, ``audit``)
    and why, in one sentence."""

    bid_id: int
    tender_id: int
    vendor_id: int
    check: str
    problem: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


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
    def of(cls, bid: Bid) -> StoredDigest:
        """The digest of a loaded bid, both hashes computed here."""
        try:
            ciphertext_sha256: str | None = parse_bundle(bid.bundle).sha256
        except InvalidInput:
            ciphertext_sha256 = None
        bundle_sha256 = hashlib.sha256(bid.bundle).hexdigest()
        return cls(bid.id, bid.tender_id, bid.vendor_id, bid.receipt, bundle_sha256, ciphertext_sha256)


class BidChecker:
    """Checks stored bids against their receipts and ``bid.received`` entries, loaded once."""

    def __init__(self, code: str, receipt_keys: ReceiptKeys, received: Mapping[int, Mapping[str, Any]]):
        self._code = code
        self._receipt_keys = receipt_keys
        self._received = received

    @classmethod
    async def load(
        cls, session: AsyncSession, tenders: Collection[int] | None = None, *, master: MasterKey | None = None
    ) -> BidChecker:
        """The checker for the session's tenant, with the ``bid.received`` entries of ``tenders``
        (or of every tender) and the hub's receipt keys: with ``master``, only those that are the
        hub's own; without it, every row of ``hub.receipt_keys``."""
        query = select(AuditEntry.payload).where(AuditEntry.action == "bid.received")
        if tenders is not None:
            query = query.where(AuditEntry.subject.in_([f"tender:{tender}" for tender in tenders]))
        received: dict[int, Mapping[str, Any]] = {}
        for (payload,) in (await session.execute(query)).all():
            if isinstance(payload.get("bid_id"), int):
                received[payload["bid_id"]] = payload
        return cls(tenant_code(session), await hub_receipt_keys(session, master), received)

    def mismatches(self, bid: Bid) -> list[BidMismatch]:
        """Every check ``bid`` fails; empty when it is the bid received."""
        return self.digest_mismatches(StoredDigest.of(bid))

    def needs_ciphertext(self, bid: StoredDigest) -> bool:
        """Whether checking ``bid`` needs its ciphertext's hash: its receipt or its ``bid.received``
        entry predates receipt version 2, which hash the whole bundle."""
        entry = self._received.get(bid.bid_id)
        return _version_of(bid.receipt) == 1 or (entry is not None and "bundle_sha256" not in entry)

    def digest_mismatches(self, bid: StoredDigest) -> list[BidMismatch]:
        """``mismatches`` of a bid whose hashes were computed elsewhere (by the database, say)."""
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
        entry = self._received.get(bid.bid_id)
        if entry is None:
            return f"no bid.received entry of the audit log records bid {bid.bid_id}"
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
    (with ``master``, against the hub's own receipt keys only: ``BidChecker.load``)."""
    checker = await BidChecker.load(session, master=master)
    ids = list(await session.scalars(select(Bid.id).order_by(Bid.id)))
    found: list[BidMismatch] = []
    for start in range(0, len(ids), _BATCH):
        found += await database_mismatches(session, checker, ids[start : start + _BATCH])
    return found


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
