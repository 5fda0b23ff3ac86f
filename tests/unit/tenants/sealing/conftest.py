"""A tender key pair and one sealed bid, shared by the sealing tests."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tenants.sealing import BidFile, SealedBundle, generate_tender_keypair, parse_bundle, seal_bid

PRICE = 1_250_000_000
FILES = [
    BidFile("penawaran.pdf", "application/pdf", b"%PDF-1.7 harga dan jadwal"),
    BidFile("teknis.docx", "application/octet-stream", b"PK\x03\x04 dokumen teknis"),
    BidFile("kosong.txt", "text/plain", b""),
]


@pytest.fixture
def place() -> dict[str, Any]:
    """Where the bid belongs: Kabupaten Malang's tender 12, from vendor 34."""
    return {"tenant_code": "3507", "tender_id": 12, "vendor_id": 34}


@pytest.fixture
def bid_files() -> list[BidFile]:
    return list(FILES)


@pytest.fixture(scope="session")
def tender_keys() -> tuple[bytes, bytes]:
    return generate_tender_keypair()


@pytest.fixture(scope="session")
def vendor_key() -> Ed25519PrivateKey:
    """The signing key vendor 34's user made on its machine."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def sealed(
    tender_keys: tuple[bytes, bytes],
    place: dict[str, Any],
    bid_files: list[BidFile],
    vendor_key: Ed25519PrivateKey,
) -> bytes:
    return seal_bid(tender_keys[1], **place, price=PRICE, files=bid_files, signing_key=vendor_key)


@pytest.fixture
def bundle(sealed: bytes) -> SealedBundle:
    return parse_bundle(sealed)
