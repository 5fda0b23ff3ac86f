"""A signed contract's implementation (e-monev) as the API shows it: progress, payments, milestones,
amendments (*adendum*) and the contract's current terms. Money is whole rupiah; a progress percentage
is a decimal string with two places ("45.50"), exact as stored. All of it is public, as in OCDS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec
from litestar.params import KwargDefinition

from tenants.tenders.implementation import ContractImplementation, ProgressInput
from tenants.tenders.implementation_models import (
    ContractAmendment,
    ContractMilestone,
    ContractPayment,
    ContractProgress,
)

Percent = Annotated[
    Decimal,
    KwargDefinition(le=100, multiple_of=0.01, schema_extra={"type": "number", "minimum": 0}),
]
"""A percentage, 0 to 100 with at most two decimals: sent as a JSON number (or a decimal string)."""


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """A physical progress report: ``reason`` is needed when it is below the latest report."""

    percent: Percent
    reported_on: date
    note: str = ""
    reason: str | None = None

    def input(self) -> ProgressInput:
        return ProgressInput(self.percent, self.reported_on, self.note, self.reason)


@dataclass(frozen=True, slots=True)
class MilestoneMet:
    """The day a milestone was met: from the contract's signing to today."""

    met_on: date


class ProgressView(msgspec.Struct, frozen=True):
    """A physical progress report (*progres fisik*); ``reason`` is given when it is below the one before."""

    id: int
    reported_on: date
    percent: Decimal
    note: str
    reason: str | None
    recorded_at: datetime

    @classmethod
    def of(cls, p: ContractProgress) -> ProgressView:
        return cls(p.id, p.reported_on, p.percent, p.note, p.reason, p.recorded_at)


class PaymentView(msgspec.Struct, frozen=True):
    """A payment of one term (*termin*), whole rupiah."""

    id: int
    term: int
    paid_on: date
    amount: int
    note: str
    recorded_at: datetime

    @classmethod
    def of(cls, p: ContractPayment) -> PaymentView:
        return cls(p.id, p.term, p.paid_on, p.amount, p.note, p.recorded_at)


class MilestoneView(msgspec.Struct, frozen=True):
    """Something the contract makes due on a day; ``met_on`` once met."""

    id: int
    title: str
    due_on: date
    met_on: date | None
    note: str
    recorded_at: datetime

    @classmethod
    def of(cls, m: ContractMilestone) -> MilestoneView:
        return cls(m.id, m.title, m.due_on, m.met_on, m.note, m.recorded_at)


class AmendmentView(msgspec.Struct, frozen=True):
    """A contract amendment (*adendum*): the value and end before and after it, and why."""

    id: int
    number: int
    signed_on: date
    value_before: int
    value_after: int
    ends_before: date
    ends_after: date
    reason: str
    recorded_at: datetime

    @classmethod
    def of(cls, a: ContractAmendment) -> AmendmentView:
        return cls(
            a.id,
            a.number,
            a.signed_on,
            a.value_before,
            a.value_after,
            a.ends_before,
            a.ends_after,
            a.reason,
            a.recorded_at,
        )


class ImplementationView(msgspec.Struct, frozen=True):
    """The contract as signed and as it stands, and everything recorded of its implementation."""

    tender_id: int
    number: str
    signed_value: int
    signed_on: date
    starts_on: date
    signed_ends_on: date
    value: int
    """The current value: the latest amendment's, or as signed."""
    ends_on: date
    """The current end: the latest amendment's, or as signed."""
    paid: int
    absorption: float
    """``paid / value`` (*penyerapan*)."""
    progress_percent: Decimal | None
    progress: list[ProgressView]
    payments: list[PaymentView]
    milestones: list[MilestoneView]
    amendments: list[AmendmentView]

    @classmethod
    def of(cls, i: ContractImplementation) -> ImplementationView:
        return cls(
            tender_id=i.tender_id,
            number=i.number,
            signed_value=i.signed_value,
            signed_on=i.signed_on,
            starts_on=i.starts_on,
            signed_ends_on=i.signed_ends_on,
            value=i.value,
            ends_on=i.ends_on,
            paid=i.paid,
            absorption=i.absorption,
            progress_percent=i.progress_percent,
            progress=[ProgressView.of(p) for p in i.progress],
            payments=[PaymentView.of(p) for p in i.payments],
            milestones=[MilestoneView.of(m) for m in i.milestones],
            amendments=[AmendmentView.of(a) for a in i.amendments],
        )
