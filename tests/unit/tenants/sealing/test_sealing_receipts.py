"""Receipts: signed by the hub when it accepts a bid, verified offline by anyone with its key."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.core.errors import InvalidInput
from tenants.sealing import (
    InvalidReceipt,
    decode_receipt_public_key,
    encode_receipt_public_key,
    generate_receipt_key,
    sign_receipt,
    verify_receipt,
)

DIGEST = "ab" * 32
FINGERPRINT = "6668:7aad:0000:1111:2222:3333:4444:5555"
WIB = timezone(timedelta(hours=7))  # Waktu Indonesia Barat
Keys = tuple[bytes, bytes]


@pytest.fixture(scope="module")
def receipt_keys() -> Keys:
    return generate_receipt_key()


@pytest.fixture
def signed(receipt_keys: Keys) -> bytes:
    return sign_receipt(
        receipt_keys[0],
        kid="3f2a9c",
        tenant_code="3507",
        tender_id=12,
        vendor_id=34,
        bundle_sha256=DIGEST,
        key_fingerprint=FINGERPRINT,
        received_at=datetime(2025, 3, 1, 9, 15, 30, 250, tzinfo=WIB),
    )


def v1_receipt(private_raw: bytes, **changes: Any) -> bytes:
    """A receipt as the hub signed them before version 2: over the ciphertext's hash only."""
    fields: dict[str, Any] = {
        "ciphertext_sha256": DIGEST,
        "kid": "3f2a9c",
        "received_at": "2025-03-01T02:15:30.000250Z",
        "tender": 12,
        "tenant": "3507",
        "v": 1,
        "vendor": 34,
    } | changes
    signature = Ed25519PrivateKey.from_private_bytes(private_raw).sign(_canonical(fields))
    return _canonical(fields | {"signature": base64.urlsafe_b64encode(signature).rstrip(b"=").decode()})


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def test_a_receipt_verifies_with_the_hub_key_and_reads_back_its_fields(
    signed: bytes, receipt_keys: Keys
) -> None:
    receipt = verify_receipt(signed, receipt_keys[1])
    assert (receipt.kid, receipt.tenant, receipt.tender, receipt.vendor) == ("3f2a9c", "3507", 12, 34)
    assert (receipt.version, receipt.sha256, receipt.key_fingerprint) == (2, DIGEST, FINGERPRINT)
    assert receipt.received_at == datetime(2025, 3, 1, 2, 15, 30, 250, tzinfo=UTC)
    assert receipt.received_at.utcoffset() == timedelta(0)


def test_a_receipt_is_sorted_json_with_the_time_in_utc(signed: bytes) -> None:
    document = json.loads(signed)
    assert list(document) == sorted(document)
    assert document["received_at"] == "2025-03-01T02:15:30.000250Z"
    assert document["v"] == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"tenant": "3508"},
        {"tender": 13},
        {"vendor": 35},
        {"bundle_sha256": "cd" * 32},
        {"key_fingerprint": FINGERPRINT.replace("a", "b")},
        {"received_at": "2025-03-01T02:15:29.000250Z"},
        {"kid": "other"},
    ],
)
def test_a_receipt_with_an_altered_field_does_not_verify(
    signed: bytes, receipt_keys: Keys, changes: dict[str, Any]
) -> None:
    altered = json.dumps(json.loads(signed) | changes).encode()
    with pytest.raises(InvalidReceipt, match="signature does not verify"):
        verify_receipt(altered, receipt_keys[1])


def test_a_receipt_does_not_verify_with_another_key(signed: bytes) -> None:
    with pytest.raises(InvalidReceipt, match="signature does not verify"):
        verify_receipt(signed, generate_receipt_key()[1])


