"""The receipt key kept unwrapped by a process: the same key while the database holds the same row,
unwrapped again when the row changes, at most ``SIZE`` kept, never one that does not open."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization

from hub.core.master_key import MasterKey
from tenants.sealing import KeyUnwrapError, generate_receipt_key, receipt_public_key_of, wrap_key
from tenants.tenders.preparation.bid_keys import ReceiptSigners


def _master() -> MasterKey:
    return MasterKey.parse(MasterKey.generate())


def _wrapped(master: MasterKey) -> tuple[str, bytes, bytes]:
    """A new receipt key as its row holds it: ``kid``, the wrapped private half, the raw public half."""
    private, public = generate_receipt_key()
    kid = hashlib.sha256(public).hexdigest()[:16]
    return kid, wrap_key(private, master.key, f"lpse-hub/receipt-key/{kid}"), public


def _public_raw(signers: ReceiptSigners, kid: str, wrapped: bytes) -> bytes:
    public = signers.signer(kid, wrapped).public_key()
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_the_kept_key_is_the_rows_key_and_is_unwrapped_once() -> None:
    master = _master()
    kid, wrapped, public = _wrapped(master)
    signers = ReceiptSigners(master)
    first = signers.signer(kid, wrapped)
    assert _public_raw(signers, kid, wrapped) == public
    assert signers.signer(kid, bytes(wrapped)) is first  # equal bytes read again: the same key object


def test_a_row_rewrapped_under_a_new_master_key_is_unwrapped_again() -> None:
    old, new = _master(), _master()
    kid, wrapped, public = _wrapped(old)
    private_seen = ReceiptSigners(old).signer(kid, wrapped)
    raw = private_seen.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    rewrapped = wrap_key(raw, new.key, f"lpse-hub/receipt-key/{kid}")
    signers = ReceiptSigners(new)
    assert _public_raw(signers, kid, rewrapped) == public == receipt_public_key_of(raw)
    with pytest.raises(KeyUnwrapError):  # the old wrapping does not open with the new master key
        signers.signer(kid, wrapped)


def test_a_wrapped_key_moved_to_another_kid_does_not_open() -> None:
    master = _master()
    kid, wrapped, _ = _wrapped(master)
    signers = ReceiptSigners(master)
    signers.signer(kid, wrapped)
    with pytest.raises(KeyUnwrapError):  # kept under its own kid only, and bound to it when wrapped
        signers.signer("0" * 16, wrapped)


def test_at_most_size_keys_are_kept_the_oldest_dropped() -> None:
    master = _master()
    signers = ReceiptSigners(master)
    rows = [_wrapped(master) for _ in range(ReceiptSigners.SIZE + 1)]
    first = signers.signer(rows[0][0], rows[0][1])
    for kid, wrapped, _ in rows[1:]:
        signers.signer(kid, wrapped)
    again = signers.signer(rows[0][0], rows[0][1])
    assert again is not first  # dropped, then unwrapped again: the same key, a new object
    assert _public_raw(signers, rows[0][0], rows[0][1]) == rows[0][2]
