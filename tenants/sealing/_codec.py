"""The byte-level conventions shared by bundles, keys and receipts.

Binary values travel as base64url without padding, and exactly one text is accepted for each value
(no padding, no stray bits, no whitespace), so a document has one reading. JSON is written
canonically (sorted keys, compact separators, UTF-8) and read strictly: one object, no duplicate
keys, no NaN or Infinity. Every reader here raises ``ValueError`` with a short message; the public
modules turn it into the error that fits their caller.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import msgspec
import pybase64

_TENANT_CODE = re.compile(r"[0-9A-Za-z._-]{1,32}")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    """The bytes of an unpadded base64url text; ``ValueError`` unless ``text`` is their one encoding.

    Sealed bundles are hundreds of KiB and this runs on every bid in a deadline rush, so the work is
    pybase64's SIMD decoder in strict mode (``validate``: only the alphabet, padding where it must
    be), having refused any ``+``, ``/`` or ``=`` of the input (pybase64 takes the standard
    alphabet's two characters beside ``-_``); then a re-encoding of the last group only, which is
    where a non-canonical text would differ (stray low bits). It decodes a 341 KiB bundle's
    ciphertext about 20 times faster than ``binascii`` after a translation (issue 20).
    """
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("not base64url without padding") from None
    if len(raw) % 4 == 1 or b"+" in raw or b"/" in raw or b"=" in raw:
        raise ValueError("not base64url without padding")
    try:
        data = pybase64.b64decode(raw + b"=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except ValueError:  # binascii.Error
        raise ValueError("not base64url without padding") from None
    tail = len(data) % 3 or 3
    if data and b64url_encode(data[-tail:]) != text[-((tail * 4 + 2) // 3) :]:
        raise ValueError("not the canonical base64url of its bytes")
    return data


def canonical_json(value: Any) -> bytes:
    """The one serialization we write and sign: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in our JSON")


def load_object(data: bytes, keys: frozenset[str]) -> dict[str, Any]:
    """A JSON object with exactly ``keys``; ``ValueError`` naming the first thing wrong."""
    value = load_any_object(data)
    require_keys(value, keys)
    return value


def load_any_object(data: bytes) -> dict[str, Any]:
    """A JSON object, whatever its keys; ``ValueError`` naming the first thing wrong."""
    flat = _flat_object(data)
    if flat is not None:
        return flat
    try:
        value = json.loads(
            data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError as exc:  # json.JSONDecodeError and our hooks; messages are one line
        raise ValueError(f"not valid JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _flat_object(data: bytes) -> dict[str, Any] | None:
    """``data`` read by msgspec's decoder when it is a compact flat object (strings, integers,
    booleans and null; no escapes, no whitespace) that the strict reader would read the same, else
    ``None`` (the strict reader then reads it, and words any refusal).

    A sealed bundle is such an object (``canonical_json``), mostly one string of hundreds of KiB,
    and this runs on every bid of a deadline rush: msgspec reads it faster than ``json`` (issue 20).
    It is as strict (UTF-8, no NaN or Infinity, no control characters, one value) but for duplicate
    keys, which it lets the last win. So the text's length is checked against the compact text of
    what was read: a duplicate key (its pair and a comma), whitespace or an escape would each make the
    text longer, and send it to the strict reader. Counting is by lengths, not by scanning the text
    again."""
    if b"\\" in data:
        return None
    try:
        value = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    size = 2 + max(len(value) - 1, 0)  # the braces and the commas
    for key, item in value.items():
        size += _utf8_size(key) + 3  # its quotes and the colon
        if isinstance(item, str):
            size += _utf8_size(item) + 2
        elif item is None or item is True:
            size += 4
        elif item is False:
            size += 5
        elif type(item) is int:
            size += len(str(item))
        else:
            return None  # a float, an array or an object: the strict reader's
    return value if size == len(data) else None


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def require_keys(value: dict[str, Any], keys: frozenset[str]) -> None:
    """``ValueError`` naming the keys missing from ``value``, or else those it should not have."""
    missing, unknown = sorted(keys - value.keys()), sorted(value.keys() - keys)
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if unknown:
        raise ValueError(f"unknown field {', '.join(unknown)}")


def is_id(value: object) -> bool:
    """A database id: a positive JSON integer (``True`` is not one)."""
    return type(value) is int and value > 0


def is_tenant_code(value: object) -> bool:
    """A tenant's code as it goes into associated data: short, and never containing the ``|`` separator."""
    return isinstance(value, str) and _TENANT_CODE.fullmatch(value) is not None


def field_bytes(document: dict[str, Any], key: str, *, size: int | None = None, minimum: int = 0) -> bytes:
    """The bytes of a base64url field, of exactly ``size`` bytes or at least ``minimum``."""
    text = document[key]
    if not isinstance(text, str):
        raise ValueError(f"{key} is not a string")
    try:
        data = b64url_decode(text)
    except ValueError as exc:
        raise ValueError(f"{key} is {exc}") from None
    if size is not None and len(data) != size:
        raise ValueError(f"{key} is {len(data)} bytes, not {size}")
    if len(data) < minimum:
        raise ValueError(f"{key} is {len(data)} bytes, fewer than {minimum}")
    return data
