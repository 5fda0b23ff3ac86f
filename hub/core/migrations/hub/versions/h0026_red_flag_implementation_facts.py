"""What the red flags read of a contract's implementation, kept with the other facts (issue 21).

Two indicators read what a release says of a contract after it was signed
(``federation/catalogue/red_flags.py``): H06 adds up its payments
(``contracts[].implementation.transactions``) against its value, H07 compares its end
(``contracts[].period.endDate``, and its ``status``) with its last physical progress report (a
milestone of code ``physicalProgress``, the percentage in its title: OCDS 1.1 has no field for it).
``hub.red_flag_facts_of`` (h0018) kept none of these; it now keeps each contract's status and end, its
transactions' ids and amounts, and its progress milestones' code, title and date met, in the release's
own shape. The contract's other milestones, its documents and the transactions' payer and payee stay
out: no indicator reads them.

Only the tenders whose last release has contracts change: their facts are recomputed from that
release (``hub.changes`` by ``position``, its primary key), the others' facts are the same either way.
Every later release goes through the trigger of h0018, which calls the function replaced here.

Revision ID: h0026
Revises: h0025
Create Date: 2026-12-05
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hub.core.migrations.op import op

revision = "h0026"
down_revision = "h0025"
branch_labels = None
depends_on = None

CONTRACTS = """
    'contracts', (SELECT jsonb_agg(jsonb_build_object(
                      'id', c -> 'id', 'awardID', c -> 'awardID', 'status', c -> 'status',
                      'value', jsonb_build_object('amount', c #> '{value,amount}'),
                      'period', jsonb_build_object('endDate', c #> '{period,endDate}'),
                      'implementation', jsonb_build_object(
                          'transactions', (
                              SELECT jsonb_agg(jsonb_build_object(
                                  'id', x -> 'id',
                                  'value', jsonb_build_object('amount', x #> '{value,amount}')))
                              FROM jsonb_array_elements(c #> '{implementation,transactions}') AS x),
                          'milestones', (
                              SELECT jsonb_agg(jsonb_build_object(
                                  'code', m -> 'code', 'title', m -> 'title', 'dateMet', m -> 'dateMet'))
                              FROM jsonb_array_elements(c #> '{implementation,milestones}') AS m
                              WHERE m ->> 'code' = 'physicalProgress'))))
                  FROM jsonb_array_elements(release -> 'contracts') AS c),"""
"""Each contract as the indicators read it: H03's id, award and value; H06's transactions; H07's status,
end and progress reports (``federation.catalogue.red_flags.PHYSICAL_PROGRESS``)."""

BEFORE = """
    'contracts', (SELECT jsonb_agg(jsonb_build_object(
                      'id', c -> 'id', 'awardID', c -> 'awardID',
                      'value', jsonb_build_object('amount', c #> '{value,amount}')))
                  FROM jsonb_array_elements(release -> 'contracts') AS c),"""
"""The contracts' part of h0018's function, which this migration replaces (and its downgrade puts
back)."""

RECOMPUTE = """
UPDATE hub.red_flag_facts AS kept SET facts = hub.red_flag_facts_of(c.release)::json
FROM hub.changes AS c
WHERE c.position = kept.position AND c.release ? 'contracts'
"""
"""The facts of every tender whose last release (the one the facts were made of) has contracts."""


def _h0018_function() -> str:
    """h0018's ``CREATE FUNCTION hub.red_flag_facts_of``, as it created it (migrations are no package)."""
    path = Path(__file__).with_name("h0018_red_flag_facts.py")
    spec = importlib.util.spec_from_file_location("h0018_red_flag_facts", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.FACTS_OF
    if BEFORE not in text:
        raise RuntimeError("h0018's contracts part is not as BEFORE says: update BEFORE")
    return text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def upgrade() -> None:
    op.execute(_h0018_function().replace(BEFORE, CONTRACTS, 1))
    op.execute(RECOMPUTE)


def downgrade() -> None:
    op.execute(_h0018_function())
    op.execute(RECOMPUTE)
