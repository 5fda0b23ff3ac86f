"""Deadlines that survive outages (issue 21): outages as facts, and the bid-submission deadlines
they extend by themselves, audited and published as amendments.

- ``facts``: outages from the probe history, gaps between probe rounds and outages recorded by hand.
- ``extension``: the rule (``OutageRule``) and the checks run after probe rounds, after a recorded
  outage and inside every opening.
- ``recording``: ``lpse-hub outage record`` and ``outage list``.
"""

from tenants.tenders.outages.extension import (
    LOOKBACK,
    Extension,
    OutageRule,
    extend_before_opening,
    extend_deadlines,
    extended_end,
)
from tenants.tenders.outages.facts import Outage, merge
from tenants.tenders.outages.models import RecordedOutage
from tenants.tenders.outages.recording import record_outage, tenant_outages

__all__ = [
    "LOOKBACK",
    "Extension",
    "Outage",
    "OutageRule",
    "RecordedOutage",
    "extend_before_opening",
    "extend_deadlines",
    "extended_end",
    "merge",
    "record_outage",
    "tenant_outages",
]
