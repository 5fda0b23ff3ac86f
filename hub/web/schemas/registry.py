"""The tenant registry and a tenant's agencies, as the API shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tenants.agencies import Agency
from tenants.registry import Tenant


@dataclass(frozen=True, slots=True)
class TenantView:
    """One LPSE on the hub, as the public list shows it (the active ones only)."""

    slug: str
    """Its name in paths: ``/t/{slug}/api/...``."""
    code: str
    """Kemendagri code of the region: 35 for Jawa Timur, 3507 for Kabupaten Malang."""
    name: str
    kind: str
    """``province``, ``regency`` or ``city``."""
    province_code: str
    timezone: str
    """The clock its dates are on: ``Asia/Jakarta`` (WIB), ``Asia/Makassar`` (WITA) or
    ``Asia/Jayapura`` (WIT)."""
    hosts: list[str]
    """Host names that reach its routes without the ``/t/{slug}`` prefix."""

    @classmethod
    def of(cls, tenant: Tenant) -> TenantView:
        return cls(
            tenant.slug,
            tenant.code,
            tenant.name,
            tenant.kind,
            tenant.province_code,
            tenant.timezone,
            [h.host for h in tenant.hosts],
        )


@dataclass(frozen=True, slots=True)
class AgencyView:
    id: int
    name: str
    created_at: datetime

    @classmethod
    def of(cls, agency: Agency) -> AgencyView:
        return cls(agency.id, agency.name, agency.created_at)


@dataclass(frozen=True, slots=True)
class NewAgency:
    name: str
    """The agency's name (satker), 1 to 200 characters, unique in the tenant regardless of case."""
