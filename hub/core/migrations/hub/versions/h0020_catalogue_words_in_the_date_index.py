"""The catalogue's date index carries each tender's search vector: relevance walks it alone (issue 20).

``sort=relevance`` ranks the newest 1,000 matches of the words. For words that go together
("jalan poros": 40,000 rows at a million, PostgreSQL estimates 7,500) the newest thousand are found
either by a bitmap of every match, reading every match's heap page (33,000 pages, 250 ms-1 s), or
by walking the date index and reading a heap row per tender walked to test the words. With the
search vector in the index (``INCLUDE``), the walk is an index-only scan: the words are tested on
the index's copy, the ranks computed from it, and the heap is read for the page's 20 rows only.

The index replaces ``ix_catalogue_announced`` (same keys): about 320 MB at a million rows, where the
old one took 30 MB; the vector is written once more per catalogue change.

Revision ID: h0020
Revises: h0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0020"
down_revision = "h0019"
branch_labels = None
depends_on = None

NEWEST = [sa.text("announced_at DESC"), sa.text("id DESC")]


def upgrade() -> None:
    op.create_index(
        "ix_catalogue_announced_words", "catalogue", NEWEST, schema="hub", postgresql_include=["search"]
    )
    op.drop_index("ix_catalogue_announced", "catalogue", schema="hub")


def downgrade() -> None:
    op.create_index("ix_catalogue_announced", "catalogue", NEWEST, schema="hub")
    op.drop_index("ix_catalogue_announced_words", "catalogue", schema="hub")
