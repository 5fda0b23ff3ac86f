"""Accounts and memberships, in the ``hub`` schema: one person, one login, roles per tenant."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Identity, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import HubBase, Timestamps


class Role(StrEnum):
    """What a membership lets its holder do. Tenant roles hold in one tenant; hub roles in all."""

    TENANT_ADMIN = "tenant_admin"  # Admin PPE
    COMMITMENT_OFFICER = "commitment_officer"  # PPK
    SELECTION_COMMITTEE = "selection_committee"  # Pokja Pemilihan
    PROCUREMENT_OFFICER = "procurement_officer"  # Pejabat Pengadaan
    VERIFIER = "verifier"  # Verifikator
    AUDITOR = "auditor"  # APIP
    HUB_ADMIN = "hub_admin"
    PROVINCE_AUDITOR = "province_auditor"

    @property
    def is_hub_role(self) -> bool:
        return self in (Role.HUB_ADMIN, Role.PROVINCE_AUDITOR)


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Account(Timestamps, HubBase):
    """A person who logs in: an official of some tenant, a vendor's user, or a hub operator."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """argon2id; ``None`` for an account that only logs in through an upstream provider."""
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=AccountStatus.ACTIVE.value)
    vendor_id: Mapped[int | None] = mapped_column(BigInteger)
    """The vendor company this user acts for (``hub.vendors``; the constraint is in the migration)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "status": self.status,
            "email_verified": self.email_verified,
            "vendor_id": self.vendor_id,
            "created_at": self.created_at.isoformat(),
        }


class Membership(HubBase):
    """A role held by an account in one tenant (``tenant_id``), or hub-wide (``tenant_id`` is NULL)."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("hub.accounts.id", ondelete="CASCADE"))
    tenant_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("hub.tenants.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(32))
    granted_by: Mapped[int | None] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LoginThrottle(HubBase):
    """Recent failed logins under one key, and until when that key may not try again.

    A key is ``account:<email>`` (clients the account does not know), ``address:<ip>``, ``device:<id>``
    (a browser holding the account's device cookie) or ``pair:<email> <ip>`` (an address the account
    logged in from lately; ``trusted_until`` says how long). See ``federation.identity.login_throttle``.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    trusted_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When the row means nothing any more (no wait, no trust, failures forgotten): pruned after."""


class AccountLink(HubBase):
    """An identity at an upstream provider (issuer, subject) that logs in as a hub account."""

    __tablename__ = "account_links"

    issuer: Mapped[str] = mapped_column(Text, primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("hub.accounts.id", ondelete="CASCADE"))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
