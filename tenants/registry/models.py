"""The tenant registry, in the ``hub`` schema."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Identity, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.core.database import HubBase, Timestamps, schema_of


class TenantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
"""WIB, WITA and WIT: the only clocks an Indonesian LPSE runs on."""


class Tenant(Timestamps, HubBase):
    """One LPSE on the hub: a province, regency or city, with its own schema ``t_<code>``."""

    __tablename__ = "tenants"
    # The INSERT returns the server's defaults (the timestamps), so a new tenant needs no reread.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 (SQLAlchemy reads it once, at mapping)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    code: Mapped[str] = mapped_column(String(4), unique=True)
    """Kemendagri code of the region: 35 for Jawa Timur, 3507 for Kabupaten Malang."""
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(String(2))
    """The province the tenant belongs to (its own code, for a province)."""
    timezone: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=TenantStatus.ACTIVE.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    hosts: Mapped[list[TenantHost]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="TenantHost.host"
    )

    @property
    def schema(self) -> str:
        return schema_of(self.code)

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    def to_dict(self) -> dict[str, object]:
        """The stable, machine-readable form (CLI ``--json`` and the HTTP API)."""
        return {
            "slug": self.slug,
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "province_code": self.province_code,
            "timezone": self.timezone,
            "hosts": [h.host for h in self.hosts],
            "status": self.status,
            "status_reason": self.status_reason,
            "schema": self.schema,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


class TenantHost(HubBase):
    """A host name (``lpse.malangkab.go.id``) that reaches a tenant without the ``/t/{slug}`` prefix."""

    __tablename__ = "tenant_hosts"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("hub.tenants.id", ondelete="CASCADE"))
