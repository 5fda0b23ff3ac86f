"""Agencies (satker / OPD): the offices of a regency that buy.

Revision ID: t0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "t0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="tenant",
    )
    op.create_index("uq_agencies_name", "agencies", [sa.text("lower(name)")], unique=True, schema="tenant")


def downgrade() -> None:
    op.drop_table("agencies", schema="tenant")
