"""Receipts: the hub's signed word that it accepted a sealed bid, verifiable offline by anyone.

A receipt (version 2) is one UTF-8 JSON object, sorted keys, no spaces::

    {"bundle_sha256": "<64 hex>", "key_fingerprint": "6668:7aad:...", "kid": "...",
     "received_at": "2025-03-01T02:15:30.123456Z", "signature": b64url, "tender": 12,
     "tenant": "3507", "v": 2, "vendor": 34}

``signature`` is Ed25519 over the canonical JSON (sorted keys, ``,`` and ``:`` separators, UTF-8) of
every other field. ``received_at`` is the server's clock in UTC, always with microseconds and a ``Z``.
``bundle_sha256`` is the SHA-256 of the exact bundle bytes received (what ``sha256sum`` of the
vendor's file prints), so it covers ``enc``, ``wrapped_key`` and ``nonce`` as well as the ciphertext:
a vendor holding its file and the receipt can prove what it submitted, and when.
``key_fingerprint`` names the tender key the bundle was sealed for. ``kid`` names the hub key that
signed, for when the key has been rotated; the published key is ``ed25519:`` and the raw 32 bytes in
base64url.

Version 1 receipts (issued before issue 15) signed ``ciphertext_sha256`` (``SealedBundle.sha256``, the
ciphertext only) instead of ``bundle_sha256`` and ``key_fingerprint``; they still verify.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.core.errors import InvalidInput
from tenants.sealing._codec import (
    b64url_encode,
    canonical_json,
    field_bytes,
    is_id,
    is_tenant_code,
    load_object,
)
from tenants.sealing.errors import InvalidReceipt
from tenants.sealing.signatures import decode_ed25519_public_key, encode_signing_public_key

RECEIPT_VERSION = 2
RECEIPT_KEY_PREFIX = "ed25519:"
MAX_RECEIPT_SIZE = 4096
_COMMON = frozenset({"kid", "received_at", "signature", "tender", "tenant", "v", "vendor"})
_KEYS = {2: _COMMON | {"bundle_sha256", "key_fingerprint"}, 1: _COMMON | {"ciphertext_sha256"}}
_DIGEST = {2: "bundle_sha256", 1: "ciphertext_sha256"}
_FINGERPRINT = re.compile(r"[0-9a-f]{4}(?::[0-9a-f]{4}){7}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KID = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_RAW = serialization.Encoding.Raw


@dataclass(frozen=True, slots=True)
class Receipt:
    """A verified receipt: the hub accepted the bundle hashed ``sha256`` from ``vendor`` for ``tender``
    of ``tenant`` at ``received_at`` (UTC), signed with key ``kid``."""

    version: int
    kid: str
    tenant: str
    tender: int
    vendor: int
    sha256: str
    """Version 2: SHA-256 of the whole bundle's bytes; version 1: of its ciphertext only."""
    key_fingerprint: str | None
    """The tender key the bundle was sealed for; ``None`` in version 1."""
    received_at: datetime
    signature: bytes

    @property
    def covers_whole_bundle(self) -> bool:
        """Whether ``sha256`` is of the bundle's bytes (version 2) rather than of its ciphertext."""
        return self.version >= 2

    def matches(self, bundle: bytes, ciphertext_sha256: str) -> bool:
        """Whether this receipt was signed for ``bundle`` (whose ciphertext hashes to the second
        argument: version 1 receipts can only be checked against that)."""
        return self.matches_digests(hashlib.sha256(bundle).hexdigest(), ciphertext_sha256)

    def matches_digests(self, bundle_sha256: str, ciphertext_sha256: str | None) -> bool:
        """``matches`` given the bundle's hashes instead of its bytes (computed elsewhere, such as by
        the database, so the bundle need not travel)."""
        if self.covers_whole_bundle:
            return bundle_sha256 == self.sha256
        return ciphertext_sha256 == self.sha256


def generate_receipt_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair for signing receipts, as ``(private_raw, public_raw)``, 32 bytes each."""
    private = Ed25519PrivateKey.generate()
    private_raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return private_raw, private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def receipt_public_key_of(private_raw: bytes) -> bytes:
    """The raw public half of a receipt key's raw private half (``ValueError`` if not 32 bytes)."""
    public = Ed25519PrivateKey.from_private_bytes(private_raw).public_key()
    return public.public_bytes(_RAW, serialization.PublicFormat.Raw)


def encode_receipt_public_key(public_raw: bytes) -> str:
    """The receipt key as published: ``ed25519:`` and the raw key in unpadded base64url."""
    return encode_signing_public_key(public_raw)


def decode_receipt_public_key(text: str) -> bytes:
    """The raw key from its published text (surrounding whitespace ignored); ``InvalidInput`` otherwise."""
    return decode_ed25519_public_key(text, what="receipt key", field="receipt_key")


