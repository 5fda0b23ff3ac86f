"""What a contract's implementation (e-monev) is now: its current terms and the rows recorded since it
was signed, read for the services' rules, the public read and the OCDS release.

The contract row keeps what was signed; an amendment (*adendum*) changes the value or the end, and
the latest one's figures are the contract's current terms (``ImplementationRows.terms_of``). A
contract signed in this transaction has no implementation yet (``remember_no_implementation``), so
its publication reads none: the contract step's statements stay as they were.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from federation.catalogue.ocds_implementation import (
    PublicContractAmendment,
    PublicImplementation,
    PublicMilestone,
    PublicPayment,
    PublicProgress,
)
from tenants.tenders.implementation_models import (
    ContractAmendment,
    ContractMilestone,
    ContractPayment,
    ContractProgress,
)
from tenants.tenders.outcome_models import Contract
from tenants.tenders.transaction_memo import forget_at_transaction_end


@dataclass(frozen=True, slots=True)
class Terms:
    """A contract's current value (whole rupiah) and end: those of its latest amendment, or as signed."""

    value: int
    ends_on: date
    amendments: int
    """How many amendments it has had (the next one's number is one more)."""


@dataclass(slots=True)
class ImplementationRows:
    """Everything recorded of one contract's implementation, each list in the order it was recorded."""

    progress: list[ContractProgress] = field(default_factory=list)
    payments: list[ContractPayment] = field(default_factory=list)
    milestones: list[ContractMilestone] = field(default_factory=list)
    amendments: list[ContractAmendment] = field(default_factory=list)

    def terms_of(self, contract: Contract) -> Terms:
        """The contract's current terms, from its latest amendment here (or as signed)."""
        if not self.amendments:
            return Terms(contract.value, contract.ends_on, 0)
        latest = self.amendments[-1]
        return Terms(latest.value_after, latest.ends_after, latest.number)

    @property
    def paid(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def is_empty(self) -> bool:
        return not (self.progress or self.payments or self.milestones or self.amendments)

    def public(self) -> PublicImplementation:
        """What the OCDS release shows of it (all of it: implementation is public information)."""
        return PublicImplementation(
            [PublicProgress(p.id, p.reported_on, p.percent, p.note, p.reason) for p in self.progress],
            [PublicPayment(p.term, p.paid_on, p.amount) for p in self.payments],
            [PublicMilestone(m.id, m.title, m.due_on, m.met_on) for m in self.milestones],
            [
                PublicContractAmendment(
                    a.number,
                    a.signed_on,
                    a.value_before,
                    a.value_after,
                    a.ends_before,
                    a.ends_after,
                    a.reason,
                )
                for a in self.amendments
            ],
        )


_MODELS: tuple[tuple[str, Any], ...] = (
    ("progress", ContractProgress),
    ("payments", ContractPayment),
    ("milestones", ContractMilestone),
    ("amendments", ContractAmendment),
)


async def implementations_of(
    session: AsyncSession, tender_ids: Collection[int]
) -> dict[int, ImplementationRows]:
    """The implementation of each of these tenders' contracts (callers pass those with a contract);
    one statement per kind of row for the whole batch, none for a contract signed in this transaction."""
    known_empty: set[int] = session.info.get(_EMPTY, set())
    wanted = [i for i in dict.fromkeys(tender_ids) if i not in known_empty]
    found = {i: ImplementationRows() for i in tender_ids}
    if not wanted:
        return found
    for name, model in _MODELS:
        query = select(model).where(model.tender_id.in_(wanted)).order_by(model.tender_id, model.id)
        for row in (await session.scalars(query)).all():
            getattr(found[row.tender_id], name).append(row)
    return found


async def implementation_of(session: AsyncSession, tender_id: int) -> ImplementationRows:
    return (await implementations_of(session, [tender_id]))[tender_id]


def remember_no_implementation(session: AsyncSession, tender_id: int) -> None:
    """Keep that the tender's contract, signed in this transaction, has no implementation yet."""
    session.info.setdefault(_EMPTY, set()).add(tender_id)


_EMPTY = "tenants.tenders.implementation_reads.empty"
_ROWS = (ContractProgress, ContractPayment, ContractMilestone, ContractAmendment)


@event.listens_for(Session, "after_flush")
def _forget_on_writes(session: Session, _context: object) -> None:
    """A row of a contract's implementation written: its contract has one now."""
    empty: set[int] | None = session.info.get(_EMPTY)
    if empty:
        empty.difference_update(row.tender_id for row in session.new if isinstance(row, _ROWS))


forget_at_transaction_end(_EMPTY)

__all__ = [
    "ImplementationRows",
    "Terms",
    "implementation_of",
    "implementations_of",
    "remember_no_implementation",
]
