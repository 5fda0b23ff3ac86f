"""Login throttling by capped backoff per key, instead of a count of failures that locks an account.

``login_failures`` kept one row a failure and refused an account after five in 15 minutes, from
anyone: a stranger could lock out an official. ``login_throttles`` keeps one row per key (an
account seen from unknown clients, an address, a device, an account at a known address) with the
time until which that key waits (``federation.identity.login_throttle``). Old failures are dropped:
they are at most 15 minutes of history.

Revision ID: h0009
Revises: h0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0009"
down_revision = "h0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("login_failures", schema="hub")
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(320), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_failure_at", sa.DateTime(timezone=True)),
        sa.Column("blocked_until", sa.DateTime(timezone=True)),
        sa.Column("trusted_until", sa.DateTime(timezone=True)),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        schema="hub",
    )
    op.create_index("ix_login_throttles_expiry", "login_throttles", ["expires_at"], schema="hub")


def downgrade() -> None:
    op.drop_table("login_throttles", schema="hub")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("account_key", sa.String(254), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="hub",
    )
    op.create_index("ix_login_failures_account", "login_failures", ["account_key", "at"], schema="hub")
    op.create_index("ix_login_failures_address", "login_failures", ["address", "at"], schema="hub")
