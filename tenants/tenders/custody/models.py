"""The records of committee-held tender keys: member keys, the shares sealed to them, the shares
given back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import TenantBase


class MemberKey(TenantBase):
    """The X25519 public key of a committee member (or procurement officer), made on their machine.

    History is kept: registering a new key revokes the account's current one, and a key is never
    removed, so the key a share was sealed to can always be named."""

    __tablename__ = "member_keys"
    __table_args__ = (
        Index(
            "uq_member_keys_current", "account_id", unique=True, postgresql_where=text("revoked_at IS NULL")
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    registered_by: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class TenderKeyShare(TenantBase):
    """One share of a committee-held tender key, sealed to its holder's key at announcement."""

    __tablename__ = "tender_key_shares"

    tender_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.tenders.id"), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    holder_account_id: Mapped[int | None] = mapped_column(BigInteger)
    """The member holding it; ``None`` for the recovery share, sealed to the tenant's recovery key."""
    holder_fingerprint: Mapped[str] = mapped_column(String(64))
    sealed_share: Mapped[bytes] = mapped_column(LargeBinary)
    share_sha256: Mapped[str] = mapped_column(String(64))
    """The share's SHA-256: a share given back is the one sealed to this holder only if it matches."""

    @property
    def is_recovery(self) -> bool:
        return self.holder_account_id is None


class GivenShare(TenantBase):
    """A share given back for the opening, as received: sealed to the opening's one-time key."""

    __tablename__ = "tender_given_shares"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tender_id", "slot"], ["tenant.tender_key_shares.tender_id", "tenant.tender_key_shares.slot"]
        ),
    )

    tender_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    given_by: Mapped[int] = mapped_column(BigInteger)
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sealed_share: Mapped[bytes] = mapped_column(LargeBinary)
