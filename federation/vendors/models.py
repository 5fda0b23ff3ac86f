"""Vendors (*penyedia*): companies registered once for the whole hub, identified by NPWP."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CHAR,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    String,
    Text,
    func,
)
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


class KeyRevocation(StrEnum):
    """Why a vendor's signing key stopped signing."""

    ROTATED = "rotated"  # replaced by a newer key (``replaced_by``)
    COMPROMISED = "compromised"  # lost, stolen or copied
    LEFT_COMPANY = "left_company"  # the user who held it no longer acts for the vendor
    RETIRED = "retired"  # no longer needed


class VendorSigningKey(HubBase):
    """A vendor's Ed25519 key that signs its bids, made on a vendor user's machine; only the public half
    is here.

    History, never rewritten: a row is added when a user registers a key and changes once, when the key
    is revoked (``revoked_at``, ``revoke_reason``, ``revoked_by``, ``replaced_by``). A key is valid at
    time t when ``registered_at <= t < revoked_at`` (or it is not revoked), so a bid received while it
    was valid still verifies after it is rotated. Every registration and revocation is also an event of
    the hash-chained key log (``VendorKeyEvent``), which is how a row written behind the hub's back
    shows.
    """

    __tablename__ = "vendor_signing_keys"
    __table_args__ = (Index("ix_vendor_signing_keys_vendor", "vendor_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(39), unique=True)
    """The key's fingerprint (``tenants.sealing.signing_key_id``), as bundles name it: one key, one
    row, whichever vendor registered it first."""
    vendor_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("hub.vendors.id"))
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("hub.accounts.id"))
    """The vendor's user who registered it."""
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    """The raw 32 bytes."""
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(String(16))
    revoked_by: Mapped[int | None] = mapped_column(BigInteger)
    replaced_by: Mapped[str | None] = mapped_column(String(39))
    """With ``rotated``: the key id of the key that replaced it."""

    def valid_at(self, moment: datetime) -> bool:
        return self.registered_at <= moment and (self.revoked_at is None or moment < self.revoked_at)


class VendorKeyEvent(HubBase):
    """One registration or revocation of a vendor's signing key, chained to the event before it.

    The same shape and hash as a tenant's audit entry (``tenants.audit.canonical.entry_hash``): ``seq``
    1, 2, 3... without gaps, ``prev_hash`` the previous event's hash, ``action`` ``vendor_key.registered``
    or ``vendor_key.revoked``, ``subject`` ``vendor:<id>``, the key's fields in ``payload``.
    """

    __tablename__ = "vendor_key_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(CHAR(64))
    hash: Mapped[str] = mapped_column(CHAR(64))