def test_a_receipt_reformatted_without_changing_a_value_still_verifies(
    signed: bytes, receipt_keys: Keys
) -> None:
    reformatted = json.dumps(json.loads(signed), indent=2).encode()
    assert verify_receipt(reformatted, receipt_keys[1]).tender == 12


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"{", "not valid JSON"),
        (b"[]", "not a JSON object"),
        (b"{}", "missing"),
        (b"x" * 5000, "more than 4096"),
    ],
)
def test_what_is_not_a_receipt_is_refused(receipt_keys: Keys, data: bytes, problem: str) -> None:
    with pytest.raises(InvalidReceipt, match=problem):
        verify_receipt(data, receipt_keys[1])


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"signature": "AAAA"}, "signature is 3 bytes"),
        ({"v": 1}, "v is not 2"),
        ({"v": 3}, "v is not 2"),
        ({"tender": "12"}, "tender is not"),
        ({"received_at": "2025-03-01T02:15:30Z"}, "received_at is not"),
        ({"received_at": "2025-02-30T02:15:30.000000Z"}, "not a real time"),
        ({"bundle_sha256": "AB" * 32}, "bundle_sha256"),
        ({"key_fingerprint": "ab:cd"}, "key_fingerprint"),
        ({"extra": 1}, "unknown field"),
    ],
)
def test_a_receipt_with_a_malformed_field_is_refused_naming_it(
    signed: bytes, receipt_keys: Keys, changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidReceipt, match=problem):
        verify_receipt(json.dumps(json.loads(signed) | changes).encode(), receipt_keys[1])


def test_a_time_without_a_zone_is_refused_when_signing(receipt_keys: Keys) -> None:
    with pytest.raises(InvalidInput) as raised:
        sign_receipt(
            receipt_keys[0],
            kid="k",
            tenant_code="3507",
            tender_id=1,
            vendor_id=1,
            bundle_sha256=DIGEST,
            key_fingerprint=FINGERPRINT,
            received_at=datetime(2025, 3, 1),
        )
    assert raised.value.field == "received_at"


def test_a_digest_that_is_not_sha256_hex_is_refused_when_signing(receipt_keys: Keys) -> None:
    with pytest.raises(InvalidInput) as raised:
        sign_receipt(
            receipt_keys[0],
            kid="k",
            tenant_code="3507",
            tender_id=1,
            vendor_id=1,
            bundle_sha256="abc",
            key_fingerprint=FINGERPRINT,
            received_at=datetime.now(UTC),
        )
    assert raised.value.field == "bundle_sha256"


def test_a_version_1_receipt_still_verifies_and_says_it_covers_the_ciphertext_only(
    receipt_keys: Keys,
) -> None:
    receipt = verify_receipt(v1_receipt(receipt_keys[0]), receipt_keys[1])
    assert (receipt.version, receipt.sha256, receipt.key_fingerprint) == (1, DIGEST, None)
    assert not receipt.covers_whole_bundle
    assert receipt.matches(b"any bundle", DIGEST)


@pytest.mark.parametrize("changes", [{"ciphertext_sha256": "cd" * 32}, {"vendor": 35}])
def test_an_altered_version_1_receipt_does_not_verify(receipt_keys: Keys, changes: dict[str, Any]) -> None:
    altered = json.dumps(json.loads(v1_receipt(receipt_keys[0])) | changes).encode()
    with pytest.raises(InvalidReceipt, match="signature does not verify"):
        verify_receipt(altered, receipt_keys[1])


def test_a_version_1_receipt_with_version_2_fields_is_refused(receipt_keys: Keys) -> None:
    with pytest.raises(InvalidReceipt, match="not a receipt"):
        verify_receipt(v1_receipt(receipt_keys[0], key_fingerprint=FINGERPRINT), receipt_keys[1])


def test_a_version_2_receipt_matches_the_sha256_of_the_exact_bundle_bytes(receipt_keys: Keys) -> None:
    bundle = b'{"ciphertext":"..."}'
    signed = sign_receipt(
        receipt_keys[0],
        kid="k",
        tenant_code="3507",
        tender_id=1,
        vendor_id=1,
        bundle_sha256=hashlib.sha256(bundle).hexdigest(),
        key_fingerprint=FINGERPRINT,
        received_at=datetime.now(UTC),
    )
    receipt = verify_receipt(signed, receipt_keys[1])
    assert receipt.matches(bundle, "ab" * 32)
    assert not receipt.matches(bundle + b" ", "ab" * 32)


def test_the_receipt_key_survives_its_published_form(receipt_keys: Keys) -> None:
    text = encode_receipt_public_key(receipt_keys[1])
    assert text.startswith("ed25519:")
    assert decode_receipt_public_key(text) == receipt_keys[1]


@pytest.mark.parametrize("text", ["", "x25519:" + "A" * 43, "ed25519:" + "A" * 42, "ed25519:%%%"])
def test_a_malformed_receipt_key_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_receipt_public_key(text)
    assert raised.value.field == "receipt_key"
