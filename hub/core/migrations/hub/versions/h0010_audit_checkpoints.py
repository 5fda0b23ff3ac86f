"""Signed audit checkpoints and the key that signs them (issue 15).

``checkpoint_keys`` holds the hub's Ed25519 checkpoint key (private half wrapped by the master key,
one current key at a time); ``audit_checkpoints`` each tenant's chain head as signed and published.

Revision ID: h0010
Revises: h0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0010"
down_revision = "h0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkpoint_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("private_key", sa.LargeBinary, nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        schema="hub",
    )
    op.create_index(
        "uq_checkpoint_keys_current",
        "checkpoint_keys",
        [sa.text("(retired_at IS NULL)")],
        unique=True,
        schema="hub",
        postgresql_where=sa.text("retired_at IS NULL"),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(4), nullable=False, index=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.CHAR(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        schema="hub",
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints", schema="hub")
    op.drop_table("checkpoint_keys", schema="hub")
