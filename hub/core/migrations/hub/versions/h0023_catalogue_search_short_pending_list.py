"""The catalogue's text index keeps a short pending list: 64 kB, not 4 MB (issue 20).

A GIN index with ``fastupdate`` (PostgreSQL's default) queues new entries in a pending list, and
every search reads the whole list, whatever its words: up to ``gin_pending_list_limit`` (4 MB by
default) until a vacuum, an autovacuum's analyze or a full list merges it into the index. Measured on
a catalogue of 30,000 rows seeded in one statement and analysed (not vacuumed): 489 pending pages,
and the text index's part of a search for a word in 9 tenders took 2-6 ms, every search the same.

At 64 kB (8 pages, the least PostgreSQL allows) a search reads at most that, and writes are still
batched: inserting 30,000 catalogue rows into a table with only this index took 0.66-0.72 s, against
0.41-0.45 s with the default list and 2.9-3.9 s with no list (``fastupdate = off``), measured in the
same minute. The upgrade merges what is pending now.

Revision ID: h0023
Revises: h0022
Create Date: 2026-12-04
"""

from __future__ import annotations

from hub.core.migrations.op import op

revision = "h0023"
down_revision = "h0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER INDEX hub.ix_catalogue_search SET (gin_pending_list_limit = 64)")
    op.execute("SELECT gin_clean_pending_list('hub.ix_catalogue_search'::regclass)")


def downgrade() -> None:
    op.execute("ALTER INDEX hub.ix_catalogue_search RESET (gin_pending_list_limit)")
