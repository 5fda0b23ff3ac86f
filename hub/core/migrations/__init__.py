"""Database migrations: the ``hub`` history, and the ``tenant`` history every tenant schema follows."""

from hub.core.migrations.privileges import (
    APPEND_ONLY,
    grant_serving_role,
    grant_tenant_schema,
    may_rewrite_audit_trail,
)
from hub.core.migrations.runner import (
    HUB_HISTORY,
    TENANT_HISTORY,
    History,
    SchemaMigration,
    migrate_hub,
    migrate_tenant_schema,
    migrate_tenants,
    schema_revisions,
)
from hub.core.migrations.schema_script import (
    create_tenant_schema,
    record_tenant_schema_scripts,
    tenant_schema_script,
)

__all__ = [
    "APPEND_ONLY",
    "HUB_HISTORY",
    "TENANT_HISTORY",
    "History",
    "SchemaMigration",
    "create_tenant_schema",
    "grant_serving_role",
    "grant_tenant_schema",
    "may_rewrite_audit_trail",
    "migrate_hub",
    "migrate_tenant_schema",
    "migrate_tenants",
    "record_tenant_schema_scripts",
    "schema_revisions",
    "tenant_schema_script",
]
