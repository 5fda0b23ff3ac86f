"""Audit checkpoints as entries of the change feed, and the checkpoints of peer hubs kept here (issue 15).

``audit_checkpoints`` gets a feed position from the change feed's own sequence and the writing
transaction's id, as ``changes`` rows have; a trigger sets both on every insert and update, so a
checkpoint rewritten in place (or inserted with an old position) is served again at the feed's end
instead of hiding behind the followers' cursors. The feed reads both tables in one order
(``federation/catalogue/feed.py``).

``peer_checkpoints`` keeps each checkpoint a peer hub published, its signature checked;
``peer_checkpoint_keys`` the peer's checkpoint keys as first seen, by kid.

Revision ID: h0013
Revises: h0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0013"
down_revision = "h0011"
branch_labels = None
depends_on = None

POSITIONS = "hub.changes_position_seq"
"""The sequence of ``changes.position`` (an identity column): one position order for every entry."""

FEED_POSITION = f"""
CREATE FUNCTION hub.audit_checkpoint_feed_position() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.position := nextval('{POSITIONS}');
    NEW.xid := pg_current_xact_id();
    RETURN NEW;
END $$
"""


def upgrade() -> None:
    op.execute("ALTER TABLE hub.audit_checkpoints ADD COLUMN position bigint, ADD COLUMN xid xid8")
    # The checkpoints made so far join the feed now, in the order they were made.
    op.execute(
        f"UPDATE hub.audit_checkpoints AS c SET position = o.position, xid = pg_current_xact_id() "
        f"FROM (SELECT id, nextval('{POSITIONS}') AS position "
        f"      FROM (SELECT id FROM hub.audit_checkpoints ORDER BY id) AS made) AS o "
        f"WHERE c.id = o.id"
    )
    op.execute(
        "ALTER TABLE hub.audit_checkpoints ALTER COLUMN position SET NOT NULL, ALTER COLUMN xid SET NOT NULL"
    )
    op.execute(FEED_POSITION)
    op.execute(
        "CREATE TRIGGER audit_checkpoint_feed_position BEFORE INSERT OR UPDATE ON hub.audit_checkpoints "
        "FOR EACH ROW EXECUTE FUNCTION hub.audit_checkpoint_feed_position()"
    )
    op.create_index("ix_audit_checkpoints_order", "audit_checkpoints", ["xid", "position"], schema="hub")
    op.create_index(
        "uq_audit_checkpoints_position", "audit_checkpoints", ["position"], unique=True, schema="hub"
    )
    op.create_table(
        "peer_checkpoint_keys",
        sa.Column("peer", sa.String(64), sa.ForeignKey("hub.peers.name"), primary_key=True),
        sa.Column("kid", sa.String(64), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="hub",
    )
    op.create_table(
        "peer_checkpoints",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("peer", sa.String(64), sa.ForeignKey("hub.peers.name"), nullable=False),
        sa.Column("tenant_code", sa.String(16), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("conflict", sa.String(16)),
        sa.Column("conflicts_with", sa.BigInteger, sa.ForeignKey("hub.peer_checkpoints.id")),
        sa.UniqueConstraint(
            "peer", "tenant_code", "seq", "head_hash", "at", name="uq_peer_checkpoints_statement"
        ),
        schema="hub",
    )
    op.create_index(
        "ix_peer_checkpoints_seq", "peer_checkpoints", ["peer", "tenant_code", "seq"], schema="hub"
    )
    op.create_index("ix_peer_checkpoints_at", "peer_checkpoints", ["peer", "tenant_code", "at"], schema="hub")
    op.create_index(
        "ix_peer_checkpoints_conflicts",
        "peer_checkpoints",
        ["peer"],
        schema="hub",
        postgresql_where=sa.text("conflict IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("peer_checkpoints", schema="hub")
    op.drop_table("peer_checkpoint_keys", schema="hub")
    op.execute("DROP TRIGGER audit_checkpoint_feed_position ON hub.audit_checkpoints")
    op.execute("DROP FUNCTION hub.audit_checkpoint_feed_position()")
    op.drop_index("uq_audit_checkpoints_position", "audit_checkpoints", schema="hub")
    op.drop_index("ix_audit_checkpoints_order", "audit_checkpoints", schema="hub")
    op.execute("ALTER TABLE hub.audit_checkpoints DROP COLUMN position, DROP COLUMN xid")
