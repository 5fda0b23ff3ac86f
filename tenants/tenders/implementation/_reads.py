"""A contract's implementation as the public reads it: OCDS publishes it too, so nothing here is secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.errors import NotFound
from tenants.tenders.implementation_models import (
    ContractAmendment,
    ContractMilestone,
    ContractPayment,
    ContractProgress,
)
from tenants.tenders.implementation_reads import implementation_of
from tenants.tenders.outcome_models import Contract


@dataclass(frozen=True, slots=True)
class ContractImplementation:
    """The contract as signed and as it stands (current value and end: the latest amendment's), and
    everything recorded of its implementation, each list in the order it was recorded."""

    tender_id: int
    number: str
    signed_value: int
    signed_on: date
    starts_on: date
    signed_ends_on: date
    value: int
    ends_on: date
    paid: int
    absorption: float
    """``paid / value`` (*penyerapan*), rounded to four decimals."""
    progress_percent: Decimal | None
    """The latest progress report's, ``None`` before the first."""
    progress: list[ContractProgress]
    payments: list[ContractPayment]
    milestones: list[ContractMilestone]
    amendments: list[ContractAmendment]


async def read_implementation(session: AsyncSession, tender_id: int) -> ContractImplementation:
    """The tender's contract and its implementation; ``NotFound`` without a signed contract."""
    contract = await session.get(Contract, tender_id)
    if contract is None:
        raise NotFound(f"tender {tender_id} has no signed contract in this tenant")
    rows = await implementation_of(session, tender_id)
    terms = rows.terms_of(contract)
    return ContractImplementation(
        tender_id=tender_id,
        number=contract.number,
        signed_value=contract.value,
        signed_on=contract.signed_on,
        starts_on=contract.starts_on,
        signed_ends_on=contract.ends_on,
        value=terms.value,
        ends_on=terms.ends_on,
        paid=rows.paid,
        absorption=round(rows.paid / terms.value, 4),
        progress_percent=rows.progress[-1].percent if rows.progress else None,
        progress=rows.progress,
        payments=rows.payments,
        milestones=rows.milestones,
        amendments=rows.amendments,
    )
