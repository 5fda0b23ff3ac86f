"""The letter of award (SPPBJ) and the contract, both by the commitment officer (PPK).

The letter comes once the objection period is over on the database clock and every objection to
the award has its answer. The contract follows the letter (in direct procurement, the award): its
value never exceeds the awarded price, and its dates are calendar dates in the tenant's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from federation.vendors import require_eligible
from hub.core.direct import first_row, flush_pending
from hub.core.errors import Conflict, InvalidInput
from tenants.tenders.acting import get_tender, rupiah
from tenants.tenders.award.decision import require_award
from tenants.tenders.implementation_reads import remember_no_implementation
from tenants.tenders.outcome_models import Award, Contract, Objection
from tenants.tenders.outcomes import may_have_objections
from tenants.tenders.progress import not_before, require_status
from tenants.tenders.publication.publish import publish
from tenants.tenders.stages import Stage
from tenants.vocabulary import TenderStatus


@dataclass(frozen=True, slots=True)
class ContractInput:
    number: str
    value: int
    signed_on: date
    starts_on: date
    ends_on: date


def _number(raw: str, field: str) -> str:
    number = " ".join(raw.split())
    if not 3 <= len(number) <= 100:
        raise InvalidInput(f"{field} needs 3 to 100 characters", field=field)
    return number


async def issue_award_letter(session: AsyncSession, actor: Actor, tender_id: int, number: str) -> Award:
    await actor.require(session, Action.CONTRACT_SIGN)
    tender = await get_tender(session, tender_id, for_update=True)
    if tender.is_direct:
        raise Conflict("direct procurement goes from the award to the contract, without a letter of award")
    require_status(tender, TenderStatus.AWARD_ANNOUNCED, doing="issue the letter of award")
    now = await not_before(session, tender, Stage.AWARD_LETTER)
    award = await require_award(session, tender)
    await require_eligible(session, award.vendor_id, doing="receive a letter of award")
    assert award.objection_ends_at is not None
    if now < award.objection_ends_at:
        raise Conflict(f"the objection period runs until {award.objection_ends_at.isoformat()}")
    unanswered = (  # none to count when the award's read found the tender without objections
        await session.scalar(
            select(func.count()).where(
                Objection.tender_id == tender_id,
                Objection.round == tender.round,
                Objection.answered_at.is_(None),
            )
        )
        if may_have_objections(session, tender_id)
        else 0
    )
    if unanswered:
        raise Conflict(f"{unanswered} objection(s) to this award still wait for the committee's answer")
    award.letter_number = _number(number, "number")
    award.letter_issued_at, award.letter_issued_by = now, actor.account_id
    tender.status = TenderStatus.AWARD_LETTER.value
    await session.flush()
    await actor.record(
        session,
        "award.letter_issued",
        f"tender:{tender_id}",
        round=tender.round,
        number=award.letter_number,
        vendor_id=award.vendor_id,
    )
    await publish(session, actor.tenant, tender, "awardUpdate")
    return award


_NUMBER_TAKEN = select(Contract.tender_id).where(Contract.number == bindparam("number", type_=String))
"""Whether a contract of this LPSE has the number already: built once, sent without the ORM."""


async def sign_contract(session: AsyncSession, actor: Actor, tender_id: int, data: ContractInput) -> Contract:
    await actor.require(session, Action.CONTRACT_SIGN)
    tender = await get_tender(session, tender_id, for_update=True)
    if tender.is_direct:
        require_status(tender, TenderStatus.AWARDED, doing="sign the contract")
    else:
        require_status(tender, TenderStatus.AWARD_LETTER, doing="sign the contract")
    now = await not_before(session, tender, Stage.CONTRACT_SIGNING)
    award = await require_award(session, tender)
    await require_eligible(session, award.vendor_id, doing="sign a contract")
    value = rupiah(data.value, "value")
    if value > award.price:
        raise InvalidInput(
            f"the contract value {value} exceeds the awarded price {award.price}", field="value"
        )
    zone = ZoneInfo(actor.tenant.timezone)
    today = now.astimezone(zone).date()
    since = (award.letter_issued_at or award.decided_at).astimezone(zone).date()
    if not since <= data.signed_on <= today:
        raise InvalidInput(
            f"signed_on must be from {since.isoformat()} (the award) to {today.isoformat()} (today)",
            field="signed_on",
        )
    if data.starts_on < data.signed_on:
        raise InvalidInput("the contract cannot start before it is signed", field="starts_on")
    if data.ends_on < data.starts_on:
        raise InvalidInput("the contract cannot end before it starts", field="ends_on")
    number = _number(data.number, "number")
    await flush_pending(session)
    if await first_row(session, _NUMBER_TAKEN, {"number": number}) is not None:
        raise Conflict(f"contract number {number!r} is used already in this LPSE")
    contract = Contract(
        tender_id=tender_id,
        number=number,
        vendor_id=award.vendor_id,
        value=value,
        signed_on=data.signed_on,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        recorded_by=actor.account_id,
        recorded_at=now,
    )
    session.add(contract)
    remember_no_implementation(session, tender_id)  # its publication below reads none
    tender.status = TenderStatus.CONTRACTED.value
    await session.flush()
    await actor.record(
        session,
        "contract.signed",
        f"tender:{tender_id}",
        number=number,
        vendor_id=award.vendor_id,
        value=value,
        signed_on=data.signed_on.isoformat(),
        starts_on=data.starts_on.isoformat(),
        ends_on=data.ends_on.isoformat(),
    )
    await publish(session, actor.tenant, tender, "contract")
    return contract
