"""Objections (*sanggah*): one per bidder per announced award, inside the objection period.

A bidder lodges its objection with grounds and supporting documents while the period is open on
the database clock. The committee answers each one. An upheld objection withdraws the award and
reopens evaluation in a new round; the next award announcement opens a new period.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.clock import database_now
from hub.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tenants.tenders.acting import get_tender
from tenants.tenders.award.decision import require_award
from tenants.tenders.bidding.participation import vendor_of
from tenants.tenders.documents import ALLOWED_TYPES, MAX_DOCUMENT_BYTES, BlobStore
from tenants.tenders.evaluation.assessments import opened_bids
from tenants.tenders.outcome_models import Objection, ObjectionFile
from tenants.tenders.progress import require_status
from tenants.tenders.publication.publish import publish
from tenants.tenders.view_reads import objections_of_tenders
from tenants.vocabulary import TenderStatus

MAX_FILES = 5


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


async def lodge_objection(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    grounds: str,
    attachments: list[Attachment],
    store: BlobStore,
) -> Objection:
    vendor_id = await vendor_of(session, actor.account_id)
    tender = await get_tender(session, tender_id, for_update=True)
    if vendor_id not in {bid.vendor_id for bid in opened_bids(tender)}:
        raise Forbidden("only the bidders of this tender may object to its award")
    require_status(tender, TenderStatus.AWARD_ANNOUNCED, doing="lodge an objection")
    award = await require_award(session, tender)
    now = await database_now(session)
    assert award.announced_at is not None
    assert award.objection_ends_at is not None
    if not award.announced_at <= now < award.objection_ends_at:
        raise Conflict(f"the objection period ended at {award.objection_ends_at.isoformat()}")
    if vendor_id == award.vendor_id:
        raise Conflict("the winner cannot object to its own award")
    if await session.scalar(
        select(Objection.id).where(
            Objection.tender_id == tender_id,
            Objection.round == tender.round,
            Objection.vendor_id == vendor_id,
        )
    ):
        raise Conflict("this vendor has lodged its objection to this award already")
    grounds = grounds.strip()
    if not 20 <= len(grounds) <= 20_000:
        raise InvalidInput("the grounds of an objection need 20 to 20000 characters", field="grounds")
    if len(attachments) > MAX_FILES:
        raise InvalidInput(f"at most {MAX_FILES} documents support an objection", field="files")
    objection = Objection(
        tender_id=tender_id,
        round=tender.round,
        vendor_id=vendor_id,
        grounds=grounds,
        lodged_by=actor.account_id,
        lodged_at=now,
    )
    session.add(objection)
    await session.flush()
    files = [await _attach(session, objection.id, a, store) for a in attachments]
    await actor.record(
        session,
        "objection.lodged",
        f"tender:{tender_id}",
        objection_id=objection.id,
        round=tender.round,
        vendor_id=vendor_id,
        files=[{"name": f.name, "sha256": f.sha256} for f in files],
    )
    return objection


async def _attach(
    session: AsyncSession, objection_id: int, attachment: Attachment, store: BlobStore
) -> ObjectionFile:
    name = attachment.name.strip().replace("/", "_").replace("\\", "_")
    if not name or len(name) > 200:
        raise InvalidInput("each document needs a file name of at most 200 characters", field="files")
    if attachment.content_type not in ALLOWED_TYPES:
        raise InvalidInput(f"documents of type {attachment.content_type!r} are not accepted", field="files")
    if not attachment.data or len(attachment.data) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"a document must be 1 byte to {MAX_DOCUMENT_BYTES // 2**20} MiB", field="files")
    file = ObjectionFile(
        objection_id=objection_id,
        name=name,
        content_type=attachment.content_type,
        size=len(attachment.data),
        sha256=hashlib.sha256(attachment.data).hexdigest(),
        blob_id=await store.put(session, attachment.data),
    )
    session.add(file)
    await session.flush()
    return file


async def answer_objection(
    session: AsyncSession, actor: Actor, tender_id: int, objection_id: int, answer: str, upheld: bool
) -> Objection:
    await actor.require(session, Action.OBJECTION_ANSWER)
    tender = await get_tender(session, tender_id, for_update=True)
    objection = await session.get(Objection, objection_id, with_for_update=True)
    if objection is None or objection.tender_id != tender_id:
        raise NotFound(f"no objection {objection_id} in tender {tender_id}")
    if objection.answered_at is not None:
        raise Conflict(f"objection {objection_id} has been answered already")
    answer = answer.strip()
    if not 10 <= len(answer) <= 20_000:
        raise InvalidInput("an answer needs 10 to 20000 characters", field="answer")
    if not isinstance(upheld, bool):
        raise InvalidInput("upheld must be true or false", field="upheld")
    now = await database_now(session)
    objection.answer, objection.upheld, objection.answered_by, objection.answered_at = (
        answer,
        upheld,
        actor.account_id,
        now,
    )
    await session.flush()
    await actor.record(
        session,
        "objection.answered",
        f"tender:{tender_id}",
        objection_id=objection_id,
        upheld=upheld,
    )
    if upheld and objection.round == tender.round and tender.status == TenderStatus.AWARD_ANNOUNCED:
        award = await require_award(session, tender)
        award.withdrawn_at = now
        tender.round += 1
        tender.status = TenderStatus.OPENED.value
        await session.flush()
        await actor.record(
            session,
            "evaluation.reopened",
            f"tender:{tender_id}",
            round=tender.round,
            objection_id=objection_id,
            withdrawn_vendor_id=award.vendor_id,
        )
        await publish(session, actor.tenant, tender, "awardUpdate")
    return objection


async def objections_of(session: AsyncSession, tender_id: int) -> list[tuple[Objection, list[ObjectionFile]]]:
    return (await objections_of_tenders(session, [tender_id])).get(tender_id, [])


async def objection_file(
    session: AsyncSession, tender_id: int, file_id: int, store: BlobStore
) -> tuple[ObjectionFile, bytes]:
    file = await session.get(ObjectionFile, file_id)
    objection = await session.get(Objection, file.objection_id) if file else None
    if file is None or objection is None or objection.tender_id != tender_id:
        raise NotFound(f"no objection document {file_id} in tender {tender_id}")
    return file, await store.get(session, file.blob_id)
