"""Vendors' signing keys and their hash-chained log (issue 15: vendors sign their bids).

``vendor_signing_keys`` holds the public half of each key a vendor's user registered, with its
revocation; ``vendor_key_events`` chains every registration and revocation, so a key row written
behind the hub's back shows in ``lpse-hub audit verify``.

Revision ID: h0011
Revises: h0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from hub.core.migrations.op import op

revision = "h0011"
down_revision = "h0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_signing_keys",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("key_id", sa.String(39), nullable=False, unique=True),
        sa.Column("vendor_id", sa.BigInteger, sa.ForeignKey("hub.vendors.id"), nullable=False),
        sa.Column("account_id", sa.BigInteger, sa.ForeignKey("hub.accounts.id"), nullable=False),
        sa.Column("public_key", sa.LargeBinary, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoke_reason", sa.String(16)),
        sa.Column("revoked_by", sa.BigInteger),
        sa.Column("replaced_by", sa.String(39)),
        sa.CheckConstraint("octet_length(public_key) = 32", name="ck_vendor_signing_keys_raw_key"),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoke_reason IS NULL)", name="ck_vendor_signing_keys_revocation"
        ),
        schema="hub",
    )
    op.create_index("ix_vendor_signing_keys_vendor", "vendor_signing_keys", ["vendor_id"], schema="hub")
    op.create_table(
        "vendor_key_events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.BigInteger),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("prev_hash", sa.CHAR(64), nullable=False),
        sa.Column("hash", sa.CHAR(64), nullable=False),
        schema="hub",
    )
    # A key's events are found by its key id (the checks of stored bids join them to the keys).
    op.create_index(
        "ix_vendor_key_events_key_id", "vendor_key_events", [sa.text("(payload ->> 'key_id')")], schema="hub"
    )


def downgrade() -> None:
    op.drop_table("vendor_key_events", schema="hub")
    op.drop_table("vendor_signing_keys", schema="hub")
