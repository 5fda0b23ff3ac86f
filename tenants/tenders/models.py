"""A tenant's procurement records: packages (*paket*), tenders and what happens in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import TenantBase
from tenants.plans.models import PlanItem
from tenants.vocabulary import KeyCustody, TenderStatus


class Package(TenantBase):  # paket
    """One procurement of an agency: what is bought, with which budget (pagu) and estimate (HPS)."""

    __tablename__ = "packages"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    agency_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.agencies.id"))
    title: Mapped[str] = mapped_column(String(300))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(32))
    budget: Mapped[int] = mapped_column(BigInteger)  # pagu, whole rupiah
    owner_estimate: Mapped[int] = mapped_column(BigInteger)  # HPS, whole rupiah
    location: Mapped[str] = mapped_column(Text, default="")
    kbli: Mapped[list[str]] = mapped_column(ARRAY(String(5)), default=list)
    plan_item_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey(PlanItem.id))
    """The plan item (RUP) it is procured under (``tenants.plans``); ``None`` for one without a plan."""
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Tender(TenantBase):
    """A package put to competition by the selection committee (Pokja Pemilihan)."""

    __tablename__ = "tenders"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    package_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.packages.id"))
    evaluation: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=TenderStatus.DRAFT.value)
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_fingerprint: Mapped[str | None] = mapped_column(String(64))
    wrapped_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The tender's private key, wrapped by the tenant key (itself wrapped by the master key): only
    for ``key_custody`` ``hub``. A committee-held key is stored nowhere (``tender_key_shares``)."""
    key_custody: Mapped[str] = mapped_column(String(16), default=KeyCustody.HUB.value)
    """Who holds the private key: ``hub`` (wrapped, as above) or ``committee`` (in shares)."""
    share_threshold: Mapped[int | None] = mapped_column(SmallInteger)
    """How many shares open a committee-held tender."""
    opening_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The opening's one-time X25519 key, made after the close: shares are given back sealed to it."""
    opening_wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Its private half, wrapped by the tenant key until the opening, then forgotten (``NULL``)."""
    announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[int | None] = mapped_column(BigInteger)
    opening: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """The opening record (bidders, prices, bundles that failed to open): public once opened."""
    criteria: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """Scoring criteria and weights of a merit-point or quality-and-cost tender (fixed at creation)."""
    objection_days: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=1)
    """Evaluation round: an upheld objection reopens evaluation in a new round."""
    results: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """The evaluation results as published (award announcement or failure)."""
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fail_reason: Mapped[str | None] = mapped_column(Text)
    retender_of: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"))
    invited_vendor_id: Mapped[int | None] = mapped_column(BigInteger)
    """Set for direct procurement (pengadaan langsung): the one vendor invited to offer."""
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def is_direct(self) -> bool:
        return self.invited_vendor_id is not None


class TenderStage(TenantBase):
    __tablename__ = "tender_stages"

    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(32), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Blob(TenantBase):
    __tablename__ = "blobs"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Document(TenantBase):
    """A tender document (dokumen pemilihan) registered vendors download."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.blobs.id"))
    uploaded_by: Mapped[int] = mapped_column(BigInteger)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Registration(TenantBase):
    __tablename__ = "registrations"

    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    registered_by: Mapped[int] = mapped_column(BigInteger)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Clarification(TenantBase):  # pemberian penjelasan
    __tablename__ = "clarifications"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"))
    vendor_id: Mapped[int] = mapped_column(BigInteger)
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Bid(TenantBase):  # penawaran
    """A sealed bid as received. Only the last one of a vendor counts (``superseded_at`` is NULL)."""

    __tablename__ = "bids"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"))
    vendor_id: Mapped[int] = mapped_column(BigInteger)
    bundle: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext_sha256: Mapped[str] = mapped_column(String(64))
    """The hash its receipt signed: since receipt v2, SHA-256 of the whole ``bundle``; before, of its
    ciphertext only (the column keeps its first name)."""
    receipt: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
