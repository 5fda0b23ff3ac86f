"""Hub-side records of sealing: tenant keys and the receipt-signing keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import HubBase


class TenantKey(HubBase):
    __tablename__ = "tenant_keys"

    tenant_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    rewrapped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReceiptKey(HubBase):
    """The hub's Ed25519 key that signs bid receipts; the private half wrapped by the master key."""

    __tablename__ = "receipt_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
