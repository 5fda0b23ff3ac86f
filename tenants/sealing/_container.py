"""The plaintext inside a sealed bid: a manifest and the files it describes.

Layout, with nothing before or after::

    manifest length   4 bytes, unsigned big-endian
    manifest          canonical JSON: {"files": [{"content_type", "name", "sha256", "size"}, ...],
                                       "price": <whole rupiah>}
                      and, in a bid the hub sealed for its vendor, "signer" (a key id) and
                      "signature" (b64url): the vendor's signature over its content statement
                      (``signatures.content_statement``), checked once the bid is opened
    file bytes        every file's bytes, concatenated in manifest order

The manifest's sizes must add up to exactly the bytes that follow it, and each file's SHA-256 must
match, so the container has one reading and a bid cannot lose or gain a document unnoticed.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass
from typing import Any

from tenants.sealing._codec import b64url_encode, canonical_json, field_bytes, load_object

MAX_PRICE = 2**63 - 1  # what a BIGINT column holds
_LENGTH = struct.Struct(">I")
_MANIFEST_KEYS = frozenset({"files", "price"})
_SIGNED_MANIFEST_KEYS = _MANIFEST_KEYS | {"signer", "signature"}
_KEY_ID = re.compile(r"[0-9a-f]{4}(?::[0-9a-f]{4}){7}")
_FILE_KEYS = frozenset({"content_type", "name", "sha256", "size"})
_SHA256 = re.compile(r"[0-9a-f]{64}")
# type/subtype in RFC 6838 restricted names, then optional parameters (``; charset=utf-8``) as an
# upload may carry them; printable ASCII and at most 255 characters in all.
_CONTENT_TYPE = re.compile(
    r"(?=[\x20-\x7e]{3,255}\Z)[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:\s*;.*)?"
)


@dataclass(frozen=True, slots=True)
class BidFile:
    """One document of a bid (technical proposal, price breakdown, ...), as the vendor named it.

    ``name`` is a bare file name (no directories), so the committee can save it as it is.
    """

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class OpenedBid:
    """A bid after opening: the price offered, in whole rupiah, and its documents in sealed order."""

    price: int
    files: list[BidFile]
    signer: str | None = None
    """In a bid the hub sealed for its vendor: the key id of the vendor's statement signature."""
    signature: bytes | None = None
    """The vendor's signature over the bid's content statement (``signatures.content_statement``)."""


def price_problem(price: object) -> str | None:
    if type(price) is not int:
        return "the price is not a whole number of rupiah"
    if price <= 0:
        return "the price must be more than 0 rupiah"
    if price > MAX_PRICE:
        return f"the price is more than {MAX_PRICE} rupiah"
    return None


def file_problem(name: object, content_type: object) -> str | None:
    """Why a file's name or content type cannot go in a manifest, or ``None``."""
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        return "a file name is 1 to 255 characters"
    if name in {".", ".."} or any(c in "/\\" or not c.isprintable() for c in name):
        return f"file name {name!r} is not a bare file name"
    if not isinstance(content_type, str) or not _CONTENT_TYPE.fullmatch(content_type):
        return f"file {name!r} has no valid content type (type/subtype)"
    return None


def pack(price: int, files: list[BidFile], statement_signature: tuple[str, bytes] | None = None) -> bytes:
    """The container for a bid, with the vendor's ``(signer, signature)`` over its content statement
    when the hub seals it; ``ValueError`` if the price or a file breaks the rules above."""
    problem = price_problem(price)
    if problem:
        raise ValueError(problem)
    seen: set[str] = set()
    entries: list[dict[str, Any]] = []
    for file in files:
        problem = file_problem(file.name, file.content_type)
        if problem:
            raise ValueError(problem)
        if file.name in seen:
            raise ValueError(f"two files are named {file.name!r}")
        seen.add(file.name)
        entries.append(
            {
                "content_type": file.content_type,
                "name": file.name,
                "sha256": hashlib.sha256(file.data).hexdigest(),
                "size": len(file.data),
            }
        )
    fields: dict[str, Any] = {"files": entries, "price": price}
    if statement_signature is not None:
        fields |= {"signer": statement_signature[0], "signature": b64url_encode(statement_signature[1])}
    manifest = canonical_json(fields)
    return b"".join([_LENGTH.pack(len(manifest)), manifest, *(file.data for file in files)])


def unpack(plaintext: bytes) -> OpenedBid:
    """The bid in a container; ``ValueError`` naming the first thing that does not add up."""
    if len(plaintext) < _LENGTH.size:
        raise ValueError("the container is shorter than its length prefix")
    (length,) = _LENGTH.unpack_from(plaintext)
    if length > len(plaintext) - _LENGTH.size:
        raise ValueError("the manifest length runs past the end of the container")
    start = _LENGTH.size + length
    text = plaintext[_LENGTH.size : start]
    try:
        manifest = _manifest(text)
    except ValueError as exc:
        raise ValueError(f"the manifest is {exc}") from None
    problem = price_problem(manifest["price"])
    if problem:
        raise ValueError(f"in the manifest, {problem}")
    if not isinstance(manifest["files"], list):
        raise ValueError("the manifest's files are not a list")
    files: list[BidFile] = []
    for position, entry in enumerate(manifest["files"], start=1):
        file = _read_file(plaintext, start, position, entry, {f.name for f in files})
        files.append(file)
        start += len(file.data)
    if start != len(plaintext):
        raise ValueError(f"{len(plaintext) - start} bytes follow the last file of the manifest")
    return OpenedBid(
        price=manifest["price"],
        files=files,
        signer=manifest.get("signer"),
        signature=manifest.get("signature"),
    )


def _manifest(text: bytes) -> dict[str, Any]:
    """The manifest, unsigned or with the vendor's statement signature (then checked for form)."""
    try:
        return load_object(text, _MANIFEST_KEYS)
    except ValueError as unsigned:
        try:
            manifest = load_object(text, _SIGNED_MANIFEST_KEYS)
        except ValueError:
            raise unsigned from None
    if not isinstance(manifest["signer"], str) or not _KEY_ID.fullmatch(manifest["signer"]):
        raise ValueError("signer is not a key id")
    manifest["signature"] = field_bytes(manifest, "signature", size=64)
    return manifest


def _read_file(plaintext: bytes, start: int, position: int, entry: object, seen: set[str]) -> BidFile:
    if not isinstance(entry, dict) or entry.keys() != _FILE_KEYS:
        raise ValueError(f"file {position} of the manifest is not {{{', '.join(sorted(_FILE_KEYS))}}}")
    name, content_type, size, sha256 = (entry[k] for k in ("name", "content_type", "size", "sha256"))
    problem = file_problem(name, content_type)
    if problem:
        raise ValueError(f"file {position}: {problem}")
    if name in seen:
        raise ValueError(f"file {position}: another file is named {name!r}")
    if type(size) is not int or size < 0 or not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"file {position} ({name}) has no valid size and sha256")
    if start + size > len(plaintext):
        raise ValueError(f"file {position} ({name}) runs past the end of the container")
    data = plaintext[start : start + size]
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"file {position} ({name}) does not match its SHA-256 in the manifest")
    return BidFile(name=name, content_type=content_type, data=data)
