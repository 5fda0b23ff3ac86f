"""Agencies live in the tenant schema: each regency has its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, String, func
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import TenantBase


class Agency(TenantBase):  # satker / OPD
    """A regency office that owns packages and signs contracts (Dinas PUPR, RSUD, ...)."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "created_at": self.created_at.isoformat()}
