"""The change feed: every public change, in an order a follower can never skip past.

A plain sequence skips: a transaction that took position 10 may commit after a reader saw 11 and
moved its cursor past 10. So the feed is ordered by the writing transaction's id first (``xid8``,
assigned when the transaction first writes), then the position, and it serves only changes of
transactions older than the oldest one still running (``pg_snapshot_xmin``): all of those have
ended, so nothing can later appear before what was served. A transaction still running holds the
feed back (never longer than it runs); it never makes a follower miss a change. Any transaction of
the server that has an id counts, whatever its database: ids come from one counter for the whole
server, and a snapshot lists every database's running transactions (README, "What stalls the feed").

Two kinds of entry share the feed and its positions: a tender's public change with its OCDS release
(``release``), and a tenant's audit chain head signed by the hub (``audit.checkpoint``, written by
``tenants.audit.checkpoint_chain`` in its own transaction, so a follower gets every checkpoint, in
order, as it gets every change). A reader that knows only releases skips the other kind, or asks
for releases alone (``kind``).

The cursor is opaque to followers: ``<xid>.<position>`` in base64url. Each entry carries its own
(``cursor``): a follower that stops in the middle of a page resumes right after the last entry it
kept. A cursor past the head (a transaction id not yet assigned, or a position the sequence has not
given out) is refused: no entry would ever come after it, and the follower would wait forever.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.ocds import with_ocid
from hub.core.errors import InvalidInput
from tenants.audit import Checkpoint

MAX_LIMIT = 1000
START = (0, 0)
RELEASE = "release"
CHECKPOINT = "audit.checkpoint"
KINDS = (RELEASE, CHECKPOINT)
"""The kinds of entry: a tender's change with its OCDS release, and a signed audit checkpoint."""


@dataclass(frozen=True, slots=True)
class ReleaseEntry:
    """A public change of a tender, with its OCDS release."""

    position: int
    xid: int
    ocid: str  # local: without the hub's prefix
    tags: list[str]
    release: dict[str, Any]
    created_at: datetime

    @property
    def cursor(self) -> str:
        """This entry's place in the feed: a follower passes it as ``after`` to resume right after it."""
        return encode_cursor(self.xid, self.position)

    def published(self, prefix: str) -> dict[str, Any]:
        """The release as published: with this hub's ocid and a release id."""
        return with_ocid(self.release, f"{prefix}-{self.ocid}", self.position)


@dataclass(frozen=True, slots=True)
class CheckpointEntry:
    """A tenant's audit chain head, or the vendor key log's, as signed by the hub
    (``tenants.audit.checkpoints``)."""

    position: int
    xid: int
    checkpoint: Checkpoint
    created_at: datetime

    @property
    def cursor(self) -> str:
        """As ``ReleaseEntry.cursor``."""
        return encode_cursor(self.xid, self.position)


FeedEntry = ReleaseEntry | CheckpointEntry


@dataclass(frozen=True, slots=True)
class FeedPage:
    entries: list[FeedEntry]
    next_cursor: str

    @property
    def releases(self) -> list[ReleaseEntry]:
        return [entry for entry in self.entries if isinstance(entry, ReleaseEntry)]


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


_AFTER_THE_CURSOR = (
    "(entry.xid, entry.position) > (CAST(:xid AS text)::xid8, :position) "
    "AND entry.xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY entry.xid, entry.position LIMIT :limit"
)
FEED = text(
    "SELECT kind, position, xid_text, created_at, ocid, tags, release, tenant_code, seq, head_hash, at, "
    "kid, signature FROM ("
    "(SELECT 'release' AS kind, position, xid::text AS xid_text, xid, created_at, ocid, tags, release, "
    "NULL AS tenant_code, NULL::bigint AS seq, NULL AS head_hash, NULL::timestamptz AS at, NULL AS kid, "
    "NULL AS signature FROM hub.changes AS entry "
    f"WHERE CAST(:kind AS text) IS DISTINCT FROM '{CHECKPOINT}' AND origin = '' AND {_AFTER_THE_CURSOR}) "
    "UNION ALL "
    "(SELECT 'audit.checkpoint', position, xid::text, xid, at, NULL, NULL, NULL, "
    "tenant_code, seq, head_hash, at, kid, signature FROM hub.audit_checkpoints AS entry "
    f"WHERE CAST(:kind AS text) IS DISTINCT FROM '{RELEASE}' AND {_AFTER_THE_CURSOR})"
    ") AS feed ORDER BY feed.xid, feed.position LIMIT :limit"
)
"""Each kind's next ``limit`` entries by its own index on ``(xid, position)``, merged: a page reads
at most twice as many rows as it serves, however far the cursor is from the end. (One ``UNION ALL``
ordered and limited outside is planned as a sort of every entry after the cursor: 50 ms for 55,000
entries, and growing with them.) Positions come from one sequence, so the order is total."""


async def read_feed(
    session: AsyncSession, after: str | None, limit: int, kind: str | None = None
) -> FeedPage:
    """The next ``limit`` entries of this hub's feed after ``after`` (from the start if empty): every
    kind, or only ``kind`` (one of ``KINDS``). The cursor counts across kinds, so a follower may
    switch from one to every kind and back without missing or repeating an entry."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind is one of {', '.join(KINDS)}", field="kind")
    xid, position = decode_cursor(after)
    if after:
        await _check_not_beyond_the_head(session, xid, position)
    rows = await session.execute(
        FEED, {"xid": str(xid), "position": position, "kind": kind, "limit": check_limit(limit)}
    )
    entries = [_entry(row) for row in rows]
    last = (entries[-1].xid, entries[-1].position) if entries else (xid, position)
    return FeedPage(entries, encode_cursor(*last))


HEAD = text(
    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid, "
    "(SELECT last_value FROM hub.changes_position_seq) AS last_position"
)
"""The feed's head: the next transaction id the server will assign (one counter for every database
of the server), and the last position the one sequence of both kinds of entry gave out. Both only
grow, so a cursor this feed gave out is never beyond them, however long ago it was given."""


async def _check_not_beyond_the_head(session: AsyncSession, xid: int, position: int) -> None:
    """Refuse a cursor no entry can ever follow. A cursor at the head, or at a change still held back
    by an older running transaction (the horizon), is a cursor the feed may give out, and passes."""
    head = (await session.execute(HEAD)).one()
    if xid >= int(head.next_xid) or position > head.last_position:
        raise InvalidInput(
            "after is beyond the end of the feed: not a cursor this feed gave out", field="after"
        )


def _entry(row: Row[Any]) -> FeedEntry:
    if row.kind == CHECKPOINT:
        checkpoint = Checkpoint(
            tenant_code=row.tenant_code,
            seq=row.seq,
            head_hash=row.head_hash,
            at=row.at,
            kid=row.kid,
            signature=row.signature,
        )
        return CheckpointEntry(row.position, int(row.xid_text), checkpoint, row.created_at)
    return ReleaseEntry(
        row.position, int(row.xid_text), row.ocid, list(row.tags), row.release, row.created_at
    )
