"""Vendor suspensions: a tenant bars a vendor from its own tenders, until a date.

Revision ID: t0002
Revises: t0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_suspensions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "vendor_id", sa.BigInteger, nullable=False, index=True
        ),  # hub.vendors.id: no cross-schema FK
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("suspended_by", sa.BigInteger, nullable=False),  # hub.accounts.id
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("lifted_at", sa.DateTime(timezone=True)),
        schema="tenant",
    )


def downgrade() -> None:
    op.drop_table("vendor_suspensions", schema="tenant")
