"""The tenant registry and a tenant's agencies, as the API shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tenants.agencies import Agency
from tenants.registry import Tenant


@dataclass(frozen=True, slots=True)
class TenantView:
    slug: str
    code: str
    name: str
    kind: str
    province_code: str
    timezone: str
    hosts: list[str]

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
