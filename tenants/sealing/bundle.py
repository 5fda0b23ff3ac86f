"""Sealed bids: what a vendor uploads, and how the selection committee opens it after the deadline.

A vendor seals a bid on its own machine with the tender's public key; the hub stores the bundle and
cannot read it. Bundle format version 1 is one UTF-8 JSON object, sorted keys, no spaces::

    {"ciphertext": b64url, "enc": b64url, "key_fingerprint": "6668:7aad:...", "nonce": b64url,
     "tender": 12, "tenant": "3507", "v": 1, "vendor": 34, "wrapped_key": b64url}

- A fresh random 256-bit *data key* is drawn for every bid. HKDF-SHA256 turns it into the payload
  key and a 32-byte key commitment.
- ``ciphertext`` is the commitment followed by AES-256-GCM of the plaintext container (see
  ``_container``) under the payload key with the 12-byte ``nonce``. The commitment makes the
  ciphertext open under one data key only, so the SHA-256 of ``ciphertext`` (``SealedBundle.sha256``,
  what receipts sign) pins down the bid itself, not merely its bytes.
- ``enc`` and ``wrapped_key`` are HPKE (RFC 9180, base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
  AES-256-GCM) single-shot encryption of the data key to the tender's public key: ``enc`` the 32-byte
  encapsulated key, ``wrapped_key`` the 48-byte sealed data key.
- Both encryptions take ``lpse-hub/bid/v1|<tenant>|<tender>|<vendor>`` as associated data (HPKE's
  ``info``), built from what the opener expects, not from the bundle, so a bundle moved to another
  tenant, tender or vendor does not open even with its labels edited to match.
- ``key_fingerprint`` names the tender key it was sealed for, so the hub can refuse a bundle sealed
  for the wrong key at upload, long before anyone could notice by opening it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.core.errors import InvalidInput
from hub.core.key_wrapping import KEY_SIZE, NONCE_SIZE
from tenants.sealing import _container
from tenants.sealing._codec import (
    b64url_encode,
    canonical_json,
    field_bytes,
    is_id,
    is_tenant_code,
    load_object,
)
from tenants.sealing._container import BidFile, OpenedBid
from tenants.sealing.errors import TamperedBid
from tenants.sealing.tender_keys import derive_public_key, fingerprint

__all__ = [
    "BUNDLE_VERSION",
    "BidFile",
    "OpenedBid",
    "SealedBundle",
    "check_bundle_for",
    "open_bid",
    "parse_bundle",
    "seal_bid",
]

BUNDLE_VERSION = 1
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_ENC_SIZE = 32
_WRAPPED_SIZE = KEY_SIZE + 16
_COMMITMENT_SIZE = 32
_KEYS = frozenset(
    {"ciphertext", "enc", "key_fingerprint", "nonce", "tender", "tenant", "v", "vendor", "wrapped_key"}
)
_FINGERPRINT = re.compile(r"[0-9a-f]{4}(?::[0-9a-f]{4}){7}")


@dataclass(frozen=True, slots=True)
class SealedBundle:
    """A sealed bid as stored: who it is from, which tender key it is for, and the encrypted parts."""

    version: int
    tenant: str
    tender: int
    vendor: int
    key_fingerprint: str
    enc: bytes
    wrapped_key: bytes
    nonce: bytes
    ciphertext: bytes

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of ``ciphertext``: what a receipt signs, and what a vendor checks it against."""
        return hashlib.sha256(self.ciphertext).hexdigest()

    def to_bytes(self) -> bytes:
        """The canonical serialization (what ``seal_bid`` returns and ``parse_bundle`` reads)."""
        return canonical_json(
            {
                "ciphertext": b64url_encode(self.ciphertext),
                "enc": b64url_encode(self.enc),
                "key_fingerprint": self.key_fingerprint,
                "nonce": b64url_encode(self.nonce),
                "tender": self.tender,
                "tenant": self.tenant,
                "v": self.version,
                "vendor": self.vendor,
                "wrapped_key": b64url_encode(self.wrapped_key),
            }
        )


