"""Vendors' signing keys and what they sign, with no database: the vendor's machine and the hub alike.

A vendor's user makes an Ed25519 key pair on its own machine and registers the public half with the
hub; the private half never leaves that machine. Published as ``ed25519:`` and the raw 32 bytes in
unpadded base64url (as receipt and checkpoint keys are), and named by its *key id*, the fingerprint
of ``tender_keys`` (the first 16 bytes of the SHA-256 of the raw key, hex in groups of four).

Two things are signed, each message starting with a line of its own so that a signature over one can
never be taken for the other:

- a sealed bundle (``lpse-hub bid bundle v2``, see ``bundle``), by the vendor who sealed it;
- a *content statement* (``lpse-hub bid statement v1``): tenant, tender, vendor, price and each file's
  name, SHA-256 and size, canonical JSON. A vendor whose bid the hub seals for it (the browser form)
  signs this, since it cannot sign a bundle it never sees. The statement's signature travels inside the
  sealed container, never in the clear: next to the public key it would let anyone test guesses of
  the price.

The private key is kept in a PKCS#8 PEM file, encrypted with a passphrase when one is given.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.core.errors import InvalidInput
from tenants.sealing._codec import b64url_decode, b64url_encode, canonical_json, is_id, is_tenant_code
from tenants.sealing.errors import BadSignature
from tenants.sealing.tender_keys import fingerprint

SIGNING_KEY_PREFIX = "ed25519:"
SIGNATURE_SIZE = 64
BUNDLE_DOMAIN = b"lpse-hub bid bundle v2\n"
STATEMENT_DOMAIN = b"lpse-hub bid statement v1\n"
_RAW = serialization.Encoding.Raw


def public_raw_of(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def signing_key_id(public_raw: bytes) -> str:
    """The key id by which bundles and the hub name a vendor's signing key."""
    return fingerprint(public_raw)


def encode_signing_public_key(public_raw: bytes) -> str:
    """An Ed25519 public key as published: ``ed25519:`` and the raw key in unpadded base64url."""
    if len(public_raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, not {len(public_raw)}")
    return SIGNING_KEY_PREFIX + b64url_encode(public_raw)


def decode_signing_public_key(text: str) -> bytes:
    """The raw key from its published text; ``InvalidInput`` (field ``public_key``) otherwise."""
    return decode_ed25519_public_key(text, what="signing key", field="public_key")


def decode_ed25519_public_key(text: str, *, what: str, field: str) -> bytes:
    """The raw key of a published Ed25519 key (``ed25519:`` and base64url, surrounding whitespace
    ignored; receipt keys are published so too); ``InvalidInput`` naming ``what`` and ``field``."""
    text = text.strip()
    if not text.startswith(SIGNING_KEY_PREFIX):
        raise InvalidInput(f"a {what} starts with {SIGNING_KEY_PREFIX!r}", field=field)
    try:
        raw = b64url_decode(text.removeprefix(SIGNING_KEY_PREFIX))
    except ValueError as exc:
        raise InvalidInput(f"the {what} is {exc}", field=field) from None
    if len(raw) != 32:
        raise InvalidInput(f"the {what} is {len(raw)} bytes, not 32", field=field)
    return raw


def verify_signature(public_raw: bytes, signature: bytes, message: bytes, *, what: str) -> None:
    """``BadSignature`` naming ``what`` unless ``signature`` is the key's over ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise BadSignature(
            f"the {what}'s signature does not verify with key {signing_key_id(public_raw)}"
        ) from None


@dataclass(frozen=True, slots=True)
class StatedFile:
    """A file as a content statement names it: what the vendor meant to send."""

    name: str
    sha256: str
    size: int


def content_statement(
    *, tenant_code: str, tender_id: int, vendor_id: int, price: int, files: list[StatedFile]
) -> bytes:
    """The message a vendor signs for a bid the hub seals for it: the statement's domain line, then
    the canonical JSON ``{"files": [{"name", "sha256", "size"}, ...], "price", "tender", "tenant",
    "v": 1, "vendor"}`` with the files in the order sent."""
    if not is_tenant_code(tenant_code) or not is_id(tender_id) or not is_id(vendor_id):
        raise InvalidInput("a statement names a tenant code, a tender id and a vendor id", field="statement")
    document = {
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in files],
        "price": price,
        "tender": tender_id,
        "tenant": tenant_code,
        "v": 1,
        "vendor": vendor_id,
    }
    return STATEMENT_DOMAIN + canonical_json(document)


def stated(name: str, data: bytes) -> StatedFile:
    return StatedFile(name, hashlib.sha256(data).hexdigest(), len(data))


def encode_signature(signature: bytes) -> str:
    """A signature as forms and bundles carry it: unpadded base64url."""
    return b64url_encode(signature)


def decode_signature(text: str, *, field: str = "signature") -> bytes:
    try:
        raw = b64url_decode(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"the signature is {exc}", field=field) from None
    if len(raw) != SIGNATURE_SIZE:
        raise InvalidInput(f"the signature is {len(raw)} bytes, not {SIGNATURE_SIZE}", field=field)
    return raw


def private_key_pem(private: Ed25519PrivateKey, passphrase: bytes | None) -> bytes:
    """The private key as PKCS#8 PEM, encrypted under ``passphrase`` when there is one."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_private_key_pem(data: bytes, passphrase: bytes | None) -> Ed25519PrivateKey:
    """The signing key of a PEM file ``private_key_pem`` wrote; ``InvalidInput`` (field
    ``signing_key``) for another kind of key, a wrong or missing passphrase, or not a key at all."""
    try:
        key = serialization.load_pem_private_key(data, passphrase or None)
    except TypeError:
        raise InvalidInput(
            "the signing key file is encrypted: give its passphrase"
            if passphrase is None
            else "the signing key file is not encrypted: give no passphrase",
            field="signing_key",
        ) from None
    except ValueError:
        raise InvalidInput(
            "the signing key file is not a PEM private key, or the passphrase is wrong", field="signing_key"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput("the signing key file holds another kind of key than Ed25519", field="signing_key")
    return key
