"""``lpse-hub bid seal`` and ``lpse-hub receipt verify``: a vendor's side of sealed bids, offline.

Neither command touches the database or needs the hub's settings: a vendor seals a bid on its own
machine with the tender's published key, and anyone checks a receipt with the hub's published
receipt key.
"""

from __future__ import annotations

import hashlib
import mimetypes
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from cli.command_runner import exit_code, fail, print_json, stderr, stdout
from cli.options import JsonOption
from hub.core.errors import HubError
from tenants.sealing import (
    BidFile,
    decode_public_key,
    decode_receipt_public_key,
    fingerprint,
    seal_bid,
    verify_receipt,
)
from tenants.sealing.receipts import format_time

bid = typer.Typer(no_args_is_help=True, help="Sealed bids, on the vendor's machine.")
receipt = typer.Typer(no_args_is_help=True, help="Receipts of sealed bids, checked offline.")


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Our errors as one line and their exit code; a file that cannot be read or written exits 1."""
    try:
        yield
    except HubError as exc:
        raise fail(exc.detail, exit_code(exc)) from None
    except OSError as exc:
        raise fail(f"{exc.filename or 'file'}: {exc.strerror or exc}") from None


@bid.command("seal")
def bid_seal(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="The bid's documents.", show_default=False
        ),
    ],
    tender_key: Annotated[
        str, typer.Option(help="The tender's published key (x25519:...).", show_default=False)
    ],
    tenant: Annotated[str, typer.Option(help="The tenant's code (e.g. 3507).", show_default=False)],
    tender: Annotated[int, typer.Option(min=1, help="The tender's id.", show_default=False)],
    vendor: Annotated[int, typer.Option(min=1, help="Your vendor id.", show_default=False)],
    price: Annotated[int, typer.Option(help="The price offered, in whole rupiah.", show_default=False)],
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write the bundle here instead of stdout.")
    ] = None,
) -> None:
    """Seal a price and documents for one tender; only its selection committee can open them, after
    the deadline. Prints the file's SHA-256 (what ``sha256sum`` gives) to stderr: the hub's receipt
    signs it as ``bundle_sha256``."""
    with _one_line_errors():
        public_raw = decode_public_key(tender_key)
        documents = [
            BidFile(
                path.name, mimetypes.guess_type(path.name)[0] or "application/octet-stream", path.read_bytes()
            )
            for path in files
        ]
        data = seal_bid(
            public_raw, tenant_code=tenant, tender_id=tender, vendor_id=vendor, price=price, files=documents
        )
        if out is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            out.write_bytes(data)
    stderr.print(
        f"sealed {len(documents)} file(s) for tender {tender} of tenant {tenant}, "
        f"key {fingerprint(public_raw)}",
        markup=False,
        soft_wrap=True,
    )
    # The hash the hub's receipt signs: sha256sum of the file written gives the same.
    stderr.print(f"sha256 {hashlib.sha256(data).hexdigest()}", markup=False, soft_wrap=True)


@receipt.command("verify")
def receipt_verify(
    receipt_file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="The receipt.", show_default=False),
    ],
    public_key: Annotated[
        str, typer.Option(help="The hub's published receipt key (ed25519:...).", show_default=False)
    ],
    as_json: JsonOption = False,
) -> None:
    """Check a receipt's signature with the hub's key, without the hub; exit 1 if it does not verify."""
    with _one_line_errors():
        checked = verify_receipt(receipt_file.read_bytes(), decode_receipt_public_key(public_key))
    fields = {
        "kid": checked.kid,
        "tenant": checked.tenant,
        "tender": checked.tender,
        "vendor": checked.vendor,
        "received_at": format_time(checked.received_at),
        "version": checked.version,
        ("bundle_sha256" if checked.covers_whole_bundle else "ciphertext_sha256"): checked.sha256,
    }
    if checked.key_fingerprint is not None:
        fields["key_fingerprint"] = checked.key_fingerprint
    if as_json:
        print_json({"valid": True, **fields})
        return
    stdout.print("valid receipt", markup=False)
    for key, value in fields.items():
        stdout.print(f"{key:<18} {value}", markup=False, soft_wrap=True)
