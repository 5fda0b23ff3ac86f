"""Identity: accounts, memberships, vendors, OAuth clients, codes, refresh tokens, signing keys.

Revision ID: h0002
Revises: h0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from hub.core.migrations.op import op

revision = "h0002"
down_revision = "h0001"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "vendors",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("npwp", sa.String(16), nullable=False, unique=True),
        sa.Column("nib", sa.String(13)),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("home_regency_code", sa.String(4), nullable=False),
        sa.Column("kbli", ARRAY(sa.String(5)), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(16), nullable=False, server_default="registered"),
        sa.Column("merged_into_id", sa.BigInteger, sa.ForeignKey("hub.vendors.id")),
        *_timestamps(),
        sa.CheckConstraint("status IN ('registered', 'verified', 'merged')", name="status"),
        schema="hub",
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("email_verified", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("vendor_id", sa.BigInteger, sa.ForeignKey("hub.vendors.id"), index=True),
        *_timestamps(),
        sa.CheckConstraint("status IN ('active', 'disabled')", name="status"),
        schema="hub",
    )
    op.create_index("uq_accounts_email", "accounts", [sa.text("lower(email)")], unique=True, schema="hub")
    op.create_table(
        "memberships",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "account_id", sa.BigInteger, sa.ForeignKey("hub.accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("tenant_id", sa.BigInteger, sa.ForeignKey("hub.tenants.id", ondelete="CASCADE")),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("granted_by", sa.BigInteger),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("account_id", "tenant_id", "role", postgresql_nulls_not_distinct=True),
        schema="hub",
    )
    op.create_table(
        "vendor_verifications",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("vendor_id", sa.BigInteger, sa.ForeignKey("hub.vendors.id"), nullable=False, index=True),
        sa.Column("tenant_code", sa.String(4), nullable=False),
        sa.Column("verifier_account_id", sa.BigInteger, sa.ForeignKey("hub.accounts.id"), nullable=False),
        sa.Column("checked", JSONB, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="hub",
    )
    op.create_table(
        "vendor_events",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("vendor_id", sa.BigInteger, sa.ForeignKey("hub.vendors.id"), nullable=False, index=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("detail", JSONB, nullable=False, server_default="{}"),
        sa.Column("account_id", sa.BigInteger),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="hub",
    )
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.String(128)),
        sa.Column("redirect_uris", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("grant_types", ARRAY(sa.String(64)), nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("first_party", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="hub",
    )
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger, sa.ForeignKey("hub.accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("redirect_uri", sa.Text, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("nonce", sa.Text),
        sa.Column("code_challenge", sa.String(128)),
        sa.Column("code_challenge_method", sa.String(8)),
        sa.Column("auth_time", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        schema="hub",
    )
    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("family_id", sa.String(36), nullable=False, index=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.BigInteger, sa.ForeignKey("hub.accounts.id", ondelete="CASCADE")),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        schema="hub",
    )
    op.create_table(
        "revoked_access_tokens",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        schema="hub",
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("alg", sa.String(16), nullable=False),
        sa.Column("private_key", sa.LargeBinary, nullable=False),
        sa.Column("public_jwk", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.Column("published_until", sa.DateTime(timezone=True)),
        schema="hub",
    )
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
    op.create_table(
        "account_links",
        sa.Column("issuer", sa.Text, primary_key=True),
        sa.Column("subject", sa.String(255), primary_key=True),
        sa.Column(
            "account_id", sa.BigInteger, sa.ForeignKey("hub.accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="hub",
    )


def downgrade() -> None:
    for table in (
        "account_links",
        "login_failures",
        "signing_keys",
        "revoked_access_tokens",
        "oauth_refresh_tokens",
        "oauth_codes",
        "oauth_clients",
        "vendor_events",
        "vendor_verifications",
        "memberships",
        "accounts",
        "vendors",
    ):
        op.drop_table(table, schema="hub")
