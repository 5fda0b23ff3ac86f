"""Base64url as bundles carry it: one text for each value, whatever decoder does the work (issue 20)."""

from __future__ import annotations

import base64
import os

import pytest

from tenants.sealing._codec import b64url_decode, b64url_encode


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 31, 32, 48, 341 * 1024])
def test_every_length_decodes_back_to_its_bytes(size: int) -> None:
    data = os.urandom(size)
    assert b64url_decode(b64url_encode(data)) == data


@pytest.mark.parametrize(
    "text",
    [
        "YWJj+A",  # the standard alphabet's characters, not base64url's
        "YWJj/A",
        "YWJjZA==",  # padded
        "YWJj ZA",  # whitespace
        "YWJjZ",  # a length no bytes have
        "YWJjZB",  # stray low bits: "ZA" is the one text of these bytes
        "YWJj-é",  # not ASCII
        "YW\nJj",
    ],
)
def test_a_text_that_is_not_the_one_encoding_of_its_bytes_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="base64url"):
        b64url_decode(text)


def test_the_url_alphabet_is_read_as_such() -> None:
    data = bytes([0xFB, 0xFF, 0xBF])
    assert b64url_decode("-_-_") == data == base64.urlsafe_b64decode("-_-_")
