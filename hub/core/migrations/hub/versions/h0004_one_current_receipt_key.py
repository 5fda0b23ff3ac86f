"""One current receipt key at a time: concurrent first bids could each create one.

Revision ID: h0004
Revises: h0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0004"
down_revision = "h0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Keep the newest current key; retire the others (their receipts still verify: keys stay published).
    op.execute(
        "UPDATE hub.receipt_keys SET retired_at = now() WHERE retired_at IS NULL AND kid <> "
        "(SELECT kid FROM hub.receipt_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1)"
    )
    op.create_index(
        "uq_receipt_keys_current",
        "receipt_keys",
        [sa.text("(retired_at IS NULL)")],
        unique=True,
        schema="hub",
        postgresql_where=sa.text("retired_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_receipt_keys_current", "receipt_keys", schema="hub")
