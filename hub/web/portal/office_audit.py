"""What the auditors' page of a tenant's office (``/kantor/{slug}/audit``) reads: a page of the audit
log (filtered by tender or not), the latest signed checkpoint of the tenant's chain, and the log's
exports (CSV and JSON Lines).

An entry is shown with every field its hash covers, written as the chain writes them
(``AuditEntry.to_dict``): the page's script (``audit-verify.js``) recomputes each hash from them, so
the page must give the fields exactly, the payload as JSON text whose numbers read as Python writes
them (``json.dumps``, as ``tenants.audit.canonical`` does).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.audit import Checkpoint, read_audit
from tenants.audit.canonical import canonical_json, iso_utc
from tenants.audit.chain import MAX_PAGE
from tenants.audit.models import AuditEntry

PAGE = 50
"""Entries a page shows."""
EXPORT_COLUMNS = ("seq", "at", "actor_id", "action", "subject", "payload", "prev_hash", "hash")


@dataclass(frozen=True, slots=True)
class ShownEntry:
    """One entry as the page writes it; ``payload`` is its JSON text."""

    seq: int
    at: str
    actor_id: int | None
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, entry: AuditEntry) -> ShownEntry:
        payload = json.dumps(entry.payload, ensure_ascii=False, allow_nan=False)
        return cls(
            entry.seq,
            iso_utc(entry.at),
            entry.actor_id,
            entry.action,
            entry.subject,
            payload,
            entry.prev_hash,
            entry.hash,
        )


def subject_of_tender(tender: int | None) -> str | None:
    """The audit subject a tender's entries carry (``tender:12``)."""
    return None if tender is None else f"tender:{tender}"


async def audit_page(
    session: AsyncSession, *, after: int, tender: int | None, size: int = PAGE
) -> list[ShownEntry]:
    """Up to ``size`` entries after ``after`` (the tenant's session), of one tender when given."""
    entries = await read_audit(session, after_seq=after, limit=size, subject=subject_of_tender(tender))
    return [ShownEntry.of(entry) for entry in entries]


async def latest_checkpoint(session: AsyncSession, tenant_code: str) -> Checkpoint | None:
    """The newest signed checkpoint of the tenant's chain (a hub session), if any."""
    query = (
        select(Checkpoint)
        .where(Checkpoint.tenant_code == tenant_code)
        .order_by(Checkpoint.seq.desc(), Checkpoint.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _pages(session: AsyncSession, tender: int | None) -> AsyncIterator[list[AuditEntry]]:
    """The (filtered) log, oldest first, ``MAX_PAGE`` entries at a time."""
    after, subject = 0, subject_of_tender(tender)
    while True:
        entries = await read_audit(session, after_seq=after, limit=MAX_PAGE, subject=subject)
        if entries:
            yield entries
        if len(entries) < MAX_PAGE:
            return
        after = entries[-1].seq


async def export_csv(session: AsyncSession, tender: int | None) -> AsyncIterator[str]:
    """The (filtered) log as CSV, a page of entries a chunk: a header row, one row per entry, the
    payload as canonical JSON, no value for an entry without an actor."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    async for entries in _pages(session, tender):
        for entry in entries:
            row = {**entry.to_dict(), "payload": canonical_json(entry.payload)}
            writer.writerow(["" if row[c] is None else row[c] for c in EXPORT_COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if out.tell():
        yield out.getvalue()  # the header of an empty log


async def export_json_lines(session: AsyncSession, tender: int | None) -> AsyncIterator[str]:
    """The (filtered) log as JSON Lines, a page of entries a chunk: one ``AuditEntry.to_dict()`` a
    line, keys sorted."""
    async for entries in _pages(session, tender):
        yield "".join(canonical_json(entry.to_dict()) + "\n" for entry in entries)