def format_time(moment: datetime) -> str:
    """A receipt's time: UTC, microseconds, ``Z`` (e.g. ``2025-03-01T02:15:30.000000Z``)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("the time of receipt must carry its time zone", field="received_at")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def sign_receipt(
    private: bytes | Ed25519PrivateKey,
    *,
    kid: str,
    tenant_code: str,
    tender_id: int,
    vendor_id: int,
    bundle_sha256: str,
    key_fingerprint: str,
    received_at: datetime,
) -> bytes:
    """The serialized receipt (version 2) for an accepted bid; ``InvalidInput`` naming a field that
    breaks the format. ``private``: the receipt key's raw private half, or its signing key as kept
    (``tenants.tenders.preparation.bid_keys.ReceiptSigners``)."""
    fields: dict[str, Any] = {
        "bundle_sha256": bundle_sha256,
        "key_fingerprint": key_fingerprint,
        "kid": kid,
        "received_at": format_time(received_at),
        "tender": tender_id,
        "tenant": tenant_code,
        "v": RECEIPT_VERSION,
        "vendor": vendor_id,
    }
    problem = _field_problem(fields)
    if problem:
        raise InvalidInput(f"{problem[0]} {problem[1]}", field=problem[0])
    if isinstance(private, bytes):
        private = Ed25519PrivateKey.from_private_bytes(private)
    signature = private.sign(canonical_json(fields))
    return canonical_json({**fields, "signature": b64url_encode(signature)})


def verify_receipt(receipt: bytes, public_raw: bytes) -> Receipt:
    """The receipt's fields once its format and signature check out; ``InvalidReceipt`` otherwise."""
    if len(receipt) > MAX_RECEIPT_SIZE:
        raise InvalidReceipt(f"not a receipt: {len(receipt)} bytes, more than {MAX_RECEIPT_SIZE}")
    try:
        document = _load(receipt)
        signature = field_bytes(document, "signature", size=64)
    except ValueError as exc:
        raise InvalidReceipt(f"not a receipt: {exc}") from None
    fields = {key: value for key, value in document.items() if key != "signature"}
    problem = _field_problem(fields)
    if problem:
        raise InvalidReceipt(f"not a receipt: {problem[0]} {problem[1]}")
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, canonical_json(fields))
    except (InvalidSignature, ValueError):
        raise InvalidReceipt("the receipt's signature does not verify with this key") from None
    return Receipt(
        version=fields["v"],
        kid=fields["kid"],
        tenant=fields["tenant"],
        tender=fields["tender"],
        vendor=fields["vendor"],
        sha256=fields[_DIGEST[fields["v"]]],
        key_fingerprint=fields.get("key_fingerprint"),
        received_at=datetime.fromisoformat(fields["received_at"]),
        signature=signature,
    )


def _load(receipt: bytes) -> dict[str, Any]:
    """The receipt's JSON object with exactly the fields of its version (the current one, else 1)."""
    try:
        return load_object(receipt, _KEYS[RECEIPT_VERSION])
    except ValueError as current:
        try:
            document = load_object(receipt, _KEYS[1])
        except ValueError:
            raise current from None
        if document["v"] != 1:
            raise current from None
        return document


def _field_problem(fields: dict[str, Any]) -> tuple[str, str] | None:
    """The first field that breaks the receipt format and what is wrong with it, or ``None``."""
    version = fields["v"]
    if type(version) is not int or version not in _DIGEST or _KEYS[version] != fields.keys() | {"signature"}:
        return "v", f"is not {RECEIPT_VERSION}"
    if not isinstance(fields["kid"], str) or not _KID.fullmatch(fields["kid"]):
        return "kid", "is not 1 to 128 printable ASCII characters"
    if not is_tenant_code(fields["tenant"]):
        return "tenant", "is not a tenant code"
    if not is_id(fields["tender"]):
        return "tender", "is not a positive integer"
    if not is_id(fields["vendor"]):
        return "vendor", "is not a positive integer"
    digest = _DIGEST[version]
    if not isinstance(fields[digest], str) or not _SHA256.fullmatch(fields[digest]):
        return digest, "is not 64 lower-case hex digits"
    if "key_fingerprint" in fields and (
        not isinstance(fields["key_fingerprint"], str)
        or not _FINGERPRINT.fullmatch(fields["key_fingerprint"])
    ):
        return "key_fingerprint", "is not a key fingerprint"
    if not isinstance(fields["received_at"], str) or not _TIME.fullmatch(fields["received_at"]):
        return "received_at", "is not a UTC time like 2025-03-01T02:15:30.000000Z"
    try:
        datetime.fromisoformat(fields["received_at"])
    except ValueError:
        return "received_at", "is not a real time"
    return None
