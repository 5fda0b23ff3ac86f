"""From opening to contract: evaluation rounds, assessments, awards, objections, negotiations, contracts.

Revision ID: t0005
Revises: t0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from hub.core.migrations.op import current_schema, op

revision = "t0005"
down_revision = "t0004"
branch_labels = None
depends_on = None

T = "tenant"
STATUSES = (
    "draft", "announced", "opened", "awarded", "award_announced", "award_letter", "contracted", "failed",
    "cancelled",
)  # fmt: skip


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    schema = current_schema()
    op.execute(
        f'ALTER TABLE "{schema}".tenders DROP CONSTRAINT IF EXISTS ck_tenders_status, '
        "DROP CONSTRAINT IF EXISTS status"
    )
    op.create_check_constraint(
        "ck_tenders_status", "tenders", f"status IN ({', '.join(repr(s) for s in STATUSES)})", schema=T
    )
    op.add_column("tenders", sa.Column("criteria", JSONB), schema=T)
    op.add_column(
        "tenders", sa.Column("objection_days", sa.Integer, nullable=False, server_default="5"), schema=T
    )
    op.add_column("tenders", sa.Column("round", sa.Integer, nullable=False, server_default="1"), schema=T)
    op.add_column("tenders", sa.Column("results", JSONB), schema=T)
    op.add_column("tenders", _when("failed_at", nullable=True), schema=T)
    op.add_column("tenders", sa.Column("fail_reason", sa.Text), schema=T)
    op.add_column(
        "tenders", sa.Column("retender_of", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id")), schema=T
    )
    op.add_column("tenders", sa.Column("invited_vendor_id", sa.BigInteger), schema=T)
    op.create_index("uq_tenders_retender_of", "tenders", ["retender_of"], unique=True, schema=T)
    op.create_table(
        "procurement_rules",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("objection_min_days", sa.Integer, nullable=False),
        sa.Column("objection_max_days", sa.Integer, nullable=False),
        sa.Column("objection_default_days", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.BigInteger),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("id = 1", name="one_row"),
        sa.CheckConstraint(
            "1 <= objection_min_days AND objection_min_days <= objection_default_days "
            "AND objection_default_days <= objection_max_days AND objection_max_days <= 60",
            name="objection_days",
        ),
        schema=T,
    )
    op.execute(
        f'INSERT INTO "{schema}".procurement_rules '
        "(id, objection_min_days, objection_max_days, objection_default_days) VALUES (1, 3, 10, 5)"
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("vendor_id", sa.BigInteger, nullable=False),
        sa.Column("aspect", sa.String(32), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("scores", JSONB),
        sa.Column("recorded_by", sa.BigInteger, nullable=False),
        _when("recorded_at"),
        schema=T,
    )
    op.create_index("ix_assessments_tender", "assessments", ["tender_id", "id"], schema=T)
    op.create_table(
        "awards",
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("vendor_id", sa.BigInteger, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("reserves", JSONB, nullable=False, server_default="[]"),
        sa.Column("decided_by", sa.BigInteger, nullable=False),
        _when("decided_at"),
        _when("announced_at", nullable=True),
        _when("objection_ends_at", nullable=True),
        _when("withdrawn_at", nullable=True),
        sa.Column("letter_number", sa.String(100)),
        _when("letter_issued_at", nullable=True),
        sa.Column("letter_issued_by", sa.BigInteger),
        sa.CheckConstraint("price > 0", name="price"),
        schema=T,
    )
    op.create_table(
        "objections",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("vendor_id", sa.BigInteger, nullable=False),
        sa.Column("grounds", sa.Text, nullable=False),
        sa.Column("lodged_by", sa.BigInteger, nullable=False),
        _when("lodged_at"),
        sa.Column("answer", sa.Text),
        sa.Column("upheld", sa.Boolean),
        sa.Column("answered_by", sa.BigInteger),
        _when("answered_at", nullable=True),
        sa.UniqueConstraint("tender_id", "round", "vendor_id", name="uq_objections_one_per_bidder"),
        schema=T,
    )
    op.create_table(
        "objection_files",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "objection_id", sa.BigInteger, sa.ForeignKey(f"{T}.objections.id"), nullable=False, index=True
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blob_id", sa.BigInteger, sa.ForeignKey(f"{T}.blobs.id"), nullable=False),
        schema=T,
    )
    op.create_table(
        "negotiations",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), nullable=False, index=True),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.BigInteger, nullable=False),
        _when("recorded_at"),
        sa.CheckConstraint("price > 0", name="price"),
        schema=T,
    )
    op.create_table(
        "contracts",
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), primary_key=True),
        sa.Column("number", sa.String(100), nullable=False, unique=True),
        sa.Column("vendor_id", sa.BigInteger, nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.BigInteger, nullable=False),
        _when("recorded_at"),
        sa.CheckConstraint("value > 0", name="value"),
        sa.CheckConstraint("starts_on <= ends_on", name="term"),
        schema=T,
    )


def downgrade() -> None:
    for table in ("contracts", "negotiations", "objection_files", "objections", "awards", "assessments",
                  "procurement_rules"):  # fmt: skip
        op.drop_table(table, schema=T)
    op.drop_index("uq_tenders_retender_of", "tenders", schema=T)
    for column in ("invited_vendor_id", "retender_of", "fail_reason", "failed_at", "results", "round",
                   "objection_days", "criteria"):  # fmt: skip
        op.drop_column("tenders", column, schema=T)
