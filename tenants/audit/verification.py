"""Checking a tenant's audit log: every entry as written, in order, nothing missing.

``verify_chain`` walks the log by ``seq`` in pages and recomputes every hash. What it finds:

- an edited entry: its content no longer gives its hash;
- a deleted entry: a gap in ``seq``, or an entry whose ``prev_hash`` is not its predecessor's hash;
- reordered entries: ``prev_hash`` no longer links them;
- a cut-off tail or a log rewritten with fresh hashes: an anchor in ``hub.audit_anchors`` or a
  signed checkpoint in ``hub.audit_checkpoints`` names an entry that is gone, or that has another
  hash now.

It reports the first broken entry in one sentence and keeps reading to the end only to count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.audit.canonical import GENESIS_HASH, entry_hash
from tenants.audit.chain import anchors_of, tenant_code
from tenants.audit.models import Anchor, AuditEntry, Checkpoint

BATCH_SIZE = 5000
ENTRY_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.at,
    AuditEntry.actor_id,
    AuditEntry.action,
    AuditEntry.subject,
    AuditEntry.payload,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What verifying a tenant's audit log found; ``ok`` when nothing is wrong."""

    ok: bool
    entries: int
    head_seq: int | None
    """The last entry's number; ``None`` for an empty log."""
    head_hash: str | None
    first_broken_seq: int | None
    """The first entry that is missing or not as written; ``None`` when ``ok``."""
    problem: str | None
    """One sentence naming that entry and what is wrong with it."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


async def verify_chain(
    session: AsyncSession, *, batch_size: int = BATCH_SIZE, from_latest_anchor: bool = False
) -> ChainReport:
    """Check the log of the session's tenant against its hashes and its anchors.

    Read-only; run it in a tenant session. Entries appended while it runs may or may not be
    included, and do not disturb it. ``from_latest_anchor`` checks only the latest anchored entry
    and what follows it (the probes' cheap check, every round); ``entries`` then counts those.
    """
    code = tenant_code(session)
    # Signed checkpoints bind the log as anchors do (they are anchors that outsiders also keep).
    signed = select(Checkpoint.seq, Checkpoint.head_hash, Checkpoint.at).where(Checkpoint.tenant_code == code)
    anchored = select(Anchor.seq, Anchor.hash, Anchor.anchored_at).where(anchors_of(code))
    anchors = (await session.execute(union_all(anchored, signed))).all()
    walk = _Walk(anchors)
    if from_latest_anchor and anchors:
        latest, _, anchored_at = max(anchors, key=lambda anchor: anchor[0])
        link = await session.scalar(select(AuditEntry.prev_hash).where(AuditEntry.seq == latest))
        if link is None:
            gone = (
                f"entry {latest}, anchored in the hub at {_when(anchored_at)}, is gone: the log was cut off"
            )
            return ChainReport(False, 0, None, None, latest, gone)
        # Start just before the anchored entry, trusting its link: stepping it checks its content
        # and its hash against the anchor, then every entry after it.
        walk.seq, walk.hash = latest - 1, link
    while True:
        query = (
            select(*ENTRY_COLUMNS).where(AuditEntry.seq > walk.seq).order_by(AuditEntry.seq).limit(batch_size)
        )
        rows = (await session.execute(query)).all()
        for row in rows:
            walk.step(row)
        if len(rows) < batch_size:
            return walk.report()


class _Walk:
    """The state of one pass over the log: where it is, and the first problem met."""

    def __init__(self, anchors: Iterable[Row[int, str, datetime]]) -> None:
        self.anchors: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
        for seq, anchored_hash, anchored_at in anchors:
            self.anchors[seq].append((anchored_hash, anchored_at))
        self.entries = 0
        self.seq = 0
        self.hash = GENESIS_HASH
        self.held_anchor = 0  # the last anchored entry found intact
        self.broken: tuple[int, str] | None = None

    def step(self, row: Row[Any]) -> None:
        if self.broken is None:
            self.broken = self._problem(row)
        self.entries += 1
        self.seq, self.hash = row.seq, row.hash

    def _problem(self, row: Row[Any]) -> tuple[int, str] | None:
        if row.seq != self.seq + 1:
            return self.seq + 1, _gap(self.seq, row.seq)
        if row.prev_hash != self.hash:
            return row.seq, _unlinked(row.seq)
        content = {name: getattr(row, name) for name in ("seq", "at", "actor_id", "action", "subject")}
        if entry_hash(row.prev_hash, payload=row.payload, **content) != row.hash:
            return row.seq, f"entry {row.seq} was edited: its content no longer matches its hash"
        for anchored_hash, anchored_at in self.anchors.get(row.seq, ()):
            if anchored_hash != row.hash:
                return row.seq, (
                    f"entry {row.seq} no longer has the hash anchored in the hub at {_when(anchored_at)}, "
                    f"so the log was rewritten somewhere in entries {self.held_anchor + 1} to {row.seq}"
                )
        if row.seq in self.anchors:
            self.held_anchor = row.seq
        return None

    def report(self) -> ChainReport:
        if self.broken is None:
            self.broken = self._cut_off()
        seq, problem = self.broken if self.broken is not None else (None, None)
        return ChainReport(
            ok=problem is None,
            entries=self.entries,
            head_seq=self.seq or None,
            head_hash=self.hash if self.seq else None,
            first_broken_seq=seq,
            problem=problem,
        )

    def _cut_off(self) -> tuple[int, str] | None:
        beyond = [seq for seq in self.anchors if seq > self.seq]
        if not beyond:
            return None
        anchored = max(beyond)
        _, anchored_at = self.anchors[anchored][-1]
        ends = f"the log ends at entry {self.seq}" if self.seq else "the log is empty"
        return self.seq + 1, (
            f"{ends} but entry {anchored} was anchored in the hub at {_when(anchored_at)}, "
            f"so entries {self.seq + 1} to {anchored} were removed"
        )


def _gap(previous: int, seq: int) -> str:
    missing = (
        f"entry {previous + 1} is" if seq == previous + 2 else f"entries {previous + 1} to {seq - 1} are"
    )
    where = f"the log jumps from entry {previous} to entry {seq}" if previous else f"the log starts at {seq}"
    return f"{missing} missing ({where}): deleted"


def _unlinked(seq: int) -> str:
    if seq == 1:
        return "entry 1 does not start a chain: its prev_hash is not 64 zeros"
    return (
        f"entry {seq} does not follow entry {seq - 1}: its prev_hash is not entry {seq - 1}'s hash, "
        f"so entries were reordered or entry {seq - 1} was rewritten"
    )


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
