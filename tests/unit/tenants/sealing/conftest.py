"""A tender key pair and one sealed bid, shared by the sealing tests."""

from __future__ import annotations

from typing import Any

import pytest

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


@pytest.fixture
def sealed(tender_keys: tuple[bytes, bytes], place: dict[str, Any], bid_files: list[BidFile]) -> bytes:
    return seal_bid(tender_keys[1], **place, price=PRICE, files=bid_files)


@pytest.fixture
def bundle(sealed: bytes) -> SealedBundle:
    return parse_bundle(sealed)
