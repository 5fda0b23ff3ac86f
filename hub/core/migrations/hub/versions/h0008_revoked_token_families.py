"""Revoking a token family stops its access tokens too; an authorization code knows its family.

A family is everything issued from one authorization: the code's access token, and the refresh
tokens and access tokens that descend from it. Access tokens carry the family's id; a revoked
family is kept here until the last access token it can have issued has expired, and the bearer
check reads it with the token's own revocation.

Revision ID: h0008
Revises: h0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0008"
down_revision = "h0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_revoked_families",
        sa.Column("family_id", sa.String(36), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        schema="hub",
    )
    op.create_index(
        "ix_oauth_revoked_families_expiry", "oauth_revoked_families", ["expires_at"], schema="hub"
    )
    # Codes live a minute: the ones in flight during the upgrade get a family of their own.
    op.add_column(
        "oauth_codes",
        sa.Column(
            "family_id", sa.String(36), nullable=False, server_default=sa.text("gen_random_uuid()::text")
        ),
        schema="hub",
    )
    op.alter_column("oauth_codes", "family_id", server_default=None, schema="hub")


def downgrade() -> None:
    op.drop_column("oauth_codes", "family_id", schema="hub")
    op.drop_table("oauth_revoked_families", schema="hub")
