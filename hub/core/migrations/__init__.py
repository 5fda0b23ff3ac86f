"""Database migrations: the ``hub`` history, and the ``tenant`` history every tenant schema follows."""

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
from hub.core.migrations.schema_script import create_tenant_schema, tenant_schema_script

__all__ = [
    "HUB_HISTORY",
    "TENANT_HISTORY",
    "History",
    "SchemaMigration",
    "create_tenant_schema",
    "migrate_hub",
    "migrate_tenant_schema",
    "migrate_tenants",
    "schema_revisions",
    "tenant_schema_script",
]
