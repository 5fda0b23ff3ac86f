"""Every change to the tenant registry notifies ``lpse_hub_tenants``, for the copies workers hold (issue 20).

Each worker keeps the registry in memory (``tenants.registry.directory``) instead of reading it on
every request, and drops its copy when it hears this channel. The triggers fire once per statement
that changes ``hub.tenants`` or ``hub.tenant_hosts`` (an insert, update, delete or truncate);
PostgreSQL sends the notification when the transaction commits, and never for one rolled back. The
payload is empty: a worker reloads the whole registry (548 rows), so one notification per
transaction is enough, and PostgreSQL folds identical ones of a transaction into one.

Revision ID: h0021
Revises: h0020
Create Date: 2026-12-03
"""

from __future__ import annotations

from hub.core.migrations.op import op

revision = "h0021"
down_revision = "h0020"
branch_labels = None
depends_on = None

TABLES = ("tenants", "tenant_hosts")


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION hub.notify_tenant_registry() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('lpse_hub_tenants', '');
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hub.{table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION hub.notify_tenant_registry()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_notify ON hub.{table}")
    op.execute("DROP FUNCTION hub.notify_tenant_registry()")
