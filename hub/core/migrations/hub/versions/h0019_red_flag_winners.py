"""Each published tender's winners beside its red-flag facts, for the buyer-level flag (issue 18).

A tender's public page shows the red flags that name it, among them H02: one supplier winning most of
its buyer's awarded tenders. That needs the winners of every tender of the buyer, and reading them
out of each tender's ``facts`` (``json``, kept as written) parses the whole text: 20 ms for a buyer
of 1,361 tenders, in SQL or in Python, on every view of any of them (docs/BENCHMARKS.md, issue 18).

``winners`` is the active awards' suppliers (``[{"id", "name"}]``), a column PostgreSQL generates
from ``facts`` whenever the trigger of h0018 writes them, so nothing can write one without the other.
Read with ``buyer_id`` (indexed), a buyer's wins are then a few hundred bytes per tender.

Revision ID: h0019
Revises: h0018
Create Date: 2026-12-03
"""

from __future__ import annotations

from hub.core.migrations.op import op

revision = "h0019"
down_revision = "h0018"
branch_labels = None
depends_on = None

WINNERS = """jsonb_path_query_array(facts::jsonb, '$.awards[*] ? (@.status == "active").suppliers[*]')"""


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE hub.red_flag_facts ADD COLUMN winners jsonb GENERATED ALWAYS AS ({WINNERS}) STORED"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE hub.red_flag_facts DROP COLUMN winners")
