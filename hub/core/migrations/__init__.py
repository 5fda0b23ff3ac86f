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

__all__ = [
    "HUB_HISTORY",
    "TENANT_HISTORY",
    "History",
    "SchemaMigration",
    "migrate_hub",
    "migrate_tenant_schema",
    "migrate_tenants",
    "schema_revisions",
]
