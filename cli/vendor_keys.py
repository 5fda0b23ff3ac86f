"""``lpse-hub vendor key create``: a vendor user's signing key, made on its own machine, offline.

The private key goes to a file only its owner can read (mode 0600, PKCS#8 PEM), encrypted with a
passphrase when asked; the hub never sees it. The command prints the public half and its key id, to
register with the hub (``POST /api/vendors/me/signing-keys``). ``bid seal --signing-key`` and ``bid
statement --signing-key`` read the file back; the passphrase comes from ``LPSE_HUB_KEY_PASSPHRASE``
or, on a terminal, a prompt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cli.command_runner import print_json, stdout
from cli.key_files import PASSPHRASE_ENV, new_passphrase, passphrase_of, write_new_file
from cli.options import JsonOption
from tenants.sealing import (
    encode_signing_public_key,
    load_private_key_pem,
    private_key_pem,
    public_raw_of,
    signing_key_id,
)

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
    passphrase = new_passphrase(why="leave out --encrypt for a key file without one") if encrypt else None
    private = Ed25519PrivateKey.generate()
    write_new_file(out, private_key_pem(private, passphrase), "a signing key")
    public_raw = public_raw_of(private)
    shown = {"key_id": signing_key_id(public_raw), "public_key": encode_signing_public_key(public_raw)}
    if as_json:
        print_json({**shown, "file": str(out), "encrypted": passphrase is not None})
        return
    stdout.print(f"public_key {shown['public_key']}", markup=False, soft_wrap=True)
    stdout.print(f"key_id     {shown['key_id']}", markup=False, soft_wrap=True)


def read_signing_key(path: Path) -> Ed25519PrivateKey:
    """The signing key of a file ``create`` wrote, with its passphrase if it is encrypted;
    ``InvalidInput`` (one line for the CLI) when it cannot be read as one."""
    data = path.read_bytes()
    passphrase = passphrase_of(path) if b"ENCRYPTED" in data else None
    return load_private_key_pem(data, passphrase)
