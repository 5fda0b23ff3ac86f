"""The series each hub process counts itself: requests, tender events, bids, logins, the pool.

What the database knows (tenders by stage, probes, the feed) is read at each scrape instead (see
``_database.py``), so it is the same whichever worker answers and right after a restart.

These objects are prometheus-client's module-level metrics, the one piece of process-wide state
the hub keeps: that is how the client library aggregates them, and in multi-process mode each
process writes its own files, which the scrape adds up (every gauge names its ``multiprocess_mode``).
No label takes a value per tender, vendor or user; ``tenant`` is a slug from the registry, never
from request input, and only on counters and gauges, never on histograms (their buckets would be
multiplied by every tenant).
"""

from __future__ import annotations

import platform
from importlib import metadata

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

disable_created_metrics()  # type: ignore[no-untyped-call]  # `_created` would double every counter's samples
DAY = 86_400.0
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CYCLE_BUCKETS = tuple(d * DAY for d in (7, 14, 21, 30, 45, 60, 90, 120, 180, 270, 365))

http_requests = Counter(
    "lpsehub_http_requests",
    "HTTP requests answered, by route template, method, status class and tenant.",
    ["route", "method", "status_class", "tenant"],
)
http_request_duration = Histogram(
    "lpsehub_http_request_duration_seconds",
    "Time from a request reaching the hub to its last response byte, by route template and method.",
    ["route", "method"],
    buckets=REQUEST_BUCKETS,
)
tenders_announced = Counter("lpsehub_tenders_announced", "Tenders announced (made public).", ["tenant"])
tenders_completed = Counter("lpsehub_tenders_completed", "Tenders whose contract was signed.", ["tenant"])
tenders_failed = Counter("lpsehub_tenders_failed", "Tenders declared failed (gagal tender).", ["tenant"])
tenders_cancelled = Counter("lpsehub_tenders_cancelled", "Public tenders cancelled.", ["tenant"])
tender_cycle = Histogram(
    "lpsehub_tender_cycle_seconds",
    "Time from a tender's announcement to its contract.",
    buckets=CYCLE_BUCKETS,
)
bids_accepted = Counter("lpsehub_bids_accepted", "Sealed bids accepted, with a receipt.", ["tenant"])
bids_refused = Counter(
    "lpsehub_bids_refused",
    "Bids refused, by reason: closed (submission not open), not_allowed, invalid, not_found, "
    "rate_limited, other.",
    ["tenant", "reason"],
)
bid_openings = Counter("lpsehub_bid_openings", "Tenders whose bids were opened.", ["tenant"])
vendor_logins = Counter(
    "lpsehub_vendor_logins",
    "Logins of vendor users, by the tenant of the vendor's home regency ('' if it has none here).",
    ["tenant"],
)
login_refusals = Counter(
    "lpsehub_login_refusals",
    "Password logins refused, by reason: wrong_credentials (unknown email, wrong password or a "
    "disabled account) or throttled (asked to wait after earlier failures).",
    ["reason"],
)
audit_verifications = Counter(
    "lpsehub_audit_verifications",
    "Audit chain verifications, by result: intact or broken.",
    ["tenant", "result"],
)
pool_in_use = Gauge(
    "lpsehub_db_pool_connections_in_use",
    "Database connections checked out of the pool, over every process.",
    multiprocess_mode="livesum",
)
pool_waiting = Gauge(
    "lpsehub_db_pool_waiting",
    "Requests waiting for (or in the act of taking) a pooled connection, over every process.",
    multiprocess_mode="livesum",
)
pool_size = Gauge(
    "lpsehub_db_pool_size",
    "Connections the pools may hold (size plus overflow), over every process.",
    multiprocess_mode="livesum",
)
build_info = Gauge(
    "lpsehub_build_info",
    "Always 1; the labels say which build runs.",
    ["version", "python"],
    multiprocess_mode="max",
)
build_info.labels(metadata.version("lpse-hub"), platform.python_version()).set(1)
