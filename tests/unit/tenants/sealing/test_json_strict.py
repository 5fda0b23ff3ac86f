"""JSON as bundles carry it, read strictly whichever reader does the work (issue 20): a flat object
is read by msgspec, anything else (or anything msgspec refuses) by the strict ``json`` reader, and
both give the same value or the same refusal."""

from __future__ import annotations

import json

import pytest

from tenants.sealing._codec import _flat_object, load_any_object


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "text",
    [
        b'{"a":"x","b":1,"c":null,"d":true,"e":false,"f":-12}',
        b'{"b":123456789012345678901234567890,"":""}',
        b"{}",
        '{"\u00a0":"é"}'.encode(),
        b'{"a":"' + b"A" * 400_000 + b'","b":"c"}',
    ],
)
def test_a_flat_object_reads_as_the_strict_reader_reads_it(text: bytes) -> None:
    assert _flat_object(text) is not None  # msgspec read it
    assert load_any_object(text) == json.loads(text)


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "text",
    [
        b'{"a":"x","a":"y"}',  # a duplicate key: msgspec would let the last win
        b'{"a":1,"a":2}',
        b'{"a":"x","b":1,"a":1}',
        b'{"a":{"b":1},"a":1}',
        b'{"a":"x","\\u0061":"y"}',  # the same key, escaped
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b'{"a":"\xff"}',
        b'{"a":"x\x01"}',
        b'["a"]',
        b'{"a":"x"} x',
        b"\xef\xbb\xbf{}",
    ],
)
def test_what_the_strict_reader_refuses_is_refused(text: bytes) -> None:
    with pytest.raises(ValueError, match=r"not valid JSON|not UTF-8|not a JSON object"):
        load_any_object(text)


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "text",
    [
        b'{"a":1.5}',
        b'{"a":[1]}',
        b'{"a":"x\\"y"}',
        b'{"a":{"b":"c"}}',
        b' {"a" : "x" ,\n "b":1} ',  # whitespace
        b'{"a":-0}',  # read as 0, written shorter
    ],
)
def test_what_is_not_flat_and_plain_goes_to_the_strict_reader(text: bytes) -> None:
    assert _flat_object(text) is None
    assert load_any_object(text) == json.loads(text)
