"""What happens to a contract after it is signed (e-monev): physical progress, payments, milestones
and amendments. Appended, not edited (a milestone's ``met_on`` aside): each report stays as history.

Every row says who recorded it: a person's account (``recorded_by``, the commitment officer) or an
e-monev client of the tenant acting as itself (``recorded_by_client``), never both.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import TenantBase

_CONTRACT = "tenant.contracts.tender_id"


class _Recorded:
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)
    recorded_by_client: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ContractProgress(_Recorded, TenantBase):  # progres fisik
    """A report of the work's physical progress. One below the report before it carries ``reason``."""

    __tablename__ = "contract_progress"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(_CONTRACT))
    reported_on: Mapped[date] = mapped_column(Date)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)


class ContractPayment(_Recorded, TenantBase):  # pembayaran per termin
    """A payment of one term. A contract's payments together never exceed its current value."""

    __tablename__ = "contract_payments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(_CONTRACT))
    term: Mapped[int] = mapped_column(SmallInteger)  # termin: 1, 2, ...
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)  # whole rupiah
    note: Mapped[str] = mapped_column(Text, default="")


class ContractMilestone(_Recorded, TenantBase):
    """Something the contract makes due on a date; ``met_on`` once it is met."""

    __tablename__ = "contract_milestones"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(_CONTRACT))
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date)
    met_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class ContractAmendment(_Recorded, TenantBase):  # adendum kontrak
    """A change to the contract's value or period, numbered 1, 2, ... per contract. The contract's
    current value and end are those of its latest amendment (``contracts`` keeps what was signed)."""

    __tablename__ = "contract_amendments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey(_CONTRACT))
    number: Mapped[int] = mapped_column(SmallInteger)
    signed_on: Mapped[date] = mapped_column(Date)
    value_before: Mapped[int] = mapped_column(BigInteger)
    value_after: Mapped[int] = mapped_column(BigInteger)
    ends_before: Mapped[date] = mapped_column(Date)
    ends_after: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
