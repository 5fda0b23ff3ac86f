"""Payments to the vendor by term (*pembayaran termin*): together never above the contract's value.

The value is the current one (the latest amendment's). The contract's row is locked first
(``_contract.monitored``), so two payments recorded at once are judged one after the other, the
second against the sum with the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Acting
from hub.core.errors import Conflict, InvalidInput
from tenants.tenders.acting import rupiah
from tenants.tenders.implementation._contract import (
    appended,
    monitored,
    recorder,
    text,
)
from tenants.tenders.implementation_models import ContractPayment

MAX_TERM = 32767  # SMALLINT


@dataclass(frozen=True, slots=True)
class PaymentInput:
    amount: int
    """Whole rupiah, above zero."""
    paid_on: date
    term: int | None = None
    """The term's number (*termin ke-*); by default the one after the highest recorded."""
    note: str = ""


async def record_payment(
    session: AsyncSession, acting: Acting, tender_id: int, data: PaymentInput
) -> ContractPayment:
    """Record a payment of the tender's contract, audited and published; refused if the contract's
    payments would then exceed its current value."""
    amount = rupiah(data.amount, "amount")
    m = await monitored(session, acting, tender_id)
    paid_on = m.day(data.paid_on, "paid_on")
    terms = {p.term for p in m.rows.payments}
    term = data.term if data.term is not None else max(terms, default=0) + 1
    if isinstance(term, bool) or not 1 <= term <= MAX_TERM:
        raise InvalidInput(f"term must be a whole number from 1 to {MAX_TERM}", field="term")
    if term in terms:
        raise Conflict(f"term {term} of this contract is paid already")
    paid, value = m.rows.paid, m.terms.value
    if paid + amount > value:
        raise InvalidInput(
            f"paying {amount} would bring the payments to {paid + amount}, above the contract's value "
            f"{value} ({value - paid} left to pay)",
            field="amount",
        )
    row = ContractPayment(
        tender_id=tender_id,
        term=term,
        paid_on=paid_on,
        amount=amount,
        note=text(data.note, "note"),
        recorded_at=m.now,
        **recorder(acting),
    )
    await appended(
        session,
        acting,
        m,
        row,
        "contract.payment_recorded",
        "payment_id",
        term=term,
        amount=amount,
        paid_on=paid_on.isoformat(),
        paid_total=paid + amount,
        value=value,
    )
    return row
