"""The catalogue's text index takes each change at once, with no pending list (issue 20).

A GIN index with ``fastupdate`` (PostgreSQL's default) queues new entries in a pending list, and
every search reads the whole list, whatever its words: up to ``gin_pending_list_limit`` (4 MB) until
a vacuum, an autovacuum's analyze or a full list merges it into the index. Measured on a catalogue of
30,000 rows seeded in one statement and analysed (not vacuumed): 489 pending pages, and the text
index's part of a search for a word in 9 tenders took 2-6 ms, every search the same. Without the list
each change writes its words into the index itself (a few dozen entries per tender changed, on a
table written once per tender change and read by every search), and a search's cost no longer
depends on when the table was last vacuumed.

The upgrade merges what is pending now.

Revision ID: h0022
Revises: h0021
Create Date: 2026-12-04
"""

from __future__ import annotations

from hub.core.migrations.op import op

revision = "h0022"
down_revision = "h0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER INDEX hub.ix_catalogue_search SET (fastupdate = off)")
    op.execute("SELECT gin_clean_pending_list('hub.ix_catalogue_search'::regclass)")


def downgrade() -> None:
    op.execute("ALTER INDEX hub.ix_catalogue_search RESET (fastupdate)")
