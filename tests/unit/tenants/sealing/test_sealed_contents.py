"""A bid whose encryption is intact but whose contents do not add up is tampered too.

Only someone holding the tender's public key (the vendor) can produce such a bid, so these tests seal
hand-made containers by replacing the container writer.
"""

from __future__ import annotations

import hashlib
import json
import struct
from typing import Any

import pytest

from tenants.sealing import TamperedBid, _container, open_bid, parse_bundle, seal_bid

Keys = tuple[bytes, bytes]


def _container_of(manifest: Any, body: bytes = b"") -> bytes:
    encoded = json.dumps(manifest).encode()
    return struct.pack(">I", len(encoded)) + encoded + body


def _entry(name: str, data: bytes, **changes: Any) -> dict[str, Any]:
    entry = {
        "name": name,
        "content_type": "text/plain",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return entry | changes


CASES = [
    (b"\x00\x00", "shorter than its length prefix"),
    (b"\x00\x00\x00\xff{}", "runs past the end"),
    (_container_of([]), "not a JSON object"),
    (_container_of({"price": 5}), "missing files"),
    (_container_of({"price": 0, "files": []}), "more than 0"),
    (_container_of({"price": 5.5, "files": []}), "whole number"),
    (_container_of({"price": 5, "files": {}}), "not a list"),
    (
        _container_of({"price": 5, "files": [_entry("a.txt", b"abc")]}, b"abd"),
        r"file 1 \(a.txt\) does not match",
    ),
    (_container_of({"price": 5, "files": [_entry("a.txt", b"abc")]}, b"ab"), "runs past the end"),
    (_container_of({"price": 5, "files": [_entry("a.txt", b"abc")]}, b"abcd"), "1 bytes follow"),
    (_container_of({"price": 5, "files": [_entry("a.txt", b"abc", size=-1)]}, b"abc"), "no valid size"),
    (_container_of({"price": 5, "files": [_entry("../a.txt", b"")]}), "not a bare file name"),
    (_container_of({"price": 5, "files": [_entry("a", b""), _entry("a", b"")]}), "another file is named"),
    (_container_of({"price": 5, "files": [{"name": "a"}]}), "file 1 of the manifest is not"),
]


@pytest.mark.parametrize(("plaintext", "problem"), CASES)
def test_contents_that_do_not_match_their_manifest_are_tampered(
    monkeypatch: pytest.MonkeyPatch, tender_keys: Keys, place: dict[str, Any], plaintext: bytes, problem: str
) -> None:
    monkeypatch.setattr(_container, "pack", lambda price, files, signed=None: plaintext)
    bundle = parse_bundle(seal_bid(tender_keys[1], **place, signing_key=None, price=5, files=[]))
    with pytest.raises(TamperedBid, match=problem):
        open_bid(bundle, tender_keys[0], **place)


def test_a_hand_made_container_that_adds_up_opens(
    monkeypatch: pytest.MonkeyPatch, tender_keys: Keys, place: dict[str, Any]
) -> None:
    plaintext = _container_of({"price": 5, "files": [_entry("a.txt", b"abc"), _entry("b.txt", b"")]}, b"abc")
    monkeypatch.setattr(_container, "pack", lambda price, files, signed=None: plaintext)
    opened = open_bid(
        parse_bundle(seal_bid(tender_keys[1], **place, signing_key=None, price=5, files=[])),
        tender_keys[0],
        **place,
    )
    assert [(f.name, f.data) for f in opened.files] == [("a.txt", b"abc"), ("b.txt", b"")]