def seal_bid(
    tender_public_raw: bytes,
    *,
    tenant_code: str,
    tender_id: int,
    vendor_id: int,
    price: int,
    files: list[BidFile],
) -> bytes:
    """Seal a vendor's price and documents for one tender; the serialized bundle, ready to upload.

    Refuses (``InvalidInput``) a public key that is not 32 bytes, a price that is not a whole number
    of rupiah above 0, and files with directory names, duplicate names or no content type.
    """
    _check_binding(tenant_code, tender_id, vendor_id)
    problem = _container.price_problem(price)
    if problem:
        raise InvalidInput(problem, field="price")
    try:
        plaintext = _container.pack(price, files)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="files") from None
    aad = _associated_data(tenant_code, tender_id, vendor_id)
    data_key = AESGCM.generate_key(bit_length=256)
    payload_key, commitment = _payload_keys(data_key)
    nonce = os.urandom(NONCE_SIZE)
    sealed_key = _wrap_data_key(data_key, tender_public_raw, aad)
    bundle = SealedBundle(
        version=BUNDLE_VERSION,
        tenant=tenant_code,
        tender=tender_id,
        vendor=vendor_id,
        key_fingerprint=fingerprint(tender_public_raw),
        enc=sealed_key[:_ENC_SIZE],
        wrapped_key=sealed_key[_ENC_SIZE:],
        nonce=nonce,
        ciphertext=commitment + AESGCM(payload_key).encrypt(nonce, plaintext, aad),
    )
    return bundle.to_bytes()


def parse_bundle(data: bytes, max_size: int | None = None) -> SealedBundle:
    """Read a serialized bundle, strictly: ``InvalidInput`` (field ``bundle``) naming what is wrong.

    Checks the structure only (fields, types, sizes, version); whether it is for the right tender is
    ``check_bundle_for``, and whether it opens is ``open_bid``.
    """
    if max_size is not None and len(data) > max_size:
        raise InvalidInput(
            f"the bundle is {len(data)} bytes, more than the limit of {max_size}", field="bundle"
        )
    try:
        return _parse(data)
    except ValueError as exc:
        raise InvalidInput(f"not a sealed bid bundle: {exc}", field="bundle") from None


def _parse(data: bytes) -> SealedBundle:
    document: dict[str, Any] = load_object(data, _KEYS)
    if type(document["v"]) is not int or document["v"] != BUNDLE_VERSION:
        raise ValueError(f"version {document['v']!r} is not {BUNDLE_VERSION}")
    if not is_tenant_code(document["tenant"]):
        raise ValueError("tenant is not a tenant code")
    for key in ("tender", "vendor"):
        if not is_id(document[key]):
            raise ValueError(f"{key} is not a positive integer")
    if not isinstance(document["key_fingerprint"], str) or not _FINGERPRINT.fullmatch(
        document["key_fingerprint"]
    ):
        raise ValueError("key_fingerprint is not a key fingerprint")
    return SealedBundle(
        version=document["v"],
        tenant=document["tenant"],
        tender=document["tender"],
        vendor=document["vendor"],
        key_fingerprint=document["key_fingerprint"],
        enc=field_bytes(document, "enc", size=_ENC_SIZE),
        wrapped_key=field_bytes(document, "wrapped_key", size=_WRAPPED_SIZE),
        nonce=field_bytes(document, "nonce", size=NONCE_SIZE),
        ciphertext=field_bytes(document, "ciphertext", minimum=_COMMITMENT_SIZE + 16),
    )


def check_bundle_for(
    bundle: SealedBundle, *, tenant_code: str, tender_id: int, vendor_id: int, public_raw: bytes
) -> None:
    """Refuse, at upload, a bundle that names another tenant, tender or vendor, or another tender key.

    This reads labels only (the hub cannot decrypt before the opening); ``open_bid`` later checks the
    same binding cryptographically.
    """
    problem = _label_problem(bundle, tenant_code, tender_id, vendor_id)
    if problem is None and bundle.key_fingerprint != fingerprint(public_raw):
        problem = (
            f"it is sealed for key {bundle.key_fingerprint}, not this tender's key {fingerprint(public_raw)}"
        )
    if problem:
        raise InvalidInput(f"the bundle does not belong here: {problem}", field="bundle")


