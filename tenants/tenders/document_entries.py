"""What the tender view shows of a tender's documents, read once per transaction.

A step's read of its tender brings its documents' records along (``tenants.tenders.step_read``,
``remember_documents``), and the view it answers takes them from there; ``GET /api/tenders`` reads a
page's documents in one statement. What was read is kept until the transaction ends or a document
is added or deleted.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import Select, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tenants.tenders.models import Document
from tenants.tenders.transaction_memo import forget_at_transaction_end


class DocumentEntry(NamedTuple):
    """What the view shows of a document (its bytes and uploader stay behind)."""

    id: int
    name: str
    content_type: str
    size: int
    sha256: str


async def documents_of_tenders(
    session: AsyncSession, tender_ids: Collection[int]
) -> dict[int, list[DocumentEntry]]:
    """Each tender's documents by id; those a step's read of its tender brought along
    (``remember_documents``) are not read again."""
    known: dict[int, list[DocumentEntry]] = session.info.setdefault(_DOCUMENTS, {})
    if _document_written(session.sync_session):
        known.clear()
    missing = [i for i in dict.fromkeys(tender_ids) if i not in known]
    if missing:
        read: dict[int, list[DocumentEntry]] = {i: [] for i in missing}
        for row in await session.execute(_documents_query(missing)):
            read[row.tender_id].append(
                DocumentEntry(row.id, row.name, row.content_type, row.size, row.sha256)
            )
        known.update(read)
    return {i: list(known[i]) for i in tender_ids if known[i]}


def remember_documents(session: AsyncSession, tender_id: int, documents: list[DocumentEntry]) -> None:
    """Keep a tender's documents read by the caller's own statement in this transaction (a statement
    flushes the session first, so a document added before it is among them)."""
    session.info.setdefault(_DOCUMENTS, {})[tender_id] = documents


def _documents_query(tender_ids: Collection[int]) -> Select[int, int, str, str, int, str]:
    return (
        select(
            Document.tender_id,
            Document.id,
            Document.name,
            Document.content_type,
            Document.size,
            Document.sha256,
        )
        .where(Document.tender_id.in_(tender_ids))
        .order_by(Document.id)
    )


def _document_written(session: Session) -> bool:
    return any(isinstance(row, Document) for row in (*session.new, *session.deleted))


_DOCUMENTS = "tenants.tenders.document_entries"
"""The key of ``session.info`` for the documents' records this transaction has read."""


@event.listens_for(Session, "after_flush")
def _forget_on_writes(session: Session, _context: object) -> None:
    if _DOCUMENTS in session.info and _document_written(session):
        session.info[_DOCUMENTS].clear()


forget_at_transaction_end(_DOCUMENTS)
