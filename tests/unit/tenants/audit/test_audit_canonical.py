"""An entry's canonical text cut around its ``seq``: rejoined with any ``seq``, it is what
``entry_hash`` hashes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from tenants.audit.canonical import GENESIS_HASH, content_around_seq, entry_hash

AT = datetime(2026, 12, 3, 6, 30, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("subject", "payload"),
    [
        ("tender:12", {}),
        ("tender:12", {"bid_id": 7, "bundle_sha256": "ab" * 32}),
        # Keys and text that look like the entry's own "seq" and "subject", where the cut must not fall.
        ('x","seq":0,"subject":"y', {"seq": 0, "subject": "tender:1", "nested": {"seq": 0, "zz": 1}}),
        ("tender:12", {"a": ',"seq":0,', "z": [',"seq":0,"subject":']}),
        ("lelang:Jembatan Kali Brantas — tahap Ⅱ", {"judul": "Pengadaan \u00e9\u00e8 \U0001f4dd"}),
    ],
)
@pytest.mark.parametrize("seq", [1, 9, 10, 123_456_789_012])
def test_the_parts_rejoined_with_any_seq_hash_as_the_entry(
    subject: str, payload: dict[str, Any], seq: int
) -> None:
    entry = {"at": AT, "actor_id": 42, "action": "bid.received", "subject": subject, "payload": payload}
    before, after = content_around_seq(**entry)
    prev = hashlib.sha256(b"previous").hexdigest()
    rejoined = hashlib.sha256((prev + before + str(seq) + after).encode("utf-8")).hexdigest()
    assert rejoined == entry_hash(prev, seq=seq, **entry)


def test_a_system_entry_without_actor_cuts_the_same_way() -> None:
    before, after = content_around_seq(
        at=AT, actor_id=None, action="tender.opened", subject="tender:1", payload={}
    )
    assert before.endswith(',"payload":{},"seq":')
    assert after == ',"subject":"tender:1"}'
    joined = hashlib.sha256((GENESIS_HASH + before + "1" + after).encode()).hexdigest()
    assert joined == entry_hash(
        GENESIS_HASH, seq=1, at=AT, actor_id=None, action="tender.opened", subject="tender:1", payload={}
    )
