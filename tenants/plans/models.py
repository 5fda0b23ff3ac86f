"""The tenant's general procurement plan (RUP, *Rencana Umum Pengadaan*), item by item, as SiRUP
publishes it: what each agency plans to buy in a fiscal year, within which budget ceiling (pagu), paid
from which source of funds and budget line (the DPA account code)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Identity, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import TenantBase


class PlanItem(TenantBase):  # paket RUP
    """One item of the plan. Its packages (``tenants.tenders.models.Package.plan_item_id``) together
    stay within its ceiling; the OCDS record of each carries the item as its ``planning``."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    rup_code: Mapped[str] = mapped_column(String(32), unique=True)
    """SiRUP's code of the item (*kode RUP*): the identifier OCDS publishes it under."""
    agency_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tenant.agencies.id"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    ceiling: Mapped[int] = mapped_column(BigInteger)  # pagu, whole rupiah
    funding_source: Mapped[str] = mapped_column(String(16))  # sumber dana: ``FundingSource``
    budget_line: Mapped[str] = mapped_column(String(100))  # kode rekening of the DPA
    category: Mapped[str] = mapped_column(String(32))  # jenis pengadaan: ``tenants.vocabulary.Category``
    method: Mapped[str] = mapped_column(String(32))  # metode pemilihan: ``tenants.vocabulary.Method``
    selection_from: Mapped[date] = mapped_column(Date)  # waktu pemilihan: its first day
    selection_to: Mapped[date] = mapped_column(Date)  # and its last
    location: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(BigInteger)
    """The person's account that recorded it; ``None`` when an e-planning client did."""
    recorded_by_client: Mapped[str | None] = mapped_column(String(64))
    """The machine client (e-planning, e-budgeting) that recorded it, acting as itself."""
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


__all__ = ["PlanItem"]
