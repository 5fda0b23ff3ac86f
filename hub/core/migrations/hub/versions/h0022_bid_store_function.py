"""A bid stored and its audit entry chained in one round trip (issue 20, the deadline rush).

``hub.bid_store`` does, in one statement, what the bid path sent as three: it marks the vendor's
current bid on the tender superseded, inserts the new one (its id allocated earlier in the same
transaction, since the audit entry names it and its hash is computed by the hub before the call),
and appends the ``bid.received`` entry through ``hub.audit_append`` (migration h0016), returning the
entry for the hub to check against ``tenants.audit.canonical.entry_hash`` as every append is checked.

The caller holds what the separate statements relied on: the tender's close (shared) and the
vendor's registration (``FOR UPDATE``, one vendor's bids stored one at a time), taken by
``tenants.tenders.bidding.bidder``. The superseding ``UPDATE`` runs before the ``INSERT`` as two
statements, not one data-modifying CTE: in one statement the unique index of current bids would
still see the old row current. ``SECURITY INVOKER`` and ``VOLATILE`` (the defaults), as
``hub.audit_append``: it runs with the hub's own privileges, and each statement sees what the
transaction did before it. A hub function taking the schema (``%I``), not one per tenant, so
provisioning a tenant creates nothing more.

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
    op.execute(
        r"""
CREATE FUNCTION hub.bid_store(
    tenant_schema text,
    bid_id bigint,
    bid_tender_id bigint,
    bid_vendor_id bigint,
    bid_bundle bytea,
    bid_sha256 text,
    bid_receipt bytea,
    entry_at timestamptz,
    entry_actor_id bigint,
    entry_action text,
    entry_subject text,
    entry_payload jsonb,
    content_before_seq text,
    content_after_seq text
) RETURNS TABLE (
    seq bigint, at timestamptz, actor_id bigint, action varchar, subject varchar, payload jsonb,
    prev_hash char(64), hash char(64)
)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    EXECUTE format(
        'UPDATE %I.bids SET superseded_at = $3 '
        'WHERE tender_id = $1 AND vendor_id = $2 AND superseded_at IS NULL',
        tenant_schema
    ) USING bid_tender_id, bid_vendor_id, entry_at;
    EXECUTE format(
        'INSERT INTO %I.bids (id, tender_id, vendor_id, bundle, ciphertext_sha256, receipt, received_at) '
        'VALUES ($1, $2, $3, $4, $5, $6, $7)',
        tenant_schema
    ) USING bid_id, bid_tender_id, bid_vendor_id, bid_bundle, bid_sha256, bid_receipt, entry_at;
    RETURN QUERY SELECT * FROM hub.audit_append(
        tenant_schema, entry_at, entry_actor_id, entry_action, entry_subject, entry_payload,
        content_before_seq, content_after_seq
    );
END
$$
"""
    )


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION hub.bid_store(text, bigint, bigint, bigint, bytea, text, bytea, timestamptz, bigint, "
        "text, text, jsonb, text, text)"
    )
