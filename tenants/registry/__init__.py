"""The registry of the hub's tenants: who they are, how they are reached, whether they serve."""

from tenants.registry.models import TIMEZONES, Tenant, TenantHost, TenantStatus
from tenants.registry.provisioning import ProvisionReport, provision_province
from tenants.registry.tenants import (
    TenantRef,
    TenantSpec,
    create_tenant,
    delete_tenant,
    get_tenant,
    list_tenants,
    resolve_spec,
    resolve_tenant,
    resume_tenant,
    spec_of_region,
    suspend_tenant,
    tenant_refs,
)

__all__ = [
    "TIMEZONES",
    "ProvisionReport",
    "Tenant",
    "TenantHost",
    "TenantRef",
    "TenantSpec",
    "TenantStatus",
    "create_tenant",
    "delete_tenant",
    "get_tenant",
    "list_tenants",
    "provision_province",
    "resolve_spec",
    "resolve_tenant",
    "resume_tenant",
    "spec_of_region",
    "suspend_tenant",
    "tenant_refs",
]
