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

Version 2 (issue 15: vendors sign their bids) adds ``sealed_by``, ``signer`` and, for a bundle the
vendor sealed, ``signature``::

    {..., "sealed_by": "vendor", "signer": "9f2c:...", "signature": b64url, "v": 2, ...}

- ``sealed_by: "vendor"``: sealed on the vendor's machine. ``signature`` is the vendor's Ed25519
  signature, with the key ``signer`` names (its key id, ``signatures.signing_key_id``), over
  ``lpse-hub bid bundle v2\n`` followed by the canonical JSON of every other field, the ciphertext
  by its SHA-256 (``SealedBundle.signed_message``): the bundle as sealed. Anyone holding the
  vendor's public key can check it, at any time, without opening anything.
- ``sealed_by: "hub"``: the hub sealed it from the vendor's upload (``seal_for_vendor``) and cannot sign
  for the vendor. There is no ``signature`` outside; the container holds the vendor's signature over
  its content statement (``signatures``), checked once the bid is opened.

Version 1 bundles (before issue 15) are read still, so bids stored before open; the hub accepts only
signed ones now. The associated data stays ``lpse-hub/bid/v1|...``: it names the binding's format,
which has not changed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
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
    load_any_object,
    require_keys,
)
from tenants.sealing._container import BidFile, OpenedBid
from tenants.sealing.errors import BadSignature, TamperedBid
from tenants.sealing.signatures import (
    BUNDLE_DOMAIN,
    SIGNATURE_SIZE,
    content_statement,
    public_raw_of,
    signing_key_id,
    stated,
    verify_signature,
)
from tenants.sealing.tender_keys import derive_public_key, fingerprint

__all__ = [
    "BUNDLE_VERSION",
    "SEALED_BY_HUB",
    "SEALED_BY_VENDOR",
    "BidFile",
    "OpenedBid",
    "SealedBundle",
    "check_bundle_for",
    "open_bid",
    "parse_bundle",
    "seal_bid",
    "seal_for_vendor",
    "verify_bundle_signature",
    "verify_statement_signature",
]

