"""A tenant's audit entry chained and inserted in one round trip (issue 15, the deadline rush).

``hub.audit_append`` takes the tenant's chain lock, reads the head and inserts the entry chained to
it, inside the database: the lock is then held, from the hub's side, for the one statement that
takes it and the commit, instead of across three round trips and the waits on the event loop
between them, which a deadline rush makes long (docs/BENCHMARKS.md, issue 15).

The hash is ``tenants.audit.canonical.entry_hash``, computed here from the entry's canonical JSON
as the hub hands it over, cut around its ``seq`` (which only the head decides):
``sha256(prev_hash || content_before_seq || seq || content_after_seq)``. The hub recomputes it in
Python from what comes back and refuses the entry on any difference, so this cannot drift from the
one definition unseen.

``VOLATILE`` (the default): under READ COMMITTED each query in it takes a fresh snapshot, so the
head is read after the lock is held and sees every append committed before. ``SECURITY INVOKER``
(the default): it inserts with the caller's privileges, which allow appending and nothing more.

Revision ID: h0016
Revises: h0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from hub.core.migrations.op import op

revision = "h0016"
down_revision = "h0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        r"""
CREATE FUNCTION hub.audit_append(
    tenant_schema text,
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
DECLARE
    head_seq bigint;
    head_hash text;
    entry_seq bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit:' || tenant_schema));
    EXECUTE format('SELECT seq, hash FROM %I.audit_log ORDER BY seq DESC LIMIT 1', tenant_schema)
        INTO head_seq, head_hash;
    entry_seq := coalesce(head_seq, 0) + 1;
    head_hash := coalesce(head_hash, repeat('0', 64));
    RETURN QUERY EXECUTE format(
        'INSERT INTO %I.audit_log (seq, at, actor_id, action, subject, payload, prev_hash, hash) '
        'VALUES ($1, $2, $3, $4, $5, $6, $7, $8) '
        'RETURNING seq, at, actor_id, action, subject, payload, prev_hash, hash',
        tenant_schema
    ) USING
        entry_seq, entry_at, entry_actor_id, entry_action, entry_subject, entry_payload, head_hash,
        encode(sha256(convert_to(
            head_hash || content_before_seq || entry_seq::text || content_after_seq, 'UTF8'
        )), 'hex');
END
$$
"""
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION hub.audit_append(text, timestamptz, bigint, text, text, jsonb, text, text)")
