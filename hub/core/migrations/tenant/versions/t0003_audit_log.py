"""Audit log: each tenant's append-only, hash-chained record of what happened to its procurements.

``seq`` is given by ``tenants.audit.append_audit`` (1, 2, 3... under a per-tenant lock), not by
an identity: a sequence skips the numbers of rolled-back transactions, and a gap must mean a
deleted entry. A statement trigger refuses every UPDATE, DELETE and TRUNCATE, so that no
application bug or hand-typed statement changes the record; whoever owns the table can still
disable it, and that is what the hash chain and the anchors in ``hub.audit_anchors`` catch.

Revision ID: t0003
Revises: t0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from hub.core.database import TENANT_SCHEMA
from hub.core.migrations.op import op

revision = "t0003"
down_revision = "t0002"
branch_labels = None
depends_on = None


def _schema() -> str:
    """The real schema being migrated, quoted: raw DDL is not reached by the schema map."""
    bind = op.get_bind()
    schema = (bind.get_execution_options().get("schema_translate_map") or {}).get(TENANT_SCHEMA)
    if not schema:
        raise RuntimeError("t0003 runs only on a connection mapped to a tenant schema")
    return str(bind.dialect.identifier_preparer.quote_schema(schema))


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.BigInteger),  # hub.accounts.id: no cross-schema FK
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("prev_hash", sa.CHAR(64), nullable=False),
        sa.Column("hash", sa.CHAR(64), nullable=False),
        schema="tenant",
    )
    # (subject, seq) serves the auditor's "this tender's entries after N" page straight from the index.
    op.create_index("ix_audit_log_subject_seq", "audit_log", ["subject", "seq"], schema="tenant")
    op.create_index("ix_audit_log_action", "audit_log", ["action"], schema="tenant")
    schema = _schema()
    op.execute(
        f"CREATE FUNCTION {schema}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "    RAISE EXCEPTION 'the audit log %.% is append-only: % refused',\n"
        "        TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP;\n"
        "END\n"
        "$$"
    )
    op.execute(
        f"CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {schema}.audit_log "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.audit_log_append_only()"
    )


def downgrade() -> None:
    op.drop_table("audit_log", schema="tenant")  # its trigger goes with it
    op.execute(f"DROP FUNCTION {_schema()}.audit_log_append_only()")
