"""Packages, tenders and their schedules, documents, clarifications, registrations, sealed bids.

Revision ID: t0004
Revises: t0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from hub.core.migrations.op import current_schema, op

revision = "t0004"
down_revision = "t0003"
branch_labels = None
depends_on = None

T = "tenant"


def _now() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "packages",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("agency_id", sa.BigInteger, sa.ForeignKey(f"{T}.agencies.id"), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("budget", sa.BigInteger, nullable=False),
        sa.Column("owner_estimate", sa.BigInteger, nullable=False),
        sa.Column("location", sa.Text, nullable=False, server_default=""),
        sa.Column("kbli", ARRAY(sa.String(5)), nullable=False, server_default="{}"),
        sa.Column("created_by", sa.BigInteger, nullable=False),
        _now(),
        sa.CheckConstraint("budget > 0 AND owner_estimate > 0 AND owner_estimate <= budget", name="money"),
        schema=T,
    )
    op.create_table(
        "tenders",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("package_id", sa.BigInteger, sa.ForeignKey(f"{T}.packages.id"), nullable=False, index=True),
        sa.Column("evaluation", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("public_key", sa.LargeBinary),
        sa.Column("key_fingerprint", sa.String(64)),
        sa.Column("wrapped_private_key", sa.LargeBinary),
        sa.Column("announced_at", sa.DateTime(timezone=True)),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.Column("cancel_reason", sa.Text),
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.Column("opened_by", sa.BigInteger),
        sa.Column("opening", JSONB),
        sa.Column("created_by", sa.BigInteger, nullable=False),
        _now(),
        sa.CheckConstraint("status IN ('draft', 'announced', 'cancelled')", name="status"),
        schema=T,
    )
    op.create_table(
        "tender_stages",
        sa.Column(
            "tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("stage", sa.String(32), primary_key=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="order"),
        schema=T,
    )
    op.create_table(
        "blobs",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        schema=T,
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("blob_id", sa.BigInteger, sa.ForeignKey(f"{T}.blobs.id"), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=T,
    )
    op.create_table(
        "registrations",
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), primary_key=True),
        sa.Column("vendor_id", sa.BigInteger, primary_key=True),
        sa.Column("registered_by", sa.BigInteger, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=T,
    )
    op.create_table(
        "clarifications",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), nullable=False, index=True),
        sa.Column("vendor_id", sa.BigInteger, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("answer", sa.Text),
        sa.Column("answered_by", sa.BigInteger),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        schema=T,
    )
    op.create_table(
        "bids",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tender_id", sa.BigInteger, sa.ForeignKey(f"{T}.tenders.id"), nullable=False),
        sa.Column("vendor_id", sa.BigInteger, nullable=False),
        sa.Column("bundle", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext_sha256", sa.String(64), nullable=False),
        sa.Column("receipt", sa.LargeBinary, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True)),
        schema=T,
    )
    # Sealed bundles are ciphertext: compressing them is wasted CPU on the busiest path (deadline rush).
    op.execute(f'ALTER TABLE "{current_schema()}".bids ALTER COLUMN bundle SET STORAGE EXTERNAL')
    op.create_index(
        "uq_bids_current", "bids", ["tender_id", "vendor_id"], unique=True,
        postgresql_where=sa.text("superseded_at IS NULL"), schema=T,
    )  # fmt: skip


def downgrade() -> None:
    for table in ("bids", "clarifications", "registrations", "documents", "blobs", "tender_stages", "tenders",
                  "packages"):  # fmt: skip
        op.drop_table(table, schema=T)
