"""A bundle signed by its vendor: checked by anyone with the vendor's public key, whatever its bytes'
layout, and no longer once any of its fields changed."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tenants.sealing import (
    BadSignature,
    SealedBundle,
    parse_bundle,
    public_raw_of,
    signing_key_id,
    verify_bundle_signature,
)


def test_the_vendors_signature_verifies_whatever_the_bytes_layout(
    sealed: bytes, bundle: SealedBundle, vendor_key: Ed25519PrivateKey
) -> None:
    assert (bundle.sealed_by, bundle.signer) == ("vendor", signing_key_id(public_raw_of(vendor_key)))
    verify_bundle_signature(bundle, public_raw_of(vendor_key))
    spread = json.dumps(json.loads(sealed), indent=2).encode()  # the same bundle, other bytes
    verify_bundle_signature(parse_bundle(spread), public_raw_of(vendor_key))


def test_the_signature_covers_the_ciphertext_by_its_hash_in_a_small_message(
    bundle: SealedBundle, vendor_key: Ed25519PrivateKey
) -> None:
    message = bundle.signed_message()
    assert bundle.sha256.encode() in message
    assert len(message) < 600  # a few hundred bytes, whatever the bid's size
    assert len(replace(bundle, ciphertext=bundle.ciphertext * 1000).signed_message()) == len(message)
    flipped = replace(bundle, ciphertext=bytes([bundle.ciphertext[0] ^ 1]) + bundle.ciphertext[1:])
    with pytest.raises(BadSignature, match="does not verify"):
        verify_bundle_signature(flipped, public_raw_of(vendor_key))


@pytest.mark.parametrize(
    "field", ["tender", "vendor", "key_fingerprint", "enc", "wrapped_key", "nonce", "ciphertext"]
)
def test_a_signed_bundle_changed_in_any_field_no_longer_verifies(
    sealed: bytes, vendor_key: Ed25519PrivateKey, field: str
) -> None:
    document = json.loads(sealed)
    value = document[field]
    if isinstance(value, int):
        document[field] = value + 1
    else:  # another first character of the same alphabet (hex or base64url)
        document[field] = ("1" if value[0] == "0" else "0") + value[1:]
    changed = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(BadSignature, match="does not verify"):
        verify_bundle_signature(parse_bundle(changed), public_raw_of(vendor_key))


def test_another_key_or_no_signature_does_not_verify(bundle: SealedBundle) -> None:
    other = public_raw_of(Ed25519PrivateKey.generate())
    with pytest.raises(BadSignature, match="names key"):
        verify_bundle_signature(bundle, other)
    with pytest.raises(BadSignature, match="no vendor's signature"):
        verify_bundle_signature(replace(bundle, signature=None, sealed_by="hub"), other)
