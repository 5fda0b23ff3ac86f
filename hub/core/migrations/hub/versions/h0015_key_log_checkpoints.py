"""The vendor key log's head checkpointed like a tenant's audit head (issue 15).

``audit_checkpoints.tenant_code`` widens from a tenant's four-digit code to 16 characters, so the
key log's reserved chain name ``vendor-keys`` fits in its place (as ``peer_checkpoints`` keeps
it already). Widening a ``varchar`` rewrites nothing.

Revision ID: h0015
Revises: h0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0015"
down_revision = "h0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column(
        "audit_checkpoints", "tenant_code", type_=sa.String(16), existing_type=sa.String(4), schema="hub"
    )


def downgrade() -> None:
    op.execute("DELETE FROM hub.audit_checkpoints WHERE length(tenant_code) > 4")
    op.alter_column(
        "audit_checkpoints", "tenant_code", type_=sa.String(4), existing_type=sa.String(16), schema="hub"
    )
