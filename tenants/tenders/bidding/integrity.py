"""Is a stored bid still the one received? Checked at the opening and by ``audit verify``.

A bundle lives in the tenant's ``bids`` table, which anyone with database write access can change:
the tender key is public, so a new bundle at another price can be sealed and written over a
vendor's. What they cannot change unseen is what was signed or chained when the bid arrived:

- ``receipt``: the receipt stored with the bid, checked with the hub's published receipt key of its
  ``kid``, must name this tenant, tender and vendor and hash to the stored bundle (version 2: the
  bundle's bytes; version 1: its ciphertext only);
- ``audit``: the tenant's ``bid.received`` entry for the bid (hash-chained, so editing it shows in
  ``verify_chain``) must record the same hash.

Nothing here decrypts; each check reads the stored bytes and public keys only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput
from tenants.audit import AuditEntry, tenant_code
from tenants.registry import get_tenant, list_tenants
from tenants.sealing import InvalidReceipt, decode_receipt_public_key, parse_bundle, verify_receipt
from tenants.tenders.bid_key_models import ReceiptKey
from tenants.tenders.models import Bid

_BATCH = 20


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


class BidChecker:
    """Checks stored bids against their receipts and ``bid.received`` entries, loaded once."""

    def __init__(
        self, code: str, receipt_keys: Mapping[str, bytes], received: Mapping[int, Mapping[str, Any]]
    ):
        self._code = code
        self._receipt_keys = receipt_keys
        self._received = received

    @classmethod
    async def load(cls, session: AsyncSession, tender_id: int | None = None) -> BidChecker:
        """The checker for the session's tenant, with the ``bid.received`` entries of ``tender_id``
        (or of every tender) and the hub's receipt keys."""
        keys = {
            kid: decode_receipt_public_key(text)
            for kid, text in (await session.execute(select(ReceiptKey.kid, ReceiptKey.public_key))).all()
        }
        query = select(AuditEntry.payload).where(AuditEntry.action == "bid.received")
        if tender_id is not None:
            query = query.where(AuditEntry.subject == f"tender:{tender_id}")
        received: dict[int, Mapping[str, Any]] = {}
        for (payload,) in (await session.execute(query)).all():
            if isinstance(payload.get("bid_id"), int):
                received[payload["bid_id"]] = payload
        return cls(tenant_code(session), keys, received)

    def mismatches(self, bid: Bid) -> list[BidMismatch]:
        """Every check ``bid`` fails; empty when it is the bid received."""
        bundle_sha256 = hashlib.sha256(bid.bundle).hexdigest()
        try:
            ciphertext_sha256 = parse_bundle(bid.bundle).sha256
        except InvalidInput:
            ciphertext_sha256 = None
        found = [
            (name, problem)
            for name, problem in (
                ("receipt", self._receipt_problem(bid, bundle_sha256, ciphertext_sha256)),
                ("audit", self._audit_problem(bid, bundle_sha256, ciphertext_sha256)),
            )
            if problem is not None
        ]
        return [BidMismatch(bid.id, bid.tender_id, bid.vendor_id, name, problem) for name, problem in found]

    def _receipt_problem(self, bid: Bid, bundle_sha256: str, ciphertext_sha256: str | None) -> str | None:
        try:
            kid = _kid_of(bid.receipt)
            public = self._receipt_keys.get(kid)
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
        if not receipt.matches(bid.bundle, ciphertext_sha256 or ""):
            return f"the stored bundle does not hash to {receipt.sha256}, the hash its receipt signed"
        return None

    def _audit_problem(self, bid: Bid, bundle_sha256: str, ciphertext_sha256: str | None) -> str | None:
        entry = self._received.get(bid.id)
        if entry is None:
            return f"no bid.received entry of the audit log records bid {bid.id}"
        if entry.get("vendor_id") != bid.vendor_id:
            return f"its bid.received entry records vendor {entry.get('vendor_id')}"
        # Entries written before receipt v2 record the ciphertext's hash only.
        recorded, actual = (
            (entry["bundle_sha256"], bundle_sha256)
            if "bundle_sha256" in entry
            else (entry.get("ciphertext_sha256"), ciphertext_sha256)
        )
        if recorded != actual:
            return f"the stored bundle does not hash to {recorded}, the hash its bid.received entry records"
        return None


def _kid_of(receipt: bytes) -> str:
    """The ``kid`` a receipt names, read to find the key its signature is checked with."""
    try:
        kid = json.loads(receipt).get("kid")
    except (ValueError, AttributeError):
        kid = None
    if not isinstance(kid, str):
        raise InvalidReceipt("not a receipt: no kid")
    return kid


async def verify_stored_bids(session: AsyncSession) -> list[BidMismatch]:
    """Check every stored bid of the session's tenant, current or superseded, without opening any."""
    checker = await BidChecker.load(session)
    found: list[BidMismatch] = []
    last = 0
    while True:  # a few bundles at a time: each may be tens of megabytes
        query = select(Bid).where(Bid.id > last).order_by(Bid.id).limit(_BATCH)
        bids = list((await session.execute(query)).scalars())
        for bid in bids:
            found += checker.mismatches(bid)
            session.expunge(bid)
        if len(bids) < _BATCH:
            return found
        last = bids[-1].id


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


async def verify_tenant_bids(engine: AsyncEngine, slug: str | None = None) -> list[TenantBids]:
    """Check the stored bids of the tenant ``slug``, or of every tenant, one tenant at a time."""
    async with hub_sessions(engine)() as session:
        tenants = [await get_tenant(session, slug)] if slug is not None else await list_tenants(session)
    results = []
    for tenant in sorted(tenants, key=lambda t: t.slug):
        async with tenant_session(engine, tenant.schema) as session:
            try:
                results.append(TenantBids(tenant.slug, await verify_stored_bids(session)))
            except SQLAlchemyError as exc:  # reported per tenant (e.g. a schema not migrated yet)
                results.append(
                    TenantBids(tenant.slug, [], str(getattr(exc, "orig", None) or exc).splitlines()[0])
                )
    return results
