"""Contract amendments (*adendum*): a new value, a new end, or both, with the reason.

Numbered 1, 2, ... per contract; each keeps the terms before it (the latest amendment's, or as
signed) and after it, and the latest one's are the contract's current terms. A value below what was
paid already is refused, and so is a total value more than 10% above the value signed (Perpres 16/2018
art. 54(2): *penambahan nilai kontrak akhir tidak melebihi 10% dari harga yang tercantum dalam kontrak
awal*).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Acting
from hub.core.errors import InvalidInput
from tenants.tenders.acting import rupiah
from tenants.tenders.implementation._contract import Monitored, monitored, published, recorder, text
from tenants.tenders.implementation_models import ContractAmendment

RAISE_LIMIT_PERCENT = 10
"""How far above the signed value amendments may take a contract, in percent of that value."""


@dataclass(frozen=True, slots=True)
class AmendmentInput:
    reason: str
    signed_on: date
    value: int | None = None
    """The contract's new value, whole rupiah; ``None``: unchanged."""
    ends_on: date | None = None
    """The contract's new end; ``None``: unchanged."""


def _new_value(m: Monitored, value: int | None) -> int:
    if value is None:
        return m.terms.value
    value = rupiah(value, "value")
    paid = m.rows.paid
    if value < paid:
        raise InvalidInput(f"the value {value} is below what was paid already ({paid})", field="value")
    ceiling = m.contract.value + m.contract.value * RAISE_LIMIT_PERCENT // 100
    if value > ceiling:
        raise InvalidInput(
            f"the value {value} is more than {RAISE_LIMIT_PERCENT}% above the value signed "
            f"({m.contract.value}; at most {ceiling})",
            field="value",
        )
    return value


def _new_end(m: Monitored, ends_on: date | None) -> date:
    if ends_on is None:
        return m.terms.ends_on
    if ends_on < m.contract.starts_on:
        raise InvalidInput("the contract cannot end before it starts", field="ends_on")
    return ends_on


async def amend_contract(
    session: AsyncSession, acting: Acting, tender_id: int, data: AmendmentInput
) -> ContractAmendment:
    """Record an amendment of the tender's contract, audited and published."""
    reason = text(data.reason, "reason", required=True)
    m = await monitored(session, acting, tender_id)
    before = m.terms
    value, ends_on = _new_value(m, data.value), _new_end(m, data.ends_on)
    if (value, ends_on) == (before.value, before.ends_on):
        raise InvalidInput("an amendment changes the value, the end, or both", field="value")
    since = m.rows.amendments[-1].signed_on if m.rows.amendments else None
    signed_on = m.day(data.signed_on, "signed_on", since=since)
    row = ContractAmendment(
        tender_id=tender_id,
        number=before.amendments + 1,
        signed_on=signed_on,
        value_before=before.value,
        value_after=value,
        ends_before=before.ends_on,
        ends_after=ends_on,
        reason=reason,
        recorded_at=m.now,
        **recorder(acting),
    )
    session.add(row)
    await session.flush()
    await acting.record(
        session,
        "contract.amended",
        m.subject,
        amendment_id=row.id,
        number=row.number,
        signed_on=signed_on.isoformat(),
        value_before=before.value,
        value_after=value,
        ends_before=before.ends_on.isoformat(),
        ends_after=ends_on.isoformat(),
        reason=reason,
    )
    await published(session, acting, m, "contractAmendment")
    return row
