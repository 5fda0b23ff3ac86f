"""Tender key pairs, their published form and fingerprint, and the key hierarchy."""

from __future__ import annotations

import re

import pytest

from hub.core.errors import InvalidInput
from tenants.sealing import (
    KeyUnwrapError,
    decode_public_key,
    derive_public_key,
    encode_public_key,
    fingerprint,
    generate_tender_keypair,
    new_tenant_key,
    tender_key_context,
    unwrap_key,
    wrap_key,
)


def test_a_tender_keypair_is_two_raw_32_byte_halves_that_belong_together() -> None:
    private_raw, public_raw = generate_tender_keypair()
    assert (len(private_raw), len(public_raw)) == (32, 32)
    assert derive_public_key(private_raw) == public_raw
    assert generate_tender_keypair()[0] != private_raw


def test_fingerprint_is_the_first_16_bytes_of_sha256_in_groups_of_four() -> None:
    assert fingerprint(bytes(32)) == "6668:7aad:f862:bd77:6c8f:c18b:8e9f:8e20"
    assert re.fullmatch(r"[0-9a-f]{4}(:[0-9a-f]{4}){7}", fingerprint(generate_tender_keypair()[1]))


def test_a_public_key_survives_its_published_form() -> None:
    public_raw = generate_tender_keypair()[1]
    text = encode_public_key(public_raw)
    assert text.startswith("x25519:")
    assert "=" not in text
    assert decode_public_key(f"  {text}\n") == public_raw


@pytest.mark.parametrize(
    "text",
    [
        "",
        "AAAA",
        "ed25519:" + "A" * 43,
        "x25519:" + "A" * 42,  # 31 bytes
        "x25519:" + "A" * 44,  # 33 bytes
        "x25519:" + "A" * 42 + "+/",  # base64, not base64url
        "x25519:" + "A" * 43 + "=",  # padded
        "x25519:" + "A" * 42 + "B",  # stray bits: not the canonical text of any key
        "x25519:" + "A" * 20 + " " + "A" * 22,
    ],
)
def test_a_malformed_public_key_is_invalid_input_about_the_tender_key(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_public_key(text)
    assert raised.value.field == "tender_key"


def test_a_wrapped_key_unwraps_with_the_same_key_and_context() -> None:
    tenant_key, tender_private = new_tenant_key(), generate_tender_keypair()[0]
    wrapped = wrap_key(tender_private, tenant_key, tender_key_context("3507", 12))
    assert len(wrapped) == 12 + 32 + 16
    assert unwrap_key(wrapped, tenant_key, tender_key_context("3507", 12)) == tender_private
    assert wrap_key(tender_private, tenant_key, "x") != wrap_key(tender_private, tenant_key, "x")


def test_a_wrapped_key_does_not_unwrap_in_another_context() -> None:
    tenant_key = new_tenant_key()
    wrapped = wrap_key(b"k" * 32, tenant_key, tender_key_context("3507", 12))
    with pytest.raises(KeyUnwrapError, match="does not open"):
        unwrap_key(wrapped, tenant_key, tender_key_context("3507", 13))


def test_a_wrapped_key_does_not_unwrap_with_another_wrapping_key() -> None:
    wrapped = wrap_key(b"k" * 32, new_tenant_key(), "ctx")
    with pytest.raises(KeyUnwrapError):
        unwrap_key(wrapped, new_tenant_key(), "ctx")


@pytest.mark.parametrize("position", [0, 11, 12, -1])
def test_an_altered_wrapped_key_does_not_unwrap(position: int) -> None:
    key = new_tenant_key()
    wrapped = bytearray(wrap_key(b"k" * 32, key, "ctx"))
    wrapped[position] ^= 0x01
    with pytest.raises(KeyUnwrapError):
        unwrap_key(bytes(wrapped), key, "ctx")


def test_a_truncated_wrapped_key_is_refused_as_an_unwrap_error() -> None:
    with pytest.raises(KeyUnwrapError, match="too short"):
        unwrap_key(b"\x00" * 20, new_tenant_key(), "ctx")


def test_tenant_keys_are_fresh_256_bit_keys() -> None:
    assert len(new_tenant_key()) == 32
    assert new_tenant_key() != new_tenant_key()
