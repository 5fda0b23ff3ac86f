"""Tender keys held in shares by the committee (issue 16): member keys, sealed shares, given shares.

- ``procurement_rules`` gains the tenant's choice for new tenders (``key_custody``: ``hub``, the path
  of tenders before this, or ``committee``), the threshold (``share_threshold``; none: a majority)
  and the tenant's offline recovery key (its public half and fingerprint).
- ``tenders`` gains its own ``key_custody`` (every existing tender: ``hub``), its threshold, and the
  opening's one-time key (public half; private half wrapped by the tenant key until the opening).
- ``member_keys``: the X25519 public keys of committee members and procurement officers, history
  kept (a key is revoked, never removed; at most one current key per account).
- ``tender_key_shares``: one row per share of a committee-held tender key: its holder (an account,
  or none for the recovery share), the fingerprint of the key it is sealed to, the sealed share and
  the share's SHA-256.
- ``tender_given_shares``: each share given back for the opening, as received (sealed to the
  opening's one-time key), by whom and when.

Revision ID: t0006
Revises: t0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "t0006"
down_revision = "t0005"
branch_labels = None
depends_on = None

T = "tenant"


def upgrade() -> None:
    op.add_column(
        "procurement_rules",
        sa.Column("key_custody", sa.String(16), nullable=False, server_default="hub"),
        schema=T,
    )
    op.add_column("procurement_rules", sa.Column("share_threshold", sa.SmallInteger), schema=T)
    op.add_column("procurement_rules", sa.Column("recovery_public_key", sa.LargeBinary), schema=T)
    op.add_column("procurement_rules", sa.Column("recovery_fingerprint", sa.String(64)), schema=T)
    op.create_check_constraint(
        "ck_procurement_rules_key_custody",
        "procurement_rules",
        "key_custody IN ('hub', 'committee')",
        schema=T,
    )
    op.add_column(
        "tenders", sa.Column("key_custody", sa.String(16), nullable=False, server_default="hub"), schema=T
    )
    op.add_column("tenders", sa.Column("share_threshold", sa.SmallInteger), schema=T)
    op.add_column("tenders", sa.Column("opening_public_key", sa.LargeBinary), schema=T)
    op.add_column("tenders", sa.Column("opening_wrapped_key", sa.LargeBinary), schema=T)
    op.create_check_constraint(
        "ck_tenders_key_custody", "tenders", "key_custody IN ('hub', 'committee')", schema=T
    )
    op.create_table(
        "member_keys",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("public_key", sa.LargeBinary, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("registered_by", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoke_reason", sa.Text),
        schema=T,
    )
    op.create_index(
        "uq_member_keys_current",
        "member_keys",
        ["account_id"],
        unique=True,
        schema=T,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "tender_key_shares",
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), primary_key=True),
        sa.Column("slot", sa.SmallInteger, primary_key=True),
        sa.Column("holder_account_id", sa.BigInteger),
        sa.Column("holder_fingerprint", sa.String(64), nullable=False),
        sa.Column("sealed_share", sa.LargeBinary, nullable=False),
        sa.Column("share_sha256", sa.String(64), nullable=False),
        schema=T,
    )
    op.create_table(
        "tender_given_shares",
        sa.Column("tender_id", sa.BigInteger, primary_key=True),
        sa.Column("slot", sa.SmallInteger, primary_key=True),
        sa.Column("given_by", sa.BigInteger, nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sealed_share", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["tender_id", "slot"], [f"{T}.tender_key_shares.tender_id", f"{T}.tender_key_shares.slot"]
        ),
        schema=T,
    )


def downgrade() -> None:
    op.drop_table("tender_given_shares", schema=T)
    op.drop_table("tender_key_shares", schema=T)
    op.drop_table("member_keys", schema=T)
    op.drop_constraint("ck_tenders_key_custody", "tenders", schema=T)
    for column in ("opening_wrapped_key", "opening_public_key", "share_threshold", "key_custody"):
        op.drop_column("tenders", column, schema=T)
    op.drop_constraint("ck_procurement_rules_key_custody", "procurement_rules", schema=T)
    for column in ("recovery_fingerprint", "recovery_public_key", "share_threshold", "key_custody"):
        op.drop_column("procurement_rules", column, schema=T)
