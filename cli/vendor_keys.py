"""``lpse-hub vendor key create``: a vendor user's signing key, made on its own machine, offline.

The private key goes to a file only its owner can read (mode 0600, PKCS#8 PEM), encrypted with a
passphrase when asked; the hub never sees it. The command prints the public half and its key id, to
register with the hub (``POST /api/vendors/me/signing-keys``). ``bid seal --signing-key`` and ``bid
statement --signing-key`` read the file back; the passphrase comes from ``LPSE_HUB_KEY_PASSPHRASE``
or, on a terminal, a prompt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cli.command_runner import fail, print_json, stdout
from cli.options import JsonOption
from tenants.sealing import (
    encode_signing_public_key,
    load_private_key_pem,
    private_key_pem,
    public_raw_of,
    signing_key_id,
)

PASSPHRASE_ENV = "LPSE_HUB_KEY_PASSPHRASE"

key = typer.Typer(no_args_is_help=True, help="A vendor user's signing key, made and kept on its own machine.")

SigningKeyOption = Annotated[
    Path,
    typer.Option(
        "--signing-key",
        exists=True,
        dir_okay=False,
        readable=True,
        help=f"Your signing key file (vendor key create); its passphrase from ${PASSPHRASE_ENV} or a prompt.",
        show_default=False,
    ),
]


@key.command("create")
def create(
    out: Annotated[
        Path, typer.Option(dir_okay=False, help="Where to write the private key (never overwritten).")
    ],
    encrypt: Annotated[
        bool,
        typer.Option(help=f"Encrypt the file with a passphrase from ${PASSPHRASE_ENV}, or asked for."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Make an Ed25519 signing key: the private half to ``--out`` (mode 0600), the public half and its
    key id printed, to register with the hub."""
    passphrase = _new_passphrase() if encrypt else None
    private = Ed25519PrivateKey.generate()
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise fail(f"{out} exists: a signing key is never overwritten; choose another file", 2) from None
    except OSError as exc:
        raise fail(f"{out}: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(private_key_pem(private, passphrase))
    public_raw = public_raw_of(private)
    shown = {"key_id": signing_key_id(public_raw), "public_key": encode_signing_public_key(public_raw)}
    if as_json:
        print_json({**shown, "file": str(out), "encrypted": passphrase is not None})
        return
    stdout.print(f"public_key {shown['public_key']}", markup=False, soft_wrap=True)
    stdout.print(f"key_id     {shown['key_id']}", markup=False, soft_wrap=True)


def _new_passphrase() -> bytes:
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given.encode("utf-8")
    if not sys.stdin.isatty():
        raise fail(f"give the passphrase in {PASSPHRASE_ENV} (no terminal to ask on)", 2)
    typed: str = typer.prompt("passphrase", hide_input=True, confirmation_prompt=True)
    if not typed:
        raise fail("an empty passphrase encrypts nothing; leave out --encrypt instead", 2)
    return typed.encode("utf-8")


def read_signing_key(path: Path) -> Ed25519PrivateKey:
    """The signing key of a file ``create`` wrote, with its passphrase if it is encrypted;
    ``InvalidInput`` (one line for the CLI) when it cannot be read as one."""
    data = path.read_bytes()
    given = os.environ.get(PASSPHRASE_ENV)
    passphrase = given.encode("utf-8") if given else None
    if passphrase is None and b"ENCRYPTED" in data and sys.stdin.isatty():
        passphrase = typer.prompt(f"passphrase of {path}", hide_input=True).encode("utf-8")
    return load_private_key_pem(data, passphrase)
