"""Prometheus metrics of the hub: what each process counts, and what the database says at a scrape.

- ``request_metrics()``: the middleware counting requests (route template, method, status class,
  tenant) and timing them (route template, method).
- ``record_*(session, ...)``: tender events, counted when the session commits; ``count_*``:
  refusals, logins and verifications, counted at once.
- ``monitoring.metrics.scrape``: one scrape of ``/metrics`` (``read_snapshot``, then ``render``); apart,
  because it reads the probes, which read the audit chain, which counts into these metrics.
- ``prepare_multiprocess(directory)``: before several workers start (``lpse-hub serve``).

Names follow Prometheus' conventions: prefix ``lpsehub_``, base units, ``_total`` and ``_seconds``.
"""

from monitoring.metrics._events import (
    count_audit_verification,
    count_bid_refusal,
    count_login_refusal,
    count_vendor_login,
    on_commit,
    record_bid_accepted,
    record_bid_opening,
    record_tender_change,
)
from monitoring.metrics._middleware import note_tenant, request_metrics
from monitoring.metrics._multiprocess import prepare_multiprocess
from monitoring.metrics._pool import instrument_pool

__all__ = [
    "count_audit_verification",
    "count_bid_refusal",
    "count_login_refusal",
    "count_vendor_login",
    "instrument_pool",
    "note_tenant",
    "on_commit",
    "prepare_multiprocess",
    "record_bid_accepted",
    "record_bid_opening",
    "record_tender_change",
    "request_metrics",
]
