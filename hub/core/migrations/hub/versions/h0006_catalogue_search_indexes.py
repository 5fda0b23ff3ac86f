"""Catalogue orders an index can serve: every sort walks an index, and selective filters have one.

``announced_at`` becomes NOT NULL (every public tender has been announced; a peer's release
without ``datePublished`` takes the release's date), so ``newest`` sorts by the column itself.
``closes_at`` is ``submission_ends_at`` with the far future for tenders that have no submission
window, stored, so ``closing`` sorts by a column too. Tenders open for bids have a partial index.
The text search vector also carries a token per filter value (``~p35``, ``~cgoods``, ...): a
search with words and filters then finds its rows in the text index alone, skipping through the
posting list of a common word by the rarest filter's, instead of building a bitmap of every row
the word matches (70 ms for ``jalan`` at a million rows) to AND it with a filter's.

Revision ID: h0006
Revises: h0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0006"
down_revision = "h0005"
branch_labels = None
depends_on = None

NEWEST = [sa.text("announced_at DESC"), sa.text("id DESC")]
WORDS = "to_tsvector('simple'::regconfig, search_text)"
FILTER_TOKENS = (
    "array_to_tsvector(ARRAY['~t' || tenant_slug, '~p' || province_code, '~c' || category, "
    "'~m' || method, '~s' || status, '~y' || fiscal_year::text]::text[])"
)


def _search_vector(expression: str) -> None:
    op.drop_index("ix_catalogue_search", "catalogue", schema="hub")
    op.drop_column("catalogue", "search", schema="hub")
    op.execute(
        "ALTER TABLE hub.catalogue ADD COLUMN search tsvector NOT NULL "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.create_index("ix_catalogue_search", "catalogue", ["search"], postgresql_using="gin", schema="hub")


def upgrade() -> None:
    op.execute("UPDATE hub.catalogue SET announced_at = updated_at WHERE announced_at IS NULL")
    op.alter_column("catalogue", "announced_at", nullable=False, schema="hub")
    _search_vector(f"{WORDS} || {FILTER_TOKENS}")
    op.execute(
        "ALTER TABLE hub.catalogue ADD COLUMN closes_at timestamptz NOT NULL GENERATED ALWAYS AS "
        "(coalesce(submission_ends_at, '9999-12-31 00:00:00+00'::timestamptz)) STORED"
    )
    op.drop_index("ix_catalogue_submission", "catalogue", schema="hub")
    op.create_index("ix_catalogue_closing", "catalogue", ["closes_at", "id"], schema="hub")
    op.create_index(
        "ix_catalogue_open",
        "catalogue",
        ["submission_ends_at", "id"],
        schema="hub",
        postgresql_where=sa.text("status = 'announced'"),
    )
    op.drop_index("ix_catalogue_tenant", "catalogue", schema="hub")
    for column in ("tenant_slug", "province_code", "status"):
        op.create_index(f"ix_catalogue_{column}", "catalogue", [column, *NEWEST], schema="hub")


def downgrade() -> None:
    for column in ("tenant_slug", "province_code", "status"):
        op.drop_index(f"ix_catalogue_{column}", "catalogue", schema="hub")
    op.create_index("ix_catalogue_tenant", "catalogue", ["tenant_slug", "tender_id"], schema="hub")
    op.drop_index("ix_catalogue_open", "catalogue", schema="hub")
    op.drop_index("ix_catalogue_closing", "catalogue", schema="hub")
    op.create_index("ix_catalogue_submission", "catalogue", ["submission_ends_at"], schema="hub")
    op.drop_column("catalogue", "closes_at", schema="hub")
    _search_vector(WORDS)
    op.alter_column("catalogue", "announced_at", nullable=True, schema="hub")