def open_bid(
    bundle: SealedBundle, tender_private_raw: bytes, *, tenant_code: str, tender_id: int, vendor_id: int
) -> OpenedBid:
    """Decrypt a bid with its tender's private key; ``TamperedBid`` naming what failed.

    The tenant, tender and vendor are the ones the caller expects (from its own records), and they,
    not the bundle's labels, are what the ciphertext is checked against.
    """
    problem = _label_problem(bundle, tenant_code, tender_id, vendor_id)
    if problem:
        raise TamperedBid(f"the bid does not belong here: {problem}")
    key_fingerprint = fingerprint(derive_public_key(tender_private_raw))
    if bundle.key_fingerprint != key_fingerprint:
        raise TamperedBid(f"the bid is sealed for key {bundle.key_fingerprint}, not {key_fingerprint}")
    aad = _associated_data(tenant_code, tender_id, vendor_id)
    private = X25519PrivateKey.from_private_bytes(tender_private_raw)
    try:
        data_key = _SUITE.decrypt(bundle.enc + bundle.wrapped_key, private, info=aad)
    except (InvalidTag, ValueError):
        raise TamperedBid(
            "the data key does not unwrap: enc or wrapped_key altered, another tender key, "
            "or the bid was moved from another tenant, tender or vendor"
        ) from None
    payload_key, commitment = _payload_keys(data_key)
    if not hmac.compare_digest(bundle.ciphertext[:_COMMITMENT_SIZE], commitment):
        raise TamperedBid("the ciphertext is not committed to its data key: ciphertext altered")
    try:
        plaintext = AESGCM(payload_key).decrypt(bundle.nonce, bundle.ciphertext[_COMMITMENT_SIZE:], aad)
    except InvalidTag:
        raise TamperedBid("the ciphertext does not decrypt: ciphertext or nonce altered") from None
    try:
        return _container.unpack(plaintext)
    except ValueError as exc:
        raise TamperedBid(f"the bid's contents are malformed: {exc}") from None


def _check_binding(tenant_code: str, tender_id: int, vendor_id: int) -> None:
    if not is_tenant_code(tenant_code):
        raise InvalidInput(f"{tenant_code!r} is not a tenant code", field="tenant")
    if not is_id(tender_id):
        raise InvalidInput("the tender id is a positive integer", field="tender")
    if not is_id(vendor_id):
        raise InvalidInput("the vendor id is a positive integer", field="vendor")


def _associated_data(tenant_code: str, tender_id: int, vendor_id: int) -> bytes:
    """What binds a bid to its place: the codes cannot contain ``|``, so the text reads one way."""
    _check_binding(tenant_code, tender_id, vendor_id)
    return f"lpse-hub/bid/v{BUNDLE_VERSION}|{tenant_code}|{tender_id}|{vendor_id}".encode("ascii")


def _wrap_data_key(data_key: bytes, public_raw: bytes, aad: bytes) -> bytes:
    """HPKE single-shot encryption of the data key to the tender key: ``enc`` then the sealed key."""
    if len(public_raw) != KEY_SIZE:
        raise InvalidInput(f"the tender key is {len(public_raw)} bytes, not {KEY_SIZE}", field="tender_key")
    try:
        return _SUITE.encrypt(data_key, X25519PublicKey.from_public_bytes(public_raw), info=aad)
    except ValueError:  # a low-order point: no shared secret can be agreed with it
        raise InvalidInput("the tender key is not a usable X25519 public key", field="tender_key") from None


def _payload_keys(data_key: bytes) -> tuple[bytes, bytes]:
    """The payload's AES key and the commitment to the data key, both derived from the data key."""
    derived = HKDF(hashes.SHA256(), length=2 * KEY_SIZE, salt=None, info=b"lpse-hub/bid/v1/payload").derive(
        data_key
    )
    return derived[:KEY_SIZE], derived[KEY_SIZE:]


def _label_problem(bundle: SealedBundle, tenant_code: str, tender_id: int, vendor_id: int) -> str | None:
    if bundle.tenant != tenant_code:
        return f"it names tenant {bundle.tenant}, not {tenant_code}"
    if bundle.tender != tender_id:
        return f"it names tender {bundle.tender}, not {tender_id}"
    if bundle.vendor != vendor_id:
        return f"it names vendor {bundle.vendor}, not {vendor_id}"
    return None
