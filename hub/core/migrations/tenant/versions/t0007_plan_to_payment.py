"""From plan to payment (issue 21): the procurement plan (RUP) and the contract's implementation (e-monev).

- ``plan_items``: one item of the tenant's general procurement plan (RUP, *Rencana Umum Pengadaan*)
  as SiRUP publishes it: its RUP code, agency, fiscal year, name, budget ceiling (pagu), source of
  funds, budget line (the DPA account code), procurement type and method, planned selection time and
  location; who recorded it (a person, or an e-planning or e-budgeting client acting as itself).
- ``packages.plan_item_id``: the plan item a package is procured under; the packages of one item
  together may not exceed its ceiling (the service's rule, under the item's row lock).
- ``procurement_rules.plans_required``: the tenant's rule that every new package names its plan item.
- ``contract_progress``: physical progress reports (percent, date, note); a report below the one
  before it carries its reason.
- ``contract_payments``: payments by term (*termin*), date and amount; together never above the
  contract's current value.
- ``contract_milestones``: what is due when, and when it was met.
- ``contract_amendments``: changes to the value or the period (*adendum*), numbered per contract,
  with the values before and after and the reason.

Revision ID: t0007
Revises: t0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.core.migrations.op import op

revision = "t0007"
down_revision = "t0006"
branch_labels = None
depends_on = None

T = "tenant"
FUNDING_SOURCES = ("APBD", "APBDP", "APBN", "APBNP", "BLU", "BLUD", "PHLN", "BUMN", "BUMD", "LAINNYA")


def _recorded() -> list[sa.schema.SchemaItem]:
    """Who recorded a row: a person's account, or a machine client of the tenant acting as itself."""
    return [
        sa.Column("recorded_by", sa.BigInteger),
        sa.Column("recorded_by_client", sa.String(64)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("(recorded_by IS NULL) <> (recorded_by_client IS NULL)", name="recorder"),
    ]


def _of_contract() -> sa.Column[object]:
    return sa.Column(
        "tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.contracts.tender_id"), nullable=False, index=True
    )


def upgrade() -> None:
    op.create_table(
        "plan_items",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("rup_code", sa.String(32), nullable=False, unique=True),
        sa.Column("agency_id", sa.BigInteger, sa.ForeignKey(f"{T}.agencies.id"), nullable=False),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("ceiling", sa.BigInteger, nullable=False),
        sa.Column("funding_source", sa.String(16), nullable=False),
        sa.Column("budget_line", sa.String(100), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("selection_from", sa.Date, nullable=False),
        sa.Column("selection_to", sa.Date, nullable=False),
        sa.Column("location", sa.Text, nullable=False, server_default=""),
        *_recorded(),
        sa.CheckConstraint("ceiling > 0", name="ceiling"),
        sa.CheckConstraint("selection_from <= selection_to", name="selection"),
        sa.CheckConstraint(
            f"funding_source IN ({', '.join(repr(s) for s in FUNDING_SOURCES)})", name="funding_source"
        ),
        schema=T,
    )
    op.create_index("ix_plan_items_agency_year", "plan_items", ["agency_id", "fiscal_year"], schema=T)
    op.add_column(
        "packages",
        sa.Column("plan_item_id", sa.BigInteger, sa.ForeignKey(f"{T}.plan_items.id"), index=True),
        schema=T,
    )
    op.add_column(
        "procurement_rules",
        sa.Column("plans_required", sa.Boolean, nullable=False, server_default=sa.false()),
        schema=T,
    )
    op.create_table(
        "contract_progress",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        _of_contract(),
        sa.Column("reported_on", sa.Date, nullable=False),
        sa.Column("percent", sa.Numeric(5, 2), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("reason", sa.Text),
        *_recorded(),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent"),
        schema=T,
    )
    op.create_table(
        "contract_payments",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        _of_contract(),
        sa.Column("term", sa.SmallInteger, nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        *_recorded(),
        sa.CheckConstraint("amount > 0", name="amount"),
        sa.CheckConstraint("term > 0", name="term"),
        sa.UniqueConstraint("tender_id", "term"),
        schema=T,
    )
    op.create_table(
        "contract_milestones",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        _of_contract(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("met_on", sa.Date),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        *_recorded(),
        schema=T,
    )
    op.create_table(
        "contract_amendments",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        _of_contract(),
        sa.Column("number", sa.SmallInteger, nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("value_before", sa.BigInteger, nullable=False),
        sa.Column("value_after", sa.BigInteger, nullable=False),
        sa.Column("ends_before", sa.Date, nullable=False),
        sa.Column("ends_after", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        *_recorded(),
        sa.CheckConstraint("value_after > 0", name="value"),
        sa.CheckConstraint("number > 0", name="number"),
        sa.UniqueConstraint("tender_id", "number"),
        schema=T,
    )


def downgrade() -> None:
    for table in ("contract_amendments", "contract_milestones", "contract_payments", "contract_progress"):
        op.drop_table(table, schema=T)
    op.drop_column("procurement_rules", "plans_required", schema=T)
    op.drop_column("packages", "plan_item_id", schema=T)
    op.drop_table("plan_items", schema=T)
