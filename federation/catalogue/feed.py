"""The change feed: every public change, in an order a follower can never skip past.

A plain sequence skips: a transaction that took position 10 may commit after a reader saw 11 and
moved its cursor past 10. So the feed is ordered by the writing transaction's id first (``xid8``,
assigned when the transaction first writes), then the position, and it serves only changes of
transactions older than the oldest one still running (``pg_snapshot_xmin``): all of those have
ended, so nothing can later appear before what was served. A transaction still running holds the
feed back (never longer than it runs); it never makes a follower miss a change.

The cursor is opaque to followers: ``<xid>.<position>`` in base64url.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.ocds import with_ocid
from hub.core.errors import InvalidInput

MAX_LIMIT = 1000
START = (0, 0)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    position: int
    xid: int
    ocid: str  # local: without the hub's prefix
    tags: list[str]
    release: dict[str, Any]
    created_at: datetime

    def published(self, prefix: str) -> dict[str, Any]:
        """The release as published: with this hub's ocid and a release id."""
        return with_ocid(self.release, f"{prefix}-{self.ocid}", self.position)


@dataclass(frozen=True, slots=True)
class FeedPage:
    entries: list[FeedEntry]
    next_cursor: str


def encode_cursor(xid: int, position: int) -> str:
    return base64.urlsafe_b64encode(f"{xid}.{position}".encode()).decode().rstrip("=")


def decode_cursor(raw: str | None, field: str = "after") -> tuple[int, int]:
    if not raw:
        return START
    try:
        xid, position = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode().split(".")
        parsed = int(xid), int(position)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput(f"{field} is not a cursor this feed gave out", field=field) from None
    if parsed[0] < 0 or parsed[1] < 0:
        raise InvalidInput(f"{field} is not a cursor this feed gave out", field=field)
    return parsed


def check_limit(limit: int, field: str = "limit") -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"{field} must be 1 to {MAX_LIMIT}", field=field)
    return limit


async def read_feed(session: AsyncSession, after: str | None, limit: int) -> FeedPage:
    """The next ``limit`` changes of this hub's tenders after ``after`` (from the start if empty)."""
    xid, position = decode_cursor(after)
    rows = await session.execute(
        text(
            "SELECT position, xid::text AS xid_text, ocid, tags, release, created_at FROM hub.changes "
            "WHERE origin = '' "
            "AND (xid, position) > (CAST(:xid AS text)::xid8, :position) "
            "AND xid < pg_snapshot_xmin(pg_current_snapshot()) "
            "ORDER BY hub.changes.xid, position LIMIT :limit"
        ),
        {"xid": str(xid), "position": position, "limit": check_limit(limit)},
    )
    entries = [
        FeedEntry(r.position, int(r.xid_text), r.ocid, list(r.tags), r.release, r.created_at) for r in rows
    ]
    last = (entries[-1].xid, entries[-1].position) if entries else (xid, position)
    return FeedPage(entries, encode_cursor(*last))
