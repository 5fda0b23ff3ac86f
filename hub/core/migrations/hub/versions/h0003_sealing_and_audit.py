"""Sealed bids and audit: tenant keys (wrapped by the master key), receipt keys, audit anchors.

Revision ID: h0003
Revises: h0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0003"
down_revision = "h0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_keys",
        # The key goes with its tenant: a tenant provisioned again under the same code starts afresh.
        sa.Column(
            "tenant_code",
            sa.String(4),
            sa.ForeignKey("hub.tenants.code", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("rewrapped_at", sa.DateTime(timezone=True)),
        schema="hub",
    )
    op.create_table(
        "receipt_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_key", sa.LargeBinary, nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        schema="hub",
    )
    op.create_table(
        "audit_anchors",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(4), nullable=False, index=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("anchored_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="hub",
    )


def downgrade() -> None:
    for table in ("audit_anchors", "receipt_keys", "tenant_keys"):
        op.drop_table(table, schema="hub")
