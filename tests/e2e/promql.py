"""The series the hub promises at ``GET /metrics``, and the expressions that the dashboard and the
alert rules in ``monitoring/`` build on them, read as an operator's tools would read them.

``SERIES`` is the contract of issue 7 (names and kinds); a dashboard or a rule may use nothing
else. ``metric_names`` pulls the series names out of a PromQL expression (enough of PromQL for
ours: selectors, functions, aggregations with ``by``/``without``, vector matching, ``offset``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "monitoring" / "grafana" / "lpse-hub.json"
RULES = ROOT / "monitoring" / "prometheus" / "rules.yml"
RULE_TESTS = ROOT / "monitoring" / "prometheus" / "rules.test.yml"

COUNTERS = (
    "lpsehub_http_requests",
    "lpsehub_tenders_announced",
    "lpsehub_tenders_completed",
    "lpsehub_tenders_failed",
    "lpsehub_tenders_cancelled",
    "lpsehub_bids_accepted",
    "lpsehub_bids_refused",
    "lpsehub_bid_openings",
    "lpsehub_vendor_logins",
    "lpsehub_audit_verifications",
)
HISTOGRAMS = ("lpsehub_http_request_duration_seconds", "lpsehub_tender_cycle_seconds")
GAUGES = (
    "lpsehub_tenders",
    "lpsehub_tenders_closing_soon",
    "lpsehub_tenant_up",
    "lpsehub_tenant_probe_check",
    "lpsehub_tenant_probe_duration_seconds",
    "lpsehub_tenant_last_probe_timestamp_seconds",
    "lpsehub_tampered_bids",
    "lpsehub_feed_position",
    "lpsehub_feed_served_position",
    "lpsehub_feed_lag_seconds",
    "lpsehub_peer_sync_age_seconds",
    "lpsehub_peer_checkpoint_conflicts",
    "lpsehub_db_pool_connections_in_use",
    "lpsehub_db_pool_waiting",
    "lpsehub_db_pool_size",
    "lpsehub_embedded_database_up",
    "lpsehub_build_info",
)
SERIES = frozenset(
    [f"{c}_total" for c in COUNTERS]
    + [f"{h}{suffix}" for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")]
    + list(GAUGES)
)
"""Every series name an expression may select."""

GRAFANA_VARIABLES = {
    "${tenant}": ".*",
    "$tenant": ".*",
    "$__rate_interval": "1m",
    "$__range": "1m",
    "$__interval": "1s",
}
"""What Grafana puts in place of its variables (All regencies; a one-minute window)."""

_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NAME = re.compile(r"(?<![\w.:])[A-Za-z_:][\w:]*")
_COMPARISON = re.compile(r"\s*(?:==|!=|>=|<=|>|<)\s*(?:bool\s+)?-?\d[\d.eE+-]*")


def metric_names(expr: str) -> set[str]:
    """The series names ``expr`` selects (not its functions, keywords, labels or durations)."""
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    bare = re.sub(r"\{[^}]*\}", "", bare)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    bare = _GROUPING.sub(" ", bare)
    names = set()
    for match in _NAME.finditer(bare):
        followed_by_call = bare[match.end() :].lstrip().startswith("(")
        if not followed_by_call and match.group(0) not in _KEYWORDS:
            names.add(match.group(0))
    return names


def as_promql(expr: str) -> str:
    """A dashboard expression with Grafana's variables filled in, as Prometheus would receive it."""
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def without_comparisons(expr: str) -> str:
    """An alert expression with its thresholds taken out: what it compares, whether or not it fires."""
    return _COMPARISON.sub("", expr)


@dataclass(frozen=True)
class Target:
    panel: str
    expr: str


def dashboard() -> dict[str, Any]:
    return dict(json.loads(DASHBOARD.read_text()))


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, those folded inside rows too."""
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def dashboard_targets(board: dict[str, Any]) -> list[Target]:
    return [Target(p["title"], t["expr"]) for p in panels(board) for t in p.get("targets", [])]


def rules() -> list[dict[str, Any]]:
    """Every rule of ``rules.yml``, recording and alerting."""
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def recorded_names() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}
