"""Tender key pairs and the key hierarchy that keeps their private halves.

Each tender gets an X25519 key pair when it is announced. Its public key is published with the tender
as text, ``x25519:`` followed by the 32 raw bytes in unpadded base64url, so a vendor can seal a bid on
its own machine. People compare keys by their *fingerprint*: the SHA-256 of the raw public key, its
first 16 bytes in lower-case hex, in groups of four separated by colons::

    >>> fingerprint(bytes(32))
    '6668:7aad:f862:bd77:6c8f:c18b:8e9f:8e20'

Sixteen bytes keep it short enough to read aloud while leaving 2**128 work to forge a key with the
same fingerprint.

The private half is never stored in clear: it is wrapped (AES-256-GCM) under its tenant's key, which
is itself wrapped under the hub's master key. A wrapped key is bound to a *context* naming its owner
(``tender_key_context``, ``tenant_key_context``), so a wrapped key copied to another row does not
open. Rotating the tenant or master key re-wraps keys, never bids.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from hub.core.errors import InvalidInput
from hub.core.key_wrapping import KEY_SIZE, UnwrapError, unwrap, wrap
from tenants.sealing._codec import b64url_decode, b64url_encode
from tenants.sealing.errors import KeyUnwrapError

PUBLIC_KEY_PREFIX = "x25519:"
_WRAP_DOMAIN = b"lpse-hub/key-wrap/v1|"
_RAW = serialization.Encoding.Raw


def generate_tender_keypair() -> tuple[bytes, bytes]:
    """A fresh X25519 key pair for one tender, as ``(private_raw, public_raw)``, 32 bytes each."""
    private = X25519PrivateKey.generate()
    private_raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return private_raw, private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def derive_public_key(private_raw: bytes) -> bytes:
    """The raw public key that belongs to a raw X25519 private key."""
    if len(private_raw) != KEY_SIZE:
        raise ValueError(f"an X25519 private key is {KEY_SIZE} bytes, not {len(private_raw)}")
    private = X25519PrivateKey.from_private_bytes(private_raw)
    return private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def fingerprint(public_raw: bytes) -> str:
    """The human-comparable fingerprint of a raw public key (see the module's docstring)."""
    digest = hashlib.sha256(public_raw).hexdigest()[:32]
    return ":".join(digest[i : i + 4] for i in range(0, 32, 4))


def encode_public_key(public_raw: bytes) -> str:
    """A tender's public key as published: ``x25519:`` and the raw key in unpadded base64url."""
    if len(public_raw) != KEY_SIZE:
        raise ValueError(f"an X25519 public key is {KEY_SIZE} bytes, not {len(public_raw)}")
    return PUBLIC_KEY_PREFIX + b64url_encode(public_raw)


def decode_public_key(text: str) -> bytes:
    """The raw key from its published text (surrounding whitespace ignored); ``InvalidInput`` otherwise."""
    text = text.strip()
    if not text.startswith(PUBLIC_KEY_PREFIX):
        raise InvalidInput(f"a tender key starts with {PUBLIC_KEY_PREFIX!r}", field="tender_key")
    try:
        raw = b64url_decode(text.removeprefix(PUBLIC_KEY_PREFIX))
    except ValueError as exc:
        raise InvalidInput(f"the tender key is {exc}", field="tender_key") from None
    if len(raw) != KEY_SIZE:
        raise InvalidInput(f"the tender key is {len(raw)} bytes, not {KEY_SIZE}", field="tender_key")
    return raw


def new_tenant_key() -> bytes:
    """A fresh 256-bit tenant key, the middle layer between the master key and the tender keys."""
    return os.urandom(KEY_SIZE)


def tenant_key_context(tenant_code: str) -> str:
    """The context a tenant's key is wrapped in under the master key."""
    return f"tenant-key|{tenant_code}"


def tender_key_context(tenant_code: str, tender_id: int) -> str:
    """The context a tender's private key is wrapped in under its tenant's key."""
    return f"tender-key|{tenant_code}|{tender_id}"


def wrap_key(key: bytes, wrapping_key: bytes, context: str) -> bytes:
    """``key`` wrapped under ``wrapping_key`` (``hub.core.key_wrapping``) and bound to ``context``.

    The context is prefixed with ``lpse-hub/key-wrap/v1|`` so it cannot be confused with other uses
    of the same key; only the same context unwraps it.
    """
    return wrap(key, wrapping_key, _WRAP_DOMAIN + context.encode("utf-8"))


def unwrap_key(wrapped: bytes, wrapping_key: bytes, context: str) -> bytes:
    """The key ``wrap_key`` wrapped; ``KeyUnwrapError`` if the key, context or bytes are not the same."""
    try:
        return unwrap(wrapped, wrapping_key, _WRAP_DOMAIN + context.encode("utf-8"))
    except UnwrapError as exc:
        raise KeyUnwrapError(
            f"the wrapped key for {context!r} does not open: {exc} (another wrapping key, another "
            "context, or altered bytes)"
        ) from None
