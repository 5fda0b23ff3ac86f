"""Sealing a bid, reading the bundle, checking it at upload and opening it after the deadline."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from typing import Any

import pytest

from hub.core.errors import InvalidInput
from tenants.sealing import (
    BidFile,
    SealedBundle,
    TamperedBid,
    check_bundle_for,
    fingerprint,
    generate_tender_keypair,
    open_bid,
    parse_bundle,
    seal_bid,
)

PRICE = 1_250_000_000
Keys = tuple[bytes, bytes]


def test_a_sealed_bid_opens_to_its_price_and_files(
    bundle: SealedBundle, tender_keys: Keys, place: dict[str, Any], bid_files: list[BidFile]
) -> None:
    opened = open_bid(bundle, tender_keys[0], **place)
    assert opened.price == PRICE
    assert opened.files == bid_files


def test_a_bid_with_no_documents_opens_to_its_price(tender_keys: Keys, place: dict[str, Any]) -> None:
    bundle = parse_bundle(seal_bid(tender_keys[1], **place, signing_key=None, price=1, files=[]))
    assert open_bid(bundle, tender_keys[0], **place).price == 1


def test_the_bundle_is_compact_sorted_json_that_names_its_place_and_key(
    sealed: bytes, tender_keys: Keys, place: dict[str, Any]
) -> None:
    document = json.loads(sealed)
    assert list(document) == sorted(document)
    assert sealed == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert (document["v"], document["tenant"], document["tender"], document["vendor"]) == (2, "3507", 12, 34)
    assert document["sealed_by"] == "vendor"
    assert document["key_fingerprint"] == fingerprint(tender_keys[1])
    assert parse_bundle(sealed).to_bytes() == sealed


def test_sealing_twice_gives_different_ciphertexts(tender_keys: Keys, place: dict[str, Any]) -> None:
    first, second = (
        parse_bundle(seal_bid(tender_keys[1], **place, signing_key=None, price=5, files=[])).ciphertext
        for _ in range(2)
    )
    assert first != second


def test_the_bundle_digest_is_the_sha256_of_its_ciphertext(bundle: SealedBundle) -> None:
    assert bundle.sha256 == hashlib.sha256(bundle.ciphertext).hexdigest()


def test_a_bid_does_not_open_with_another_tender_key(bundle: SealedBundle, place: dict[str, Any]) -> None:
    with pytest.raises(TamperedBid, match="sealed for key"):
        open_bid(bundle, generate_tender_keypair()[0], **place)


def test_a_bid_relabelled_for_another_key_still_does_not_open(
    bundle: SealedBundle, place: dict[str, Any]
) -> None:
    other_private, other_public = generate_tender_keypair()
    relabelled = replace(bundle, key_fingerprint=fingerprint(other_public))
    with pytest.raises(TamperedBid, match="does not unwrap"):
        open_bid(relabelled, other_private, **place)


@pytest.mark.parametrize(
    ("part", "position", "failure"),
    [
        ("ciphertext", 0, "not committed"),  # the key commitment
        ("ciphertext", 40, "does not decrypt"),
        ("ciphertext", -1, "does not decrypt"),  # the tag
        ("wrapped_key", 0, "does not unwrap"),
        ("wrapped_key", -1, "does not unwrap"),
        ("enc", 0, "does not unwrap"),
        ("enc", 31, "does not unwrap"),
        ("nonce", 0, "does not decrypt"),
        ("nonce", 11, "does not decrypt"),
    ],
)
def test_one_altered_byte_makes_the_bid_tampered(
    bundle: SealedBundle, tender_keys: Keys, place: dict[str, Any], part: str, position: int, failure: str
) -> None:
    altered = bytearray(getattr(bundle, part))
    altered[position] ^= 0x01
    with pytest.raises(TamperedBid, match=failure):
        open_bid(replace(bundle, **{part: bytes(altered)}), tender_keys[0], **place)


MOVES = [{"tenant_code": "3508"}, {"tender_id": 13}, {"vendor_id": 35}]


@pytest.mark.parametrize("move", MOVES)
def test_a_bundle_presented_elsewhere_is_refused_at_upload(
    bundle: SealedBundle, tender_keys: Keys, place: dict[str, Any], move: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput, match="does not belong here") as raised:
        check_bundle_for(bundle, **(place | move), public_raw=tender_keys[1])
    assert raised.value.field == "bundle"


@pytest.mark.parametrize("move", MOVES)
def test_a_bundle_presented_elsewhere_does_not_open(
    bundle: SealedBundle, tender_keys: Keys, place: dict[str, Any], move: dict[str, Any]
) -> None:
    with pytest.raises(TamperedBid, match="does not belong here"):
        open_bid(bundle, tender_keys[0], **(place | move))


@pytest.mark.parametrize("move", MOVES)
def test_a_bundle_relabelled_for_elsewhere_passes_the_labels_but_does_not_open(
    bundle: SealedBundle, tender_keys: Keys, place: dict[str, Any], move: dict[str, Any]
) -> None:
    elsewhere = place | move
    labels = {
        "tenant": elsewhere["tenant_code"],
        "tender": elsewhere["tender_id"],
        "vendor": elsewhere["vendor_id"],
    }
    relabelled = parse_bundle(replace(bundle, **labels).to_bytes())
    check_bundle_for(relabelled, **elsewhere, public_raw=tender_keys[1])  # labels alone cannot tell
    with pytest.raises(TamperedBid, match="moved from another tenant, tender or vendor"):
        open_bid(relabelled, tender_keys[0], **elsewhere)


def test_a_bundle_sealed_for_another_key_is_refused_at_upload(
    bundle: SealedBundle, place: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput, match="sealed for key"):
        check_bundle_for(bundle, **place, public_raw=generate_tender_keypair()[1])


def test_the_right_bundle_passes_the_upload_check(
    bundle: SealedBundle, tender_keys: Keys, place: dict[str, Any]
) -> None:
    check_bundle_for(bundle, **place, public_raw=tender_keys[1])


def _edit(sealed: bytes, **changes: Any) -> bytes:
    document = json.loads(sealed) | changes
    return json.dumps({k: v for k, v in document.items() if v is not ...}).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"v": 1}, "version"),
        ({"v": 3}, "version"),
        ({"v": True}, "version"),
        ({"sealed_by": "hub"}, "unknown field signature"),
        ({"sealed_by": "operator"}, "sealed_by"),
        ({"signer": "abc"}, "signer is not a key id"),
        ({"signature": ...}, "missing signature"),
        ({"signature": _b64(bytes(63))}, "signature is 63 bytes"),
        ({"tenant": "35|07"}, "tenant"),
        ({"tender": "12"}, "tender"),
        ({"tender": 12.0}, "tender"),
        ({"vendor": 0}, "vendor"),
        ({"vendor": True}, "vendor"),
        ({"key_fingerprint": "abc"}, "key_fingerprint"),
        ({"nonce": ...}, "missing nonce"),
        ({"extra": 1}, "unknown field extra"),
        ({"enc": "!!!"}, "enc is not base64url"),
        ({"enc": _b64(bytes(32)) + "=="}, "enc is not base64url"),
        ({"enc": _b64(bytes(31))}, "enc is 31 bytes"),
        ({"wrapped_key": _b64(bytes(47))}, "wrapped_key is 47 bytes"),
        ({"nonce": _b64(bytes(16))}, "nonce is 16 bytes"),
        ({"ciphertext": _b64(bytes(47))}, "ciphertext is 47 bytes"),
        ({"ciphertext": 5}, "ciphertext is not a string"),
    ],
)
def test_a_malformed_bundle_is_invalid_input_naming_the_problem(
    sealed: bytes, changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem) as raised:
        parse_bundle(_edit(sealed, **changes))
    assert raised.value.field == "bundle"
    assert "\n" not in raised.value.detail


@pytest.mark.parametrize(
    "data",
    [b"", b"{not json", b"[]", b"\xff\xfe", b'{"v":1,"v":1}', b'{"v":NaN}', b"[" * 100_000],
)
def test_what_is_not_a_json_object_is_not_a_bundle(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="not a sealed bid bundle") as raised:
        parse_bundle(data)
    assert raised.value.field == "bundle"


def test_an_oversized_bundle_is_refused_before_it_is_read(sealed: bytes) -> None:
    parse_bundle(sealed, max_size=len(sealed))
    with pytest.raises(InvalidInput, match="more than the limit") as raised:
        parse_bundle(sealed, max_size=len(sealed) - 1)
    assert raised.value.field == "bundle"


@pytest.mark.parametrize("price", [0, -1, True, 2**63])
def test_a_price_that_is_not_a_positive_whole_rupiah_amount_is_refused_when_sealing(
    tender_keys: Keys, place: dict[str, Any], price: int
) -> None:
    with pytest.raises(InvalidInput) as raised:
        seal_bid(tender_keys[1], **place, signing_key=None, price=price, files=[])
    assert raised.value.field == "price"


@pytest.mark.parametrize(
    "files",
    [
        [BidFile("../etc/passwd", "text/plain", b"")],
        [BidFile("C:\\bid.pdf", "application/pdf", b"")],
        [BidFile("", "application/pdf", b"")],
        [BidFile("a.pdf", "pdf", b"")],
        [BidFile("a.pdf", "application/pdf", b"1"), BidFile("a.pdf", "application/pdf", b"2")],
    ],
)
def test_files_that_cannot_be_saved_as_named_are_refused_when_sealing(
    tender_keys: Keys, place: dict[str, Any], files: list[BidFile]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        seal_bid(tender_keys[1], **place, signing_key=None, price=1, files=files)
    assert raised.value.field == "files"


@pytest.mark.parametrize(
    ("place_change", "field"),
    [({"tenant_code": "35|07"}, "tenant"), ({"tender_id": 0}, "tender"), ({"vendor_id": -3}, "vendor")],
)
def test_an_unusable_place_is_refused_when_sealing(
    tender_keys: Keys, place: dict[str, Any], place_change: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        seal_bid(tender_keys[1], **(place | place_change), signing_key=None, price=1, files=[])
    assert raised.value.field == field


@pytest.mark.parametrize("public_raw", [bytes(31), bytes(32)], ids=["short", "low-order point"])
def test_an_unusable_tender_key_is_refused_when_sealing(place: dict[str, Any], public_raw: bytes) -> None:
    with pytest.raises(InvalidInput) as raised:
        seal_bid(public_raw, **place, signing_key=None, price=1, files=[])
    assert raised.value.field == "tender_key"
