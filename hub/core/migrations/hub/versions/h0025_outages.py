"""Outages recorded by hand, which extend bid-submission deadlines as probed outages do (issue 21).

Revision ID: h0025
Revises: h0024
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0025"
down_revision = "h0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recorded_outages",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(16), nullable=False),
        sa.Column("tenant_slug", sa.String(64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("starts_at < ends_at", name="ck_recorded_outages_order"),
        schema="hub",
    )
    op.create_index(
        "ix_recorded_outages_tenant", "recorded_outages", ["tenant_code", "ends_at"], schema="hub"
    )


def downgrade() -> None:
    op.drop_table("recorded_outages", schema="hub")
