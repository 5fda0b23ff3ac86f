"""The one canonical form of an audit entry, and the hash that chains it to the one before.

An entry's hash is ``sha256(prev_hash + canonical)`` in lowercase hex, where ``prev_hash`` is the
previous entry's hash (64 zeros before the first entry) and ``canonical`` is the UTF-8 JSON of

    {"action", "actor_id", "at", "payload", "seq", "subject"}

with keys sorted, no spaces (separators ``,`` and ``:``) and non-ASCII characters as themselves;
``at`` is ISO 8601 in UTC with microseconds (``2026-11-27T02:15:00.000000+00:00``). Appending
and verifying both call ``entry_hash``, so the two can never disagree on what an entry says;
an auditor can recompute every hash from ``AuditEntry.to_dict()`` with any JSON library that
sorts keys.

The payload that is hashed is the payload as PostgreSQL stores it (``jsonb`` normalises numbers:
``1e+20`` comes back as ``100000000000000000000``), which ``append_audit`` reads back before
hashing; ``json_payload`` only checks that a payload is JSON at all.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hub.core.errors import InvalidInput

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of a log's first entry."""


def iso_utc(at: datetime) -> str:
    """``at`` as the chain writes it: ISO 8601, UTC, microseconds."""
    if at.tzinfo is None:
        raise ValueError("audit times are timezone-aware (timestamptz)")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 as is: the same text for the same value, always."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject: str,
    payload: Mapping[str, Any],
) -> str:
    """The hash of one entry, chained to ``prev_hash``: the only definition there is."""
    content = _content(seq=seq, at=at, actor_id=actor_id, action=action, subject=subject, payload=payload)
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def content_around_seq(
    *, at: datetime, actor_id: int | None, action: str, subject: str, payload: Mapping[str, Any]
) -> tuple[str, str]:
    """An entry's canonical JSON cut where its ``seq`` goes: ``before + str(seq) + after`` is the
    text ``entry_hash`` hashes, whatever ``seq`` turns out to be.

    For ``hub.audit_append`` (migration h0016), which learns ``seq`` only under the chain's lock.
    The cut is the last ``,"seq":0,`` of the text made with ``seq`` 0: the top-level ``seq`` sorts
    after ``payload`` and before ``subject``, whose value is a string, where a quote is escaped.
    """
    content = _content(seq=0, at=at, actor_id=actor_id, action=action, subject=subject, payload=payload)
    cut = content.rindex(_SEQ_ZERO)
    return content[: cut + len(_SEQ_KEY)], content[cut + len(_SEQ_ZERO) - 1 :]


_SEQ_KEY = ',"seq":'
_SEQ_ZERO = ',"seq":0,'


def _content(
    *, seq: int, at: datetime, actor_id: int | None, action: str, subject: str, payload: Mapping[str, Any]
) -> str:
    return canonical_json(
        {
            "seq": seq,
            "at": iso_utc(at),
            "actor_id": actor_id,
            "action": action,
            "subject": subject,
            "payload": payload,
        }
    )


def json_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A plain JSON copy of ``payload`` (tuples become lists), or ``InvalidInput`` naming the culprit.

    Refused: anything JSON has no word for (datetimes, decimals, bytes, sets...; convert them to
    strings first, the way the record should read), keys that are not strings, NaN and infinities,
    and the NUL character, which PostgreSQL cannot store.
    """
    if not isinstance(payload, Mapping):
        raise InvalidInput(
            f"an audit payload is a JSON object, not {type(payload).__name__}", field="payload"
        )
    return _plain(payload, "payload")  # type: ignore[no-any-return]


def _plain(value: Any, path: str) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput(f"{path} contains the NUL character", field="payload")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"{path} is {value}, which JSON cannot hold", field="payload")
        return value
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str) or "\x00" in key:
                raise InvalidInput(
                    f"{path} has a key {key!r} that is not a string without NUL", field="payload"
                )
        return {key: _plain(item, f"{path}[{key!r}]") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{index}]") for index, item in enumerate(value)]
    raise InvalidInput(
        f"{path} is a {type(value).__name__}, not JSON: convert it first (e.g. to a string)",
        field="payload",
    )
