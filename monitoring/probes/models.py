"""One probe of one tenant: was its LPSE up, and which of the checks passed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Identity, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import HubBase

CHECKS = ("schema", "migrations", "read", "audit")
"""schema: the tenant's schema answers; migrations: it is at the tenant head; read: its tenders are
read within the time limit; audit: the audit chain's head is anchored in ``hub`` and the entries
since the anchor chain onto it."""


class ProbeResult(HubBase):
    __tablename__ = "probe_results"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(16))
    tenant_slug: Mapped[str] = mapped_column(String(64))
    probed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    up: Mapped[bool] = mapped_column(Boolean)
    """Every check passed."""
    checks: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    """``{check: true|false}`` for each of ``CHECKS``."""
    duration_seconds: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
