"""What the red flags read of each published tender, kept by the feed itself (issue 17).

The red flags (``federation/catalogue/red_flags.py``) read a handful of each tender's compiled OCDS
release: its tender period, method, number of tenderers, estimate, amendments, awards, contracts, bids
and what it re-tenders. Reading them off ``hub.changes`` meant finding each tender's last release among
all of them and decoding whole releases (parties, documents, items): at a million tenders, minutes.

``hub.red_flag_facts`` holds, per local tender, those fields of its last release and nothing else
(about a quarter of a release with its parties, items and documents). A
trigger on ``hub.changes`` writes them in the transaction that appends the release, so no publication
path can forget them (publish, republish, a rebuild's correction, the demo's seeding, a test that
writes the feed directly), and a release deleted by the owner takes its facts back to the one before.
The facts are kept as ``json``, the text as written: reading a million of them is then a copy of their
bytes, where ``jsonb`` is rendered back to text row by row. Nothing queries inside them.

The trigger runs as the table's owner (``SECURITY DEFINER``); the serving role may only read the
table (``hub/core/migrations/privileges.py``, ``DERIVED``), so it cannot forge or hide a tender's facts
without appending a release, which every follower of the feed sees. The facts are derived: anyone
holding the feed can recompute them, and ``lpse-hub red-flags`` with any filter reads the same.

Revision ID: h0018
Revises: h0017
Create Date: 2026-12-03
"""

from __future__ import annotations

from hub.core.migrations.op import op

revision = "h0018"
down_revision = "h0017"
branch_labels = None
depends_on = None

FACTS_OF = """
CREATE FUNCTION hub.red_flag_facts_of(release jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN jsonb_strip_nulls(jsonb_build_object(
    'buyer', jsonb_build_object('id', release #> '{buyer,id}', 'name', release #> '{buyer,name}'),
    'tender', jsonb_build_object(
        'id', release #> '{tender,id}',
        'status', release #> '{tender,status}',
        'procurementMethod', release #> '{tender,procurementMethod}',
        'value', jsonb_build_object('amount', release #> '{tender,value,amount}'),
        'tenderPeriod', release #> '{tender,tenderPeriod}',
        'numberOfTenderers', release #> '{tender,numberOfTenderers}',
        'tenderers', (SELECT jsonb_agg(jsonb_build_object('id', t -> 'id'))
                      FROM jsonb_array_elements(release #> '{tender,tenderers}') AS t),
        'amendments', (SELECT jsonb_agg(jsonb_build_object('date', a -> 'date', 'rationale', a -> 'rationale',
                                                           'description', a -> 'description'))
                       FROM jsonb_array_elements(release #> '{tender,amendments}') AS a)),
    'awards', (SELECT jsonb_agg(jsonb_build_object(
                   'id', a -> 'id', 'status', a -> 'status',
                   'value', jsonb_build_object('amount', a #> '{value,amount}'),
                   'suppliers', a -> 'suppliers'))
               FROM jsonb_array_elements(release -> 'awards') AS a),
    'contracts', (SELECT jsonb_agg(jsonb_build_object(
                      'id', c -> 'id', 'awardID', c -> 'awardID',
                      'value', jsonb_build_object('amount', c #> '{value,amount}')))
                  FROM jsonb_array_elements(release -> 'contracts') AS c),
    'bids', jsonb_build_object('details', (
        SELECT jsonb_agg(jsonb_build_object(
            'id', b -> 'id', 'status', b -> 'status',
            'value', jsonb_build_object('amount', b #> '{value,amount}'),
            'tenderers', b -> 'tenderers'))
        FROM jsonb_array_elements(release #> '{bids,details}') AS b)),
    'relatedProcesses', release -> 'relatedProcesses'
))
"""
"""Of a release, exactly the fields the indicators read (``federation/catalogue/red_flags.py``), in the
release's own shape, so the same functions read either: the buyer; the tender's id, status, method, value,
period, number of tenderers, tenderers' ids and amendments; each award's id, status, value and
suppliers; each contract's id, award and value; each bid's id, status, value and tenderers; the related
processes. Names are kept only where a flag shows them (the buyer, suppliers, bidders);
``tests/integration/federation/catalogue/test_red_flag_facts.py`` holds that the flags of the facts are the
flags of the whole release. Nulls are stripped: an absent field and a null one read alike."""

