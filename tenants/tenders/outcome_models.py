"""What happens to a tender after its bids are opened: assessments, award, objections, contract.

Assessments, objections and negotiations are appended, never edited: the current verdict on a
bid's aspect is its latest entry, and earlier ones stay as history (and in the audit chain).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import TenantBase


class ProcurementRules(TenantBase):
    """The tenant's own limits: one row, changed by its tenant_admin."""

    __tablename__ = "procurement_rules"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    objection_min_days: Mapped[int] = mapped_column(Integer)
    objection_max_days: Mapped[int] = mapped_column(Integer)
    objection_default_days: Mapped[int] = mapped_column(Integer)
    key_custody: Mapped[str] = mapped_column(String(16), default="hub")
    """Who holds the keys of new tenders: ``hub`` or ``committee`` (``tenants.vocabulary.KeyCustody``)."""
    share_threshold: Mapped[int | None] = mapped_column(SmallInteger)
    """Shares that open a committee-held tender; ``None``: a majority of its committee."""
    recovery_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The tenant's offline recovery key (kept on paper): each committee-held tender seals one share to it."""
    recovery_fingerprint: Mapped[str | None] = mapped_column(String(64))
    plans_required: Mapped[bool] = mapped_column(Boolean, default=False)
    """Every new package must name its plan item (RUP) when set (``tenants.plans``)."""
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Assessment(TenantBase):
    """The committee's verdict on one aspect of one bid (or the top bidder's qualification proof)."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"))
    round: Mapped[int] = mapped_column(Integer)
    vendor_id: Mapped[int] = mapped_column(BigInteger)
    aspect: Mapped[str] = mapped_column(String(32))
    passed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    scores: Mapped[dict[str, int] | None] = mapped_column(JSONB)
    recorded_by: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Award(TenantBase):
    """The award of one evaluation round; withdrawn when an objection is upheld."""

    __tablename__ = "awards"

    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"), primary_key=True)
    round: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(BigInteger)
    price: Mapped[int] = mapped_column(BigInteger)
    reserves: Mapped[list[int]] = mapped_column(JSONB, default=list)
    """Reserve winners (pemenang cadangan) in order."""
    decided_by: Mapped[int] = mapped_column(BigInteger)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    objection_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    letter_number: Mapped[str | None] = mapped_column(String(100))
    letter_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    letter_issued_by: Mapped[int | None] = mapped_column(BigInteger)


class Objection(TenantBase):  # sanggah
    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"))
    round: Mapped[int] = mapped_column(Integer)
    vendor_id: Mapped[int] = mapped_column(BigInteger)
    grounds: Mapped[str] = mapped_column(Text)
    lodged_by: Mapped[int] = mapped_column(BigInteger)
    lodged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)
    upheld: Mapped[bool | None] = mapped_column(Boolean)
    answered_by: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ObjectionFile(TenantBase):
    __tablename__ = "objection_files"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    objection_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.objections.id"))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.blobs.id"))


class Negotiation(TenantBase):
    """Technical and price clarification and negotiation of a direct procurement's offer."""

    __tablename__ = "negotiations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"))
    price: Mapped[int] = mapped_column(BigInteger)
    notes: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Contract(TenantBase):
    __tablename__ = "contracts"

    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"), primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    vendor_id: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(BigInteger)
    signed_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
