"""Vendors in a tender: registration, and the clarification stage's questions and answers.

A vendor acts through one of its users' accounts. Registration needs a vendor that may bid in this
tenant (verified anywhere on the hub, not suspended here) during announcement or document download.
Answers are seen by every registered vendor; who asked is seen by the tenant's officials only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Select, and_, bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.models import Account
from federation.identity.policy import Action
from federation.vendors import require_eligible
from hub.core.clock import database_now
from hub.core.direct import first_row, flush_pending
from hub.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tenants.tenders.acting import get_tender
from tenants.tenders.models import Clarification, Registration, Tender
from tenants.tenders.schedules import load_schedule
from tenants.tenders.stages import Stage, open_stages
from tenants.tenders.step_read import read_tender_for_account
from tenants.vocabulary import TenderStatus


async def vendor_of(session: AsyncSession, account_id: int) -> int:
    """The vendor company an account acts for; ``Forbidden`` for officials and other people."""
    vendor_id = await session.scalar(select(Account.vendor_id).where(Account.id == account_id))
    if vendor_id is None:
        raise Forbidden("only a vendor's user can do this")
    return int(vendor_id)


async def require_stage(session: AsyncSession, tender: Tender, *stages: Stage) -> None:
    """Refuse unless the tender is announced and one of ``stages`` is open on the database clock."""
    if tender.status != TenderStatus.ANNOUNCED:
        raise Conflict(f"tender {tender.id} is {tender.status}")
    schedule = await load_schedule(session, tender.id)
    now = await database_now(session)
    if not set(open_stages(schedule, now)) & set(stages):
        names = " or ".join(s.value for s in stages)
        raise Conflict(f"this can be done only during {names} (database time {now.isoformat()})")


async def is_registered(session: AsyncSession, tender_id: int, vendor_id: int) -> bool:
    return await session.get(Registration, (tender_id, vendor_id)) is not None


async def register_for_tender(session: AsyncSession, actor: Actor, tender_id: int) -> Registration:
    # The caller's vendor read with the tender, in one round trip (issue 20); refused in the same
    # order as read apart: not a vendor's user first, then no such tender.
    tender, vendor_id = await read_tender_for_account(session, tender_id, actor.account_id)
    if tender is None:
        await vendor_of(session, actor.account_id)
        raise NotFound(f"no tender {tender_id} in this tenant")
    if vendor_id is None:
        raise Forbidden("only a vendor's user can do this")
    if tender.is_direct:
        raise Forbidden("a direct procurement takes the offer of its invited vendor only")
    await require_stage(session, tender, Stage.ANNOUNCEMENT, Stage.DOCUMENT_DOWNLOAD)
    await require_eligible(session, vendor_id, doing="register for a tender")
    # Inserted unless there is one already, in one round trip (issue 20: a check, then the insert),
    # sent without the ORM's bulk insert (``hub.core.direct``): five registrations a tender.
    parameters = {"tender_id": tender_id, "vendor_id": vendor_id, "registered_by": actor.account_id}
    await flush_pending(session)
    row = await first_row(session, _REGISTER, parameters)
    if row is None:
        raise Conflict("this vendor is registered for this tender already")
    registration = Registration(**row.mapping())
    await actor.record(session, "tender.registered", f"tender:{tender_id}", vendor_id=vendor_id)
    return registration


_REGISTER = (
    insert(Registration)
    .values(
        tender_id=bindparam("tender_id", type_=BigInteger),
        vendor_id=bindparam("vendor_id", type_=BigInteger),
        registered_by=bindparam("registered_by", type_=BigInteger),
    )
    .on_conflict_do_nothing()
    .returning(
        Registration.tender_id, Registration.vendor_id, Registration.registered_by, Registration.registered_at
    )
)
"""A registration, unless the vendor has one for the tender (built once); no row if it has."""


async def registered_vendor(session: AsyncSession, actor: Actor, tender_id: int) -> int:
    """The caller's vendor, if it is registered for the tender: one round trip (on the bid path).
    A tender that is not in this tenant is not found, rather than one the vendor is not registered for."""
    parameters = {"account_id": actor.account_id, "tender_id": tender_id}
    row = (await session.execute(_REGISTERED_VENDOR, parameters)).first()
    if row is None or row.vendor_id is None:
        raise Forbidden("only a vendor's user can do this")
    if row.tender_id is None:
        if not row.tender_exists:
            raise NotFound(f"no tender {tender_id} in this tenant")
        raise Forbidden("this vendor is not registered for this tender")
    return int(row.vendor_id)


def _registered_vendor() -> Select[int | None, int, bool]:
    tender_id = bindparam("tender_id", type_=BigInteger)
    registration = and_(Registration.vendor_id == Account.vendor_id, Registration.tender_id == tender_id)
    tender = select(Tender.id).where(Tender.id == tender_id).exists()
    return (
        select(Account.vendor_id, Registration.tender_id, tender.label("tender_exists"))
        .outerjoin(Registration, registration)
        .where(Account.id == bindparam("account_id", type_=BigInteger))
    )


_REGISTERED_VENDOR = _registered_vendor()
"""Built once: it runs on every bid of a deadline rush, where building a statement costs more CPU
than running it (``federation.vendors.suspensions._standing_query``)."""


async def ask(session: AsyncSession, actor: Actor, tender_id: int, question: str) -> Clarification:
    vendor_id = await registered_vendor(session, actor, tender_id)
    await require_stage(session, await get_tender(session, tender_id), Stage.CLARIFICATION)
    question = question.strip()
    if not 5 <= len(question) <= 4000:
        raise InvalidInput("a question needs 5 to 4000 characters", field="question")
    item = Clarification(tender_id=tender_id, vendor_id=vendor_id, question=question)
    session.add(item)
    await session.flush()
    await actor.record(session, "clarification.asked", f"tender:{tender_id}", clarification_id=item.id)
    return item


async def answer(
    session: AsyncSession, actor: Actor, tender_id: int, clarification_id: int, text: str
) -> Clarification:
    await actor.require(session, Action.TENDER_PREPARE)
    item = await session.get(Clarification, clarification_id)
    if item is None or item.tender_id != tender_id:
        raise NotFound(f"no question {clarification_id} in tender {tender_id}")
    await require_stage(
        session, await get_tender(session, tender_id), Stage.CLARIFICATION, Stage.BID_SUBMISSION
    )
    if not text.strip():
        raise InvalidInput("an answer cannot be empty", field="answer")
    item.answer, item.answered_by, item.answered_at = (
        text.strip(),
        actor.account_id,
        await database_now(session),
    )
    await session.flush()
    await actor.record(session, "clarification.answered", f"tender:{tender_id}", clarification_id=item.id)
    return item


async def clarifications(session: AsyncSession, tender_id: int) -> list[Clarification]:
    await get_tender(session, tender_id)  # another tenant's tender is not found, not empty
    query = select(Clarification).where(Clarification.tender_id == tender_id).order_by(Clarification.id)
    return list((await session.execute(query)).scalars())
