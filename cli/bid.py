"""``lpse-hub bid seal``, ``bid statement`` and ``receipt verify``: a vendor's side of sealed bids,
offline.

None of them touches the database or needs the hub's settings: a vendor seals a bid on its own
machine with the tender's published key and signs it with its own signing key (``vendor key
create``); for a bid the hub is to seal from a browser upload, ``bid statement`` signs the statement
of its contents the upload must carry; anyone checks a receipt with the hub's published receipt key.
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
from cli.vendor_keys import SigningKeyOption, read_signing_key
from hub.core.errors import HubError
from tenants.sealing import (
    BidFile,
    content_statement,
    decode_public_key,
    decode_receipt_public_key,
    encode_signature,
    fingerprint,
    public_raw_of,
    seal_bid,
    signing_key_id,
    stated,
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


Files = Annotated[
    list[Path],
    typer.Argument(
        exists=True, dir_okay=False, readable=True, help="The bid's documents.", show_default=False
    ),
]
Tenant = Annotated[str, typer.Option(help="The tenant's code (e.g. 3507).", show_default=False)]
Tender = Annotated[int, typer.Option(min=1, help="The tender's id.", show_default=False)]
Vendor = Annotated[int, typer.Option(min=1, help="Your vendor id.", show_default=False)]
Price = Annotated[int, typer.Option(help="The price offered, in whole rupiah.", show_default=False)]


@bid.command("seal")
def bid_seal(
    files: Files,
    tender_key: Annotated[
        str, typer.Option(help="The tender's published key (x25519:...).", show_default=False)
    ],
    tenant: Tenant,
    tender: Tender,
    vendor: Vendor,
    price: Price,
    signing_key: SigningKeyOption,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write the bundle here instead of stdout.")
    ] = None,
) -> None:
    """Seal a price and documents for one tender and sign the bundle with your signing key; only its
    selection committee can open them, after the deadline. Prints the file's SHA-256 (what
    ``sha256sum`` gives) to stderr: the hub's receipt signs it as ``bundle_sha256``."""
    with _one_line_errors():
        public_raw = decode_public_key(tender_key)
        signer = read_signing_key(signing_key)
        data = seal_bid(
            public_raw,
            tenant_code=tenant,
            tender_id=tender,
            vendor_id=vendor,
            price=price,
            files=[_document(path) for path in files],
            signing_key=signer,
        )
        if out is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            out.write_bytes(data)
    stderr.print(
        f"sealed {len(files)} file(s) for tender {tender} of tenant {tenant}, "
        f"key {fingerprint(public_raw)}, signed with {signing_key_id(public_raw_of(signer))}",
        markup=False,
        soft_wrap=True,
    )
    # The hash the hub's receipt signs: sha256sum of the file written gives the same.
    stderr.print(f"sha256 {hashlib.sha256(data).hexdigest()}", markup=False, soft_wrap=True)


def _document(path: Path) -> BidFile:
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return BidFile(path.name, content_type, path.read_bytes())


@bid.command("statement")
def bid_statement(
    files: Files,
    tenant: Tenant,
    tender: Tender,
    vendor: Vendor,
    price: Price,
    signing_key: SigningKeyOption,
    as_json: JsonOption = False,
) -> None:
    """Sign the statement of a bid's contents (price, and each file's name, SHA-256 and size) for the
    hub to seal from an upload: send the printed ``signer`` and ``signature`` with the same price and
    files, in the same order, to ``.../bids/sealed-by-hub``."""
    with _one_line_errors():
        signer = read_signing_key(signing_key)
        statement = content_statement(
            tenant_code=tenant,
            tender_id=tender,
            vendor_id=vendor,
            price=price,
            files=[stated(path.name, path.read_bytes()) for path in files],
        )
    fields = {
        "signer": signing_key_id(public_raw_of(signer)),
        "signature": encode_signature(signer.sign(statement)),
    }
    if as_json:
        print_json({**fields, "statement": statement.decode("utf-8")})
        return
    for name, value in fields.items():
        stdout.print(f"{name:<9} {value}", markup=False, soft_wrap=True)


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