REPEATS = """
CREATE FUNCTION hub.red_flag_repeats(release jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT p ->> 'identifier' FROM jsonb_array_elements(release -> 'relatedProcesses') AS p
        WHERE p ->> 'scheme' = 'ocid' AND p -> 'relationship' ? 'unsuccessfulProcess' LIMIT 1)
"""
"""The local id of the unsuccessful process a release re-tenders (OCDS ``relatedProcesses``)."""

KEEP = """
CREATE FUNCTION hub.keep_red_flag_facts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    last hub.changes;
BEGIN
    IF TG_OP = 'INSERT' THEN
        last := NEW;
    ELSE
        DELETE FROM hub.red_flag_facts WHERE ocid = OLD.ocid AND position = OLD.position;
        IF NOT FOUND THEN
            RETURN NULL;  -- an earlier release went: the facts were of a later one
        END IF;
        SELECT * INTO last FROM hub.changes WHERE origin = '' AND ocid = OLD.ocid
        ORDER BY position DESC LIMIT 1;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO hub.red_flag_facts AS kept (ocid, position, buyer_id, buyer_name, repeats, facts)
    VALUES (last.ocid, last.position, last.release #>> '{buyer,id}', last.release #>> '{buyer,name}',
            hub.red_flag_repeats(last.release), hub.red_flag_facts_of(last.release)::json)
    ON CONFLICT (ocid) DO UPDATE
        SET position = excluded.position, buyer_id = excluded.buyer_id, buyer_name = excluded.buyer_name,
            repeats = excluded.repeats, facts = excluded.facts
        WHERE kept.position < excluded.position;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE hub.red_flag_facts (
            ocid varchar(200) PRIMARY KEY,
            position bigint NOT NULL,
            buyer_id text,
            buyer_name text,
            repeats varchar(200),
            facts json NOT NULL
        )
        """
    )
    op.execute("COMMENT ON TABLE hub.red_flag_facts IS 'Kept by triggers on hub.changes: never write it.'")
    op.execute("CREATE INDEX ix_red_flag_facts_buyer ON hub.red_flag_facts (buyer_id)")
    op.execute("CREATE INDEX ix_red_flag_facts_buyer_name ON hub.red_flag_facts (buyer_name)")
    op.execute(
        "CREATE INDEX ix_red_flag_facts_repeats ON hub.red_flag_facts (repeats) WHERE repeats IS NOT NULL"
    )
    op.execute(FACTS_OF)
    op.execute(REPEATS)
    op.execute(KEEP)
    op.execute(
        "CREATE TRIGGER keep_red_flag_facts AFTER INSERT ON hub.changes FOR EACH ROW "
        "WHEN (NEW.origin = '') EXECUTE FUNCTION hub.keep_red_flag_facts()"
    )
    op.execute(
        "CREATE TRIGGER keep_red_flag_facts_on_delete AFTER DELETE ON hub.changes FOR EACH ROW "
        "WHEN (OLD.origin = '') EXECUTE FUNCTION hub.keep_red_flag_facts()"
    )
    op.execute(
        """
        INSERT INTO hub.red_flag_facts (ocid, position, buyer_id, buyer_name, repeats, facts)
        SELECT DISTINCT ON (ocid) ocid, position, release #>> '{buyer,id}', release #>> '{buyer,name}',
               hub.red_flag_repeats(release), hub.red_flag_facts_of(release)::json
        FROM hub.changes WHERE origin = '' ORDER BY ocid, position DESC
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER keep_red_flag_facts_on_delete ON hub.changes")
    op.execute("DROP TRIGGER keep_red_flag_facts ON hub.changes")
    op.execute("DROP FUNCTION hub.keep_red_flag_facts()")
    op.execute("DROP FUNCTION hub.red_flag_repeats(jsonb)")
    op.execute("DROP FUNCTION hub.red_flag_facts_of(jsonb)")
    op.execute("DROP TABLE hub.red_flag_facts")
