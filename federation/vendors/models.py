"""Vendors (*penyedia*): companies registered once for the whole hub, identified by NPWP."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Identity, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import HubBase, TenantBase, Timestamps


class VendorStatus(StrEnum):
    REGISTERED = "registered"  # registered itself, not checked yet
    VERIFIED = "verified"  # a verifier of some tenant checked its documents: valid in every tenant
    MERGED = "merged"  # found to be the same company as ``merged_into_id``; kept for its history


class VendorEventKind(StrEnum):
    """What can happen to a vendor; each is one row of its history."""

    REGISTERED = "registered"
    VERIFIED = "verified"
    SUSPENDED = "suspended"  # in one tenant; the detail names it
    MERGED_INTO = "merged_into"  # on the duplicate: it became part of the survivor
    ABSORBED = "absorbed"  # on the survivor: a duplicate became part of it


class Vendor(Timestamps, HubBase):  # penyedia
    """A company that offers goods and services, registered once for the whole hub.

    A vendor acts through its users (accounts whose ``vendor_id`` is this vendor). Once a verifier of
    any tenant has checked its documents it is ``verified`` everywhere; a tenant may still suspend it
    from its own tenders (``VendorSuspension``, in that tenant's schema).
    """

    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    npwp: Mapped[str] = mapped_column(String(16), unique=True)
    """Tax number, digits only: 15 (classic NPWP) or 16 (NIK-based, since 2024)."""
    nib: Mapped[str | None] = mapped_column(String(13))
    """Business identification number from OSS, 13 digits."""
    address: Mapped[str] = mapped_column(Text, default="")
    home_regency_code: Mapped[str] = mapped_column(String(4))
    kbli: Mapped[list[str]] = mapped_column(ARRAY(String(5)), default=list)
    """Business fields (KBLI 2020 codes, five digits)."""
    status: Mapped[str] = mapped_column(String(16), default=VendorStatus.REGISTERED.value)
    merged_into_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("hub.vendors.id"))

    def to_dict(self) -> dict[str, object]:
        """The stable, machine-readable form (CLI ``--json`` and the HTTP API)."""
        return {
            "id": self.id,
            "name": self.name,
            "npwp": self.npwp,
            "nib": self.nib,
            "address": self.address,
            "home_regency_code": self.home_regency_code,
            "kbli": list(self.kbli),
            "status": self.status,
            "merged_into_id": self.merged_into_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


class VendorVerification(HubBase):
    """Who verified a vendor, in which tenant, when, and what was checked; recognised by every tenant."""

    __tablename__ = "vendor_verifications"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("hub.vendors.id"))
    tenant_code: Mapped[str] = mapped_column(String(4))
    verifier_account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("hub.accounts.id"))
    checked: Mapped[list[str]] = mapped_column(JSONB)
    note: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "vendor_id": self.vendor_id,
            "tenant_code": self.tenant_code,
            "verifier_account_id": self.verifier_account_id,
            "checked": list(self.checked),
            "note": self.note,
            "verified_at": self.verified_at.isoformat(),
        }


class VendorEvent(HubBase):
    """A vendor's history: registered, verified, merged, suspended somewhere..."""

    __tablename__ = "vendor_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("hub.vendors.id"))
    event: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    account_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "vendor_id": self.vendor_id,
            "event": self.event,
            "detail": dict(self.detail),
            "account_id": self.account_id,
            "at": self.at.isoformat(),
        }


class VendorSuspension(TenantBase):
    """One tenant bars a vendor from its own tenders until ``ends_on``; other tenants are untouched."""

    __tablename__ = "vendor_suspensions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    vendor_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    ends_on: Mapped[date] = mapped_column(Date)
    suspended_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "vendor_id": self.vendor_id,
            "reason": self.reason,
            "ends_on": self.ends_on.isoformat(),
            "suspended_by": self.suspended_by,
            "created_at": self.created_at.isoformat(),
            "lifted_at": self.lifted_at.isoformat() if self.lifted_at else None,
        }
