"""The one implementation of key wrapping in the hub: AES-256-GCM under a 256-bit key.

A wrapped key is a random 12-byte nonce, then the ciphertext and its 16-byte tag. The associated data
binds the wrapped key to what it belongs to (a signing key's ``kid``, a tenant's code, a tender), so a
wrapped key copied to another row does not open. Callers choose the associated data; they never call
AES-GCM themselves.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16


class UnwrapError(ValueError):
    """The wrapped bytes do not open with this key and associated data."""


def wrap(key: bytes, wrapping_key: bytes, associated_data: bytes) -> bytes:
    """``key`` encrypted under ``wrapping_key`` and bound to ``associated_data``."""
    if len(wrapping_key) != KEY_SIZE:
        raise ValueError(f"a wrapping key is {KEY_SIZE} bytes, not {len(wrapping_key)}")
    nonce = os.urandom(NONCE_SIZE)
    return nonce + AESGCM(wrapping_key).encrypt(nonce, key, associated_data)


def unwrap(wrapped: bytes, wrapping_key: bytes, associated_data: bytes) -> bytes:
    """The key ``wrap`` wrapped; ``UnwrapError`` for another key, other associated data or altered bytes."""
    if len(wrapping_key) != KEY_SIZE:
        raise UnwrapError(f"a wrapping key is {KEY_SIZE} bytes, not {len(wrapping_key)}")
    if len(wrapped) < NONCE_SIZE + TAG_SIZE:
        raise UnwrapError(
            f"the wrapped key is too short ({len(wrapped)} bytes, at least {NONCE_SIZE + TAG_SIZE})"
        )
    try:
        return AESGCM(wrapping_key).decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], associated_data)
    except InvalidTag:
        raise UnwrapError("the wrapped key does not open with this key and associated data") from None
