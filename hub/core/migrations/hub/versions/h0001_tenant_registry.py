"""Tenant registry: the hub's tenants and the host names that reach them.

Revision ID: h0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("slug", sa.String(63), nullable=False, unique=True),
        sa.Column("code", sa.String(4), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("timezone", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("status_reason", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('province', 'regency', 'city')", name="kind"),
        sa.CheckConstraint("status IN ('active', 'suspended')", name="status"),
        sa.CheckConstraint("timezone IN ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura')", name="timezone"),
        schema="hub",
    )
    op.create_index("ix_tenants_province_code", "tenants", ["province_code"], schema="hub")
    op.create_table(
        "tenant_hosts",
        sa.Column("host", sa.String(253), primary_key=True),
        sa.Column(
            "tenant_id",
            sa.BigInteger,
            sa.ForeignKey("hub.tenants.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        schema="hub",
    )


def downgrade() -> None:
    op.drop_table("tenant_hosts", schema="hub")
    op.drop_table("tenants", schema="hub")
