"""Outages recorded by hand: what the probes could not see (a regional network cut), in ``hub``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import HubBase


class RecordedOutage(HubBase):  # gangguan yang dicatat
    """A span of time an operator says a tenant's LPSE was unreachable for bidders, with the reason.

    It extends deadlines as a probed outage does (``tenants.tenders.outages.extension``). The hub's
    serving role may only append to the table (``hub/core/migrations/privileges.py``): a recorded
    outage is not edited nor deleted, and every deadline it extended names it in the audit chain.
    """

    __tablename__ = "recorded_outages"
    __table_args__ = (
        Index("ix_recorded_outages_tenant", "tenant_code", "ends_at"),
        CheckConstraint("starts_at < ends_at", name="ck_recorded_outages_order"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(16))
    tenant_slug: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    """Who recorded it: the operating-system user that ran ``lpse-hub outage record``."""
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
