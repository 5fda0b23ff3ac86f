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
since the anchor chain onto it. The check of stored bids is kept apart (``tampered_bids``): a
swapped bid is no outage, and must not count against the tenant's uptime."""


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
    """The first failed check and why, in one line."""
    tampered_bids: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    """The stored bids of unopened tenders this probe found not to be the bids received (each a
    ``BidMismatch``: bid, tender, vendor, failed check, why); ``None`` when the bids were not checked
    (their check did not answer in time, see ``bids_problem``)."""
    bids_problem: Mapped[str | None] = mapped_column(Text)
    """Why the bids are not as received (the first mismatch, in one line), or why they were not
    checked. Apart from ``error`` and ``up``: a swapped bid is an integrity alarm, not an outage."""
    bid_watch: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """Where the next probe's check of the bids starts (``tenants.tenders.BidWatch``)."""
