"""The history of tenant probes, so uptime can be reviewed with or without Prometheus.

Revision ID: h0007
Revises: h0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from hub.core.migrations.op import op

revision = "h0007"
down_revision = "h0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "probe_results",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_code", sa.String(16), nullable=False),
        sa.Column("tenant_slug", sa.String(64), nullable=False),
        sa.Column("probed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("up", sa.Boolean, nullable=False),
        sa.Column("checks", JSONB, nullable=False, server_default="{}"),
        sa.Column("duration_seconds", sa.Float, nullable=False),
        sa.Column("error", sa.Text),
        schema="hub",
    )
    op.create_index(
        "ix_probe_results_tenant", "probe_results", ["tenant_code", sa.text("probed_at DESC")], schema="hub"
    )
    op.create_index("ix_probe_results_time", "probe_results", ["probed_at"], schema="hub")


def downgrade() -> None:
    op.drop_table("probe_results", schema="hub")
