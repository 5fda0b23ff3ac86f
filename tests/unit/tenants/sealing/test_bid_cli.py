"""``bid seal`` and ``receipt verify`` as a vendor runs them: offline, one line on error, exit codes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from cli import bid as bid_cli
from tenants.sealing import (
    encode_public_key,
    encode_receipt_public_key,
    generate_receipt_key,
    open_bid,
    parse_bundle,
    private_key_pem,
    public_raw_of,
    sign_receipt,
    verify_bundle_signature,
)

app = typer.Typer()
app.add_typer(bid_cli.bid, name="bid")
app.add_typer(bid_cli.receipt, name="receipt")
runner = CliRunner()
Keys = tuple[bytes, bytes]


@pytest.fixture
def documents(tmp_path: Path) -> list[Path]:
    pdf, sheet = tmp_path / "penawaran.pdf", tmp_path / "rincian.xyz123"
    pdf.write_bytes(b"%PDF-1.7 penawaran")
    sheet.write_bytes(b"\x00\x01 rincian harga")
    return [pdf, sheet]


@pytest.fixture
def key_file(tmp_path: Path, vendor_key: Ed25519PrivateKey) -> Path:
    """The vendor's signing key, kept as ``vendor key create`` keeps it."""
    path = tmp_path / "kunci.pem"
    path.write_bytes(private_key_pem(vendor_key, None))
    return path


def _seal_args(tender_keys: Keys, key_file: Path, *extra: str) -> list[str]:
    key = encode_public_key(tender_keys[1])
    return [
        "bid",
        "seal",
        "--signing-key",
        str(key_file),
        "--tender-key",
        key,
        "--tenant",
        "3507",
        "--tender",
        "12",
        "--vendor",
        "34",
        *extra,
    ]


def test_sealed_files_open_with_the_tender_key_signed_with_the_vendors_key(
    tmp_path: Path, tender_keys: Keys, documents: list[Path], key_file: Path, vendor_key: Ed25519PrivateKey
) -> None:
    out = tmp_path / "bid.json"
    result = runner.invoke(
        app,
        [*_seal_args(tender_keys, key_file, "--price", "990000", "--out", str(out)), *map(str, documents)],
    )
    assert result.exit_code == 0, result.output
    bundle = parse_bundle(out.read_bytes())
    # What the hub's receipt signs, and what ``sha256sum bid.json`` prints.
    assert f"sha256 {hashlib.sha256(out.read_bytes()).hexdigest()}\n" in result.stderr
    assert result.stdout == ""
    opened = open_bid(bundle, tender_keys[0], tenant_code="3507", tender_id=12, vendor_id=34)
    assert opened.price == 990_000
    verify_bundle_signature(bundle, public_raw_of(vendor_key))
    assert [(f.name, f.content_type, f.data) for f in opened.files] == [
        ("penawaran.pdf", "application/pdf", b"%PDF-1.7 penawaran"),
        ("rincian.xyz123", "application/octet-stream", b"\x00\x01 rincian harga"),
    ]


def test_without_out_the_bundle_goes_to_stdout(
    tender_keys: Keys, documents: list[Path], key_file: Path
) -> None:
    result = runner.invoke(app, [*_seal_args(tender_keys, key_file, "--price", "5"), str(documents[0])])
    assert result.exit_code == 0, result.output
    assert parse_bundle(result.stdout_bytes).tender == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--price", "0"], "more than 0 rupiah"),
        (["--tender-key", "x25519:nope", "--price", "5"], "tender key"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tender_keys: Keys, documents: list[Path], key_file: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, [*_seal_args(tender_keys, key_file, *args), str(documents[0])])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_a_missing_document_is_a_usage_error(tender_keys: Keys, tmp_path: Path, key_file: Path) -> None:
    result = runner.invoke(
        app, [*_seal_args(tender_keys, key_file, "--price", "5"), str(tmp_path / "absent.pdf")]
    )
    assert result.exit_code == 2


@pytest.fixture
def receipt_file(tmp_path: Path) -> tuple[Path, str]:
    private_raw, public_raw = generate_receipt_key()
    path = tmp_path / "receipt.json"
    path.write_bytes(
        sign_receipt(
            private_raw,
            kid="k1",
            tenant_code="3507",
            tender_id=12,
            vendor_id=34,
            bundle_sha256="ab" * 32,
            key_fingerprint="6668:7aad:0000:1111:2222:3333:4444:5555",
            received_at=datetime(2025, 3, 1, 2, 15, 30, tzinfo=UTC),
        )
    )
    return path, encode_receipt_public_key(public_raw)


def test_a_valid_receipt_verifies_with_exit_0(receipt_file: tuple[Path, str]) -> None:
    path, key = receipt_file
    result = runner.invoke(app, ["receipt", "verify", str(path), "--public-key", key])
    assert result.exit_code == 0, result.output
    assert "valid receipt" in result.stdout
    assert "ab" * 32 in result.stdout
    assert "2025-03-01T02:15:30.000000Z" in result.stdout


def test_a_valid_receipt_verifies_as_json(receipt_file: tuple[Path, str]) -> None:
    path, key = receipt_file
    result = runner.invoke(app, ["receipt", "verify", str(path), "--public-key", key, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "valid": True,
        "kid": "k1",
        "tenant": "3507",
        "tender": 12,
        "vendor": 34,
        "received_at": "2025-03-01T02:15:30.000000Z",
        "version": 2,
        "bundle_sha256": "ab" * 32,
        "key_fingerprint": "6668:7aad:0000:1111:2222:3333:4444:5555",
    }


def test_a_receipt_that_does_not_verify_exits_1_with_one_line(receipt_file: tuple[Path, str]) -> None:
    path, _ = receipt_file
    other_key = encode_receipt_public_key(generate_receipt_key()[1])
    result = runner.invoke(app, ["receipt", "verify", str(path), "--public-key", other_key])
    assert result.exit_code == 1
    assert result.stderr == "error: the receipt's signature does not verify with this key\n"
    assert result.stdout == ""


def test_an_altered_receipt_exits_1(receipt_file: tuple[Path, str]) -> None:
    path, key = receipt_file
    path.write_bytes(path.read_bytes().replace(b'"vendor":34', b'"vendor":35'))
    result = runner.invoke(app, ["receipt", "verify", str(path), "--public-key", key])
    assert result.exit_code == 1
    assert "does not verify" in result.stderr


def test_a_malformed_receipt_key_exits_2(receipt_file: tuple[Path, str]) -> None:
    path, _ = receipt_file
    result = runner.invoke(app, ["receipt", "verify", str(path), "--public-key", "ed25519:short"])
    assert result.exit_code == 2
    assert "receipt key" in result.stderr
