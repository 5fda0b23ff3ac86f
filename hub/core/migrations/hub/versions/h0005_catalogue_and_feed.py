"""The province-wide tender catalogue and the change feed of OCDS releases.

Revision ID: h0005
Revises: h0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

from hub.core.migrations.op import op

revision = "h0005"
down_revision = "h0004"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True))


def upgrade() -> None:
    op.create_table(
        "catalogue",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("origin", sa.String(64), nullable=False, server_default=""),
        sa.Column("ocid", sa.String(200), nullable=False),
        sa.Column("tenant_code", sa.String(16), nullable=False),
        sa.Column("tenant_slug", sa.String(64), nullable=False),
        sa.Column("tenant_name", sa.String(200), nullable=False),
        sa.Column("province_code", sa.String(8), nullable=False),
        sa.Column("tender_id", sa.BigInteger, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("agency", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("evaluation", sa.String(32), nullable=False),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("budget", sa.BigInteger, nullable=False),
        sa.Column("owner_estimate", sa.BigInteger, nullable=False),
        sa.Column("kbli", ARRAY(sa.String(5)), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        _when("announced_at"),
        _when("submission_starts_at"),
        _when("submission_ends_at"),
        _when("opened_at"),
        _when("awarded_at"),
        sa.Column("bidders", sa.Integer),
        sa.Column("winner", sa.String(200)),
        sa.Column("award_value", sa.BigInteger),
        sa.Column("contract_value", sa.BigInteger),
        sa.Column("contract_signed_on", sa.Date),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column(
            "search",
            TSVECTOR,
            sa.Computed("to_tsvector('simple'::regconfig, search_text)", persisted=True),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("origin", "ocid", name="uq_catalogue_origin_ocid"),
        schema="hub",
    )
    op.create_index("ix_catalogue_search", "catalogue", ["search"], postgresql_using="gin", schema="hub")
    op.create_index(
        "ix_catalogue_announced",
        "catalogue",
        [sa.text("announced_at DESC"), sa.text("id DESC")],
        schema="hub",
    )
    op.create_index("ix_catalogue_tenant", "catalogue", ["tenant_slug", "tender_id"], schema="hub")
    op.create_index("ix_catalogue_submission", "catalogue", ["submission_ends_at"], schema="hub")
    op.create_index("ix_catalogue_budget", "catalogue", ["budget", "id"], schema="hub")
    op.create_table(
        "changes",
        sa.Column("position", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("xid", sa.Text, nullable=False),  # placeholder, replaced below by an xid8 column
        sa.Column("origin", sa.String(64), nullable=False, server_default=""),
        sa.Column("ocid", sa.String(200), nullable=False),
        sa.Column("tags", ARRAY(sa.String(32)), nullable=False),
        sa.Column("release", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="hub",
    )
    # The committing transaction's id orders the feed: see federation/catalogue/feed.py.
    op.execute(
        "ALTER TABLE hub.changes ALTER COLUMN xid TYPE xid8 USING NULL, "
        "ALTER COLUMN xid SET DEFAULT pg_current_xact_id()"
    )
    op.create_index("ix_changes_order", "changes", ["xid", "position"], schema="hub")
    op.create_index("ix_changes_ocid", "changes", ["origin", "ocid", "position"], schema="hub")
    op.create_table(
        "peers",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("cursor", sa.String(200)),
        _when("synced_at"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema="hub",
    )


def downgrade() -> None:
    for table in ("peers", "changes", "catalogue"):
        op.drop_table(table, schema="hub")
