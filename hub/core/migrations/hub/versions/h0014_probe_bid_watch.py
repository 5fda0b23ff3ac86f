"""The probe's check of stored bids: what it found, and where its next round starts (issue 15).

Revision ID: h0014
Revises: h0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from hub.core.migrations.op import op

revision = "h0014"
down_revision = "h0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("probe_results", sa.Column("tampered_bids", JSONB), schema="hub")
    op.add_column("probe_results", sa.Column("bids_problem", sa.Text), schema="hub")
    op.add_column("probe_results", sa.Column("bid_watch", JSONB), schema="hub")


def downgrade() -> None:
    for column in ("bid_watch", "bids_problem", "tampered_bids"):
        op.drop_column("probe_results", column, schema="hub")
