"""The contract an implementation step works on: who may, the contract locked, the day's bounds.

Every step locks the contract's row (``FOR UPDATE``) before it reads what was recorded: two steps on
one contract (two payments at once, a payment and an amendment) take turns, so the second reads
what the first wrote and the sum of payments never passes the current value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Acting
from federation.identity.policy import Action
from hub.core.clock import database_now
from hub.core.errors import Conflict, InvalidInput
from tenants.tenders.acting import get_tender
from tenants.tenders.implementation_reads import ImplementationRows, Terms, implementation_of
from tenants.tenders.models import Tender
from tenants.tenders.outcome_models import Contract
from tenants.tenders.publication.publish import publish

MONITOR = Action.CONTRACT_MONITOR
"""The policy's action for recording a contract's implementation: the commitment officer's (PPK), or
an e-monev system of the tenant acting as itself (scope ``monev:write``)."""


@dataclass(frozen=True, slots=True)
class Monitored:
    """A signed contract, locked for this transaction, with what was recorded of it and today's date
    in the tenant's zone on the database clock."""

    tender: Tender
    contract: Contract
    rows: ImplementationRows
    now: datetime
    today: date

    @property
    def terms(self) -> Terms:
        return self.rows.terms_of(self.contract)

    @property
    def subject(self) -> str:
        return f"tender:{self.tender.id}"

    def day(self, day: date, field: str, *, since: date | None = None) -> date:
        """``day`` if it is from ``since`` (the signing, by default) to today; ``InvalidInput`` if not."""
        since = since or self.contract.signed_on
        if not since <= day <= self.today:
            raise InvalidInput(
                f"{field} must be from {since.isoformat()} to {self.today.isoformat()} (today)", field=field
            )
        return day


async def monitored(session: AsyncSession, acting: Acting, tender_id: int) -> Monitored:
    """The tender's signed contract, locked, for a step of its implementation; ``Forbidden`` for a
    caller who may not record it, ``NotFound`` without the tender, ``Conflict`` without a contract."""
    await acting.require(session, MONITOR)
    tender = await get_tender(session, tender_id)
    locked = select(Contract).where(Contract.tender_id == tender_id).with_for_update()
    contract = await session.scalar(locked.execution_options(populate_existing=True))
    if contract is None:
        raise Conflict(f"tender {tender_id} has no signed contract: its implementation starts with one")
    now = await database_now(session)
    today = now.astimezone(ZoneInfo(acting.tenant.timezone)).date()
    return Monitored(tender, contract, await implementation_of(session, tender_id), now, today)


def recorder(acting: Acting) -> dict[str, Any]:
    """The recorder columns of a row written by ``acting``: a person's account or a client's id."""
    return {"recorded_by": acting.recorded_by, "recorded_by_client": acting.recorded_by_client}


def text(raw: str | None, field: str, *, required: bool = False, limit: int = 2000) -> str:
    """Free text with its outer blanks trimmed; ``required``: not blank."""
    value = (raw or "").strip()
    if required and len(value) < 3:
        raise InvalidInput(f"{field} is required (at least 3 characters)", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{field} has more than {limit} characters", field=field)
    return value


async def appended(
    session: AsyncSession, acting: Acting, m: Monitored, row: Any, action: str, id_name: str, **payload: Any
) -> None:
    """A new report ``row`` of the contract stored, audited as ``action`` (``payload``, with the row's id
    as ``id_name``) and published, all in this transaction: ``implementation`` if it is the first thing
    recorded, then ``implementationUpdate``."""
    tag = implementation_tag(m)
    session.add(row)
    await session.flush()
    await acting.record(session, action, m.subject, **{id_name: row.id}, **payload)
    await published(session, acting, m, tag)


async def published(session: AsyncSession, acting: Acting, m: Monitored, tag: str) -> None:
    """The change audited already, the tender's release appended to the feed, in this transaction."""
    await publish(session, acting.tenant, m.tender, tag)


def implementation_tag(m: Monitored) -> str:
    """OCDS's release tag: ``implementation`` for the first thing recorded, then ``implementationUpdate``."""
    return "implementation" if m.rows.is_empty else "implementationUpdate"
