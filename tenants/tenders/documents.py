"""Tender documents, and the one small interface their bytes go through.

The default store keeps blobs in PostgreSQL, in the same transaction as their record, so a document
and its bytes are written or rolled back together. Another store (object storage) implements the
same two methods.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tenants.tenders.acting import get_tender
from tenants.tenders.bidding.participation import is_registered
from tenants.tenders.models import Blob, Document
from tenants.vocabulary import TenderStatus

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
ALLOWED_TYPES = {
    "application/pdf",
    "application/zip",
    "application/x-zip-compressed",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword",
    "application/vnd.ms-excel",
    "image/png",
    "image/jpeg",
}


class BlobStore(Protocol):
    async def put(self, session: AsyncSession, data: bytes) -> int: ...

    async def get(self, session: AsyncSession, blob_id: int) -> bytes: ...


class PostgresBlobStore:
    """Blobs in the tenant's own ``blobs`` table, in the caller's transaction."""

    async def put(self, session: AsyncSession, data: bytes) -> int:
        blob = Blob(data=data)
        session.add(blob)
        await session.flush()
        return blob.id

    async def get(self, session: AsyncSession, blob_id: int) -> bytes:
        data = await session.scalar(select(Blob.data).where(Blob.id == blob_id))
        if data is None:
            raise NotFound(f"no blob {blob_id}")
        return bytes(data)


async def upload_document(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    name: str,
    content_type: str,
    data: bytes,
    store: BlobStore,
) -> Document:
    await actor.require(session, Action.TENDER_PREPARE)
    tender = await get_tender(session, tender_id)
    if tender.status == TenderStatus.CANCELLED:
        raise Conflict(f"tender {tender_id} is cancelled")
    name = name.strip().replace("/", "_").replace("\\", "_")
    if not name or len(name) > 200:
        raise InvalidInput("a document needs a file name of at most 200 characters", field="file")
    if content_type not in ALLOWED_TYPES:
        raise InvalidInput(f"documents of type {content_type!r} are not accepted", field="file")
    if not data or len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"a document must be 1 byte to {MAX_DOCUMENT_BYTES // 2**20} MiB", field="file")
    document = Document(
        tender_id=tender_id,
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        blob_id=await store.put(session, data),
        uploaded_by=actor.account_id,
    )
    session.add(document)
    await session.flush()
    await actor.record(
        session,
        "document.uploaded",
        f"tender:{tender_id}",
        document_id=document.id,
        name=name,
        sha256=document.sha256,
        size=document.size,
    )
    return document


async def list_documents(session: AsyncSession, tender_id: int) -> list[Document]:
    query = select(Document).where(Document.tender_id == tender_id).order_by(Document.id)
    return list((await session.execute(query)).scalars())


async def download_document(
    session: AsyncSession,
    tender_id: int,
    document_id: int,
    *,
    vendor_id: int | None,
    official: bool,
    store: BlobStore,
) -> tuple[Document, bytes]:
    """A document's record and bytes, for the tenant's officials and the tender's registered vendors."""
    document = await session.get(Document, document_id)
    if document is None or document.tender_id != tender_id:
        raise NotFound(f"no document {document_id} in tender {tender_id}")
    if not official and (vendor_id is None or not await is_registered(session, tender_id, vendor_id)):
        raise Forbidden("documents are for vendors registered for this tender")
    return document, await store.get(session, document.blob_id)
