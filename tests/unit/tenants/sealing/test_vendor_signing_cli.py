"""``vendor key create`` and ``bid statement`` as a vendor's user runs them: offline, on its machine."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli import bid as bid_cli
from cli import vendor_keys
from hub.core.errors import InvalidInput
from tenants.sealing import (
    content_statement,
    decode_signature,
    decode_signing_public_key,
    load_private_key_pem,
    public_raw_of,
    signing_key_id,
    stated,
)

app = typer.Typer()
app.add_typer(vendor_keys.key, name="key")
app.add_typer(bid_cli.bid, name="bid")
runner = CliRunner()


def test_a_key_is_made_into_a_file_only_its_owner_reads_and_its_public_half_printed(tmp_path: Path) -> None:
    out = tmp_path / "kunci.pem"
    made = runner.invoke(app, ["key", "create", "--out", str(out), "--json"])
    assert made.exit_code == 0, made.output
    shown = json.loads(made.stdout)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    private = load_private_key_pem(out.read_bytes(), None)
    assert decode_signing_public_key(shown["public_key"]) == public_raw_of(private)
    assert shown["key_id"] == signing_key_id(public_raw_of(private))
    again = runner.invoke(app, ["key", "create", "--out", str(out)])
    assert again.exit_code == 2
    assert "never overwritten" in again.stderr


def test_an_encrypted_key_opens_only_with_its_passphrase(tmp_path: Path) -> None:
    out = tmp_path / "kunci.pem"
    env = {vendor_keys.PASSPHRASE_ENV: "rahasia sekali"}
    assert runner.invoke(app, ["key", "create", "--out", str(out), "--encrypt"], env=env).exit_code == 0
    assert b"ENCRYPTED" in out.read_bytes()
    assert load_private_key_pem(out.read_bytes(), b"rahasia sekali")
    for wrong in (None, b"salah"):
        with pytest.raises(InvalidInput):
            load_private_key_pem(out.read_bytes(), wrong)


def test_a_statement_is_signed_over_the_price_and_each_files_name_hash_and_size(tmp_path: Path) -> None:
    key_file, document = tmp_path / "kunci.pem", tmp_path / "penawaran.pdf"
    assert runner.invoke(app, ["key", "create", "--out", str(key_file)]).exit_code == 0
    document.write_bytes(b"%PDF penawaran")
    args = ["--tenant", "3507", "--tender", "12", "--vendor", "34", "--price", "900000000"]
    signed = runner.invoke(
        app, ["bid", "statement", *args, "--signing-key", str(key_file), str(document), "--json"]
    )
    assert signed.exit_code == 0, signed.output
    fields = json.loads(signed.stdout)
    statement = content_statement(
        tenant_code="3507",
        tender_id=12,
        vendor_id=34,
        price=900_000_000,
        files=[stated("penawaran.pdf", b"%PDF penawaran")],
    )
    assert fields["statement"].encode() == statement
    public = load_private_key_pem(key_file.read_bytes(), None).public_key()
    public.verify(decode_signature(fields["signature"]), statement)  # raises if it does not verify
    assert fields["signer"] == signing_key_id(
        public_raw_of(load_private_key_pem(key_file.read_bytes(), None))
    )
