"""A machine client registered for one tenant (issue 21): an e-planning, e-budgeting or e-monev system.

``oauth_clients.tenant_id``: the one tenant a confidential client's own tokens (client credentials)
act in; ``None`` for every other client. A regency's e-monev records payments in that regency only;
the client goes with its tenant if the tenant is ever deleted.

Revision ID: h0024
Revises: h0023
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "h0024"
down_revision = "h0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "oauth_clients",
        sa.Column("tenant_id", sa.BigInteger, sa.ForeignKey("hub.tenants.id", ondelete="CASCADE")),
        schema="hub",
    )


def downgrade() -> None:
    op.drop_column("oauth_clients", "tenant_id", schema="hub")
