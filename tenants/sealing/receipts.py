"""Receipts: the hub's signed word that it accepted a sealed bid, verifiable offline by anyone.

A receipt is one UTF-8 JSON object, sorted keys, no spaces::

    {"ciphertext_sha256": "<64 hex>", "kid": "...", "received_at": "2025-03-01T02:15:30.123456Z",
     "signature": b64url, "tender": 12, "tenant": "3507", "v": 1, "vendor": 34}

``signature`` is Ed25519 over the canonical JSON (sorted keys, ``,`` and ``:`` separators, UTF-8) of
every other field. ``received_at`` is the server's clock in UTC, always with microseconds and a ``Z``.
``ciphertext_sha256`` is ``SealedBundle.sha256`` of the bid received, so a vendor holding its bundle
and the receipt can prove what it submitted and when. ``kid`` names the hub key that signed, for when
the key has been rotated; the published key is ``ed25519:`` and the raw 32 bytes in base64url.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.core.errors import InvalidInput
from tenants.sealing._codec import (
    b64url_decode,
    b64url_encode,
    canonical_json,
    field_bytes,
    is_id,
    is_tenant_code,
    load_object,
)
from tenants.sealing.errors import InvalidReceipt

RECEIPT_VERSION = 1
RECEIPT_KEY_PREFIX = "ed25519:"
MAX_RECEIPT_SIZE = 4096
_KEYS = frozenset({"ciphertext_sha256", "kid", "received_at", "signature", "tender", "tenant", "v", "vendor"})
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KID = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_RAW = serialization.Encoding.Raw


@dataclass(frozen=True, slots=True)
class Receipt:
    """A verified receipt: the hub accepted ``ciphertext_sha256`` from ``vendor`` for ``tender`` of
    ``tenant`` at ``received_at`` (UTC), signed with key ``kid``."""

    version: int
    kid: str
    tenant: str
    tender: int
    vendor: int
    ciphertext_sha256: str
    received_at: datetime
    signature: bytes


def generate_receipt_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair for signing receipts, as ``(private_raw, public_raw)``, 32 bytes each."""
    private = Ed25519PrivateKey.generate()
    private_raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return private_raw, private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def encode_receipt_public_key(public_raw: bytes) -> str:
    """The receipt key as published: ``ed25519:`` and the raw key in unpadded base64url."""
    if len(public_raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, not {len(public_raw)}")
    return RECEIPT_KEY_PREFIX + b64url_encode(public_raw)


def decode_receipt_public_key(text: str) -> bytes:
    """The raw key from its published text (surrounding whitespace ignored); ``InvalidInput`` otherwise."""
    text = text.strip()
    if not text.startswith(RECEIPT_KEY_PREFIX):
        raise InvalidInput(f"a receipt key starts with {RECEIPT_KEY_PREFIX!r}", field="receipt_key")
    try:
        raw = b64url_decode(text.removeprefix(RECEIPT_KEY_PREFIX))
    except ValueError as exc:
        raise InvalidInput(f"the receipt key is {exc}", field="receipt_key") from None
    if len(raw) != 32:
        raise InvalidInput(f"the receipt key is {len(raw)} bytes, not 32", field="receipt_key")
    return raw


def format_time(moment: datetime) -> str:
    """A receipt's time: UTC, microseconds, ``Z`` (e.g. ``2025-03-01T02:15:30.000000Z``)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("the time of receipt must carry its time zone", field="received_at")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def sign_receipt(
    private_raw: bytes,
    *,
    kid: str,
    tenant_code: str,
    tender_id: int,
    vendor_id: int,
    ciphertext_sha256: str,
    received_at: datetime,
) -> bytes:
    """The serialized receipt for an accepted bid; ``InvalidInput`` naming a field that breaks the format."""
    fields: dict[str, Any] = {
        "ciphertext_sha256": ciphertext_sha256,
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
    signature = Ed25519PrivateKey.from_private_bytes(private_raw).sign(canonical_json(fields))
    return canonical_json({**fields, "signature": b64url_encode(signature)})


def verify_receipt(receipt: bytes, public_raw: bytes) -> Receipt:
    """The receipt's fields once its format and signature check out; ``InvalidReceipt`` otherwise."""
    if len(receipt) > MAX_RECEIPT_SIZE:
        raise InvalidReceipt(f"not a receipt: {len(receipt)} bytes, more than {MAX_RECEIPT_SIZE}")
    try:
        document = load_object(receipt, _KEYS)
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
        ciphertext_sha256=fields["ciphertext_sha256"],
        received_at=datetime.fromisoformat(fields["received_at"]),
        signature=signature,
    )


def _field_problem(fields: dict[str, Any]) -> tuple[str, str] | None:
    """The first field that breaks the receipt format and what is wrong with it, or ``None``."""
    if type(fields["v"]) is not int or fields["v"] != RECEIPT_VERSION:
        return "v", f"is not {RECEIPT_VERSION}"
    if not isinstance(fields["kid"], str) or not _KID.fullmatch(fields["kid"]):
        return "kid", "is not 1 to 128 printable ASCII characters"
    if not is_tenant_code(fields["tenant"]):
        return "tenant", "is not a tenant code"
    if not is_id(fields["tender"]):
        return "tender", "is not a positive integer"
    if not is_id(fields["vendor"]):
        return "vendor", "is not a positive integer"
    if not isinstance(fields["ciphertext_sha256"], str) or not _SHA256.fullmatch(fields["ciphertext_sha256"]):
        return "ciphertext_sha256", "is not 64 lower-case hex digits"
    if not isinstance(fields["received_at"], str) or not _TIME.fullmatch(fields["received_at"]):
        return "received_at", "is not a UTC time like 2025-03-01T02:15:30.000000Z"
    try:
        datetime.fromisoformat(fields["received_at"])
    except ValueError:
        return "received_at", "is not a real time"
    return None