BUNDLE_VERSION = 2
SEALED_BY_VENDOR, SEALED_BY_HUB = "vendor", "hub"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_ENC_SIZE = 32
_WRAPPED_SIZE = KEY_SIZE + 16
_COMMITMENT_SIZE = 32
_V1_KEYS = frozenset(
    {"ciphertext", "enc", "key_fingerprint", "nonce", "tender", "tenant", "v", "vendor", "wrapped_key"}
)
_KEYS = {
    SEALED_BY_VENDOR: _V1_KEYS | {"sealed_by", "signer", "signature"},
    SEALED_BY_HUB: _V1_KEYS | {"sealed_by", "signer"},
}
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
    sealed_by: str | None = None
    """``vendor`` or ``hub`` (version 2); ``None`` for version 1."""
    signer: str | None = None
    """The key id of the vendor's signing key (version 2)."""
    signature: bytes | None = None
    """The vendor's signature over the bundle (``sealed_by`` ``vendor`` only)."""
    sha256: str = field(init=False, repr=False, compare=False)
    """Hex SHA-256 of ``ciphertext``: what version 1 receipts signed, what the vendor's signature
    covers, and what the audit entry records; hashed once, when the bundle is made or parsed."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", hashlib.sha256(self.ciphertext).hexdigest())

    def to_bytes(self) -> bytes:
        """The canonical serialization (what ``seal_bid`` returns and ``parse_bundle`` reads)."""
        fields = self._fields() | {"ciphertext": b64url_encode(self.ciphertext)}
        if self.signature is not None:
            fields["signature"] = b64url_encode(self.signature)
        return canonical_json(fields)

    def signed_message(self) -> bytes:
        """What the vendor's ``signature`` signs: the domain line, then as canonical JSON every other
        field, the ciphertext by its SHA-256 (``ciphertext_sha256``, hex) rather than its bytes.

        The key commitment at the head of the ciphertext makes that hash pin the bid itself (see the
        module's docstring), so signing it is signing the bundle; and the message stays a few hundred
        bytes whatever the bid's size, so checking a signature in a deadline rush neither copies nor
        hashes the bundle again (the hub hashes the ciphertext for the audit entry anyway), and any
        byte layout of the same bundle verifies.
        """
        return BUNDLE_DOMAIN + canonical_json(self._fields() | {"ciphertext_sha256": self.sha256})

    def _fields(self) -> dict[str, Any]:
        """Every field but the ciphertext and the signature, as serialized."""
        fields: dict[str, Any] = {
            "enc": b64url_encode(self.enc),
            "key_fingerprint": self.key_fingerprint,
            "nonce": b64url_encode(self.nonce),
            "tender": self.tender,
            "tenant": self.tenant,
            "v": self.version,
            "vendor": self.vendor,
            "wrapped_key": b64url_encode(self.wrapped_key),
        }
        if self.version >= 2:
            fields |= {"sealed_by": self.sealed_by, "signer": self.signer}
        return fields


def seal_bid(
    tender_public_raw: bytes,
    *,
    tenant_code: str,
    tender_id: int,
    vendor_id: int,
    price: int,
    files: list[BidFile],
    signing_key: Ed25519PrivateKey | None,
) -> bytes:
    """Seal a vendor's price and documents for one tender and sign the bundle with the vendor's key;
    the serialized bundle, ready to upload. ``signing_key`` ``None`` makes an unsigned version 1
    bundle, as sealed before vendors signed (the hub refuses those now).

    Refuses (``InvalidInput``) a public key that is not 32 bytes, a price that is not a whole number
    of rupiah above 0, and files with directory names, duplicate names or no content type.
    """
    bundle = _seal(tender_public_raw, tenant_code, tender_id, vendor_id, _container_of(price, files))
    if signing_key is None:
        return bundle.to_bytes()
    signed = replace(
        bundle, version=2, sealed_by=SEALED_BY_VENDOR, signer=signing_key_id(public_raw_of(signing_key))
    )
    return replace(signed, signature=signing_key.sign(signed.signed_message())).to_bytes()


def seal_for_vendor(
    tender_public_raw: bytes,
    *,
    tenant_code: str,
    tender_id: int,
    vendor_id: int,
    price: int,
    files: list[BidFile],
    signer: str,
    statement_signature: bytes,
) -> bytes:
    """Seal, as the hub, a bid uploaded by its vendor, with the vendor's signature over its content
    statement inside (checked by the caller before, and by the opening after decrypting)."""
    if len(statement_signature) != SIGNATURE_SIZE:
        raise InvalidInput(f"a signature is {SIGNATURE_SIZE} bytes", field="signature")
    plaintext = _container_of(price, files, (signer, statement_signature))
    bundle = _seal(tender_public_raw, tenant_code, tender_id, vendor_id, plaintext)
    return replace(bundle, version=2, sealed_by=SEALED_BY_HUB, signer=signer).to_bytes()


def _container_of(price: int, files: list[BidFile], signed: tuple[str, bytes] | None = None) -> bytes:
    problem = _container.price_problem(price)
    if problem:
        raise InvalidInput(problem, field="price")
    try:
        return _container.pack(price, files, signed)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="files") from None


def _seal(
    tender_public_raw: bytes, tenant_code: str, tender_id: int, vendor_id: int, plaintext: bytes
) -> SealedBundle:
    """A version 1 bundle of ``plaintext``; the callers make it version 2."""
    _check_binding(tenant_code, tender_id, vendor_id)
    aad = _associated_data(tenant_code, tender_id, vendor_id)
    data_key = AESGCM.generate_key(bit_length=256)
    payload_key, commitment = _payload_keys(data_key)
    nonce = os.urandom(NONCE_SIZE)
    sealed_key = _wrap_data_key(data_key, tender_public_raw, aad)
    return SealedBundle(
        version=1,
        tenant=tenant_code,
        tender=tender_id,
        vendor=vendor_id,
        key_fingerprint=fingerprint(tender_public_raw),
        enc=sealed_key[:_ENC_SIZE],
        wrapped_key=sealed_key[_ENC_SIZE:],
        nonce=nonce,
        ciphertext=commitment + AESGCM(payload_key).encrypt(nonce, plaintext, aad),
    )


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
    document = _load(data)
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
        sealed_by=document.get("sealed_by"),
        signer=document.get("signer"),
        signature=field_bytes(document, "signature", size=SIGNATURE_SIZE)
        if "signature" in document
        else None,
    )


def _load(data: bytes) -> dict[str, Any]:
    """The bundle's JSON object with exactly the fields of its version and sealer: version 2 sealed
    by the vendor (with its signature) or by the hub (without), or version 1."""
    document = load_any_object(data)
    if "sealed_by" not in document and type(document.get("v")) is int and document["v"] == 1:
        require_keys(document, _V1_KEYS)
        return document
    sealed_by = document.get("sealed_by")
    keys = _KEYS.get(sealed_by) if isinstance(sealed_by, str) else None
    require_keys(document, keys or _KEYS[SEALED_BY_VENDOR])
    if type(document["v"]) is not int or document["v"] != BUNDLE_VERSION:
        raise ValueError(f"version {document['v']!r} is not {BUNDLE_VERSION}")
    if sealed_by not in _KEYS:
        raise ValueError("sealed_by is not vendor or hub")
    if not isinstance(document["signer"], str) or not _FINGERPRINT.fullmatch(document["signer"]):
        raise ValueError("signer is not a key id")
    return document


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
    return f"lpse-hub/bid/v1|{tenant_code}|{tender_id}|{vendor_id}".encode("ascii")


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


def verify_bundle_signature(bundle: SealedBundle, public_raw: bytes) -> None:
    """``BadSignature`` unless ``bundle`` was sealed by its vendor and signed with ``public_raw``'s key,
    the key its ``signer`` names (over ``SealedBundle.signed_message``)."""
    if bundle.sealed_by != SEALED_BY_VENDOR or bundle.signature is None:
        raise BadSignature("the bundle carries no vendor's signature")
    if bundle.signer != signing_key_id(public_raw):
        raise BadSignature(f"the bundle names key {bundle.signer}, not {signing_key_id(public_raw)}")
    verify_signature(public_raw, bundle.signature, bundle.signed_message(), what="bundle")


def verify_statement_signature(
    opened: OpenedBid, public_raw: bytes, *, tenant_code: str, tender_id: int, vendor_id: int
) -> None:
    """``BadSignature`` unless an opened bid the hub sealed holds its vendor's signature, with
    ``public_raw``'s key, over its content statement (its price and files, as opened)."""
    if opened.signature is None or opened.signer != signing_key_id(public_raw):
        raise BadSignature("the opened bid holds no statement signed with its vendor's key")
    statement = content_statement(
        tenant_code=tenant_code,
        tender_id=tender_id,
        vendor_id=vendor_id,
        price=opened.price,
        files=[stated(f.name, f.data) for f in opened.files],
    )
    verify_signature(public_raw, opened.signature, statement, what="content statement")
