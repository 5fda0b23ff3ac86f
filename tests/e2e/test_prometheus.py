"""The dashboard and the alert rules in ``monitoring/``, checked by Prometheus itself.

``promtool`` checks the rules and runs their unit tests; the dashboard may use only the hub's
series; and a real Prometheus, scraping a live hub every second while regencies work on it and
one regency's audit log is tampered with, answers every expression of the dashboard and the rules
and raises the alerts for that regency only.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.settings import Settings
from monitoring.probes import probe_all
from tests.conftest import needs_tool
from tests.e2e.procurement import Client, Regency
from tests.e2e.prometheus_traffic import Province, drive, follow_itself
from tests.e2e.promql import (
    RULE_TESTS,
    RULES,
    SERIES,
    as_promql,
    dashboard,
    dashboard_targets,
    metric_names,
    panels,
    recorded_names,
    rules,
    without_comparisons,
)
from tests.integration.monitoring.probes.probe_history import forget_probes
from tests.live_server import live_hub
from tests.prometheus_server import PROMETHEUS, PROMTOOL, Prometheus, eventually, running_prometheus

needs_promtool = needs_tool(PROMTOOL, "promtool (Debian package prometheus; .ci/run installs it)")
needs_prometheus = needs_tool(PROMETHEUS, "prometheus (Debian package prometheus; .ci/run installs it)")
ABSENT_ON_AN_EXTERNAL_DATABASE = {"lpsehub_embedded_database_up"}
"""Exported only by a hub that runs its embedded PostgreSQL; the live hub here uses the test server."""


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None, "promtool is not installed (the Debian package prometheus)"
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, cwd=RULES.parent, timeout=60)


@needs_promtool
def test_the_rules_are_valid_prometheus_rules() -> None:
    checked = promtool("check", "rules", RULES.name)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(rules())} rules found" in checked.stdout


@needs_promtool
def test_every_alert_fires_and_stays_quiet_as_its_unit_tests_expect() -> None:
    tested = promtool("test", "rules", RULE_TESTS.name)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    cases = [
        case for test in yaml.safe_load(RULE_TESTS.read_text())["tests"] for case in test["alert_rule_test"]
    ]
    for alert in (r["alert"] for r in rules() if "alert" in r):
        expected = [c["exp_alerts"] for c in cases if c["alertname"] == alert]
        assert any(expected), f"{alert}: no unit test in which it fires"
        assert [] in expected, f"{alert}: no unit test in which it stays quiet"


def test_every_alert_says_how_bad_for_how_long_and_what_happened() -> None:
    for rule in (r for r in rules() if "alert" in r):
        assert rule["for"], rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]
        if "tenant" in rule["expr"]:
            assert "$labels.tenant" in rule["annotations"]["summary"], rule["alert"]


def test_series_names_are_read_out_of_expressions_and_nothing_else() -> None:
    expr = (
        'sum by (tenant, le) (rate(lpsehub_bids_refused_total{reason="closed", x=~"a|b"}[5m])) > 1e-3'
        " and on (tenant) lpsehub_typo offset 15m or vector(0) * time() - tenant:recorded:rate5m"
    )
    assert metric_names(expr) == {"lpsehub_bids_refused_total", "lpsehub_typo", "tenant:recorded:rate5m"}


def test_the_dashboard_uses_only_the_series_the_hub_exports() -> None:
    board = dashboard()
    assert board["schemaVersion"] >= 36
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    tenant = variables["tenant"]
    assert tenant["query"]["query"] == "label_values(lpsehub_tenant_up, tenant)"
    assert tenant["multi"]
    assert tenant["includeAll"]
    for panel in (p for p in panels(board) if p["type"] != "row"):
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
    targets = dashboard_targets(board)
    assert len(targets) >= 20
    for target in targets:
        assert metric_names(target.expr) <= SERIES, (target.panel, metric_names(target.expr) - SERIES)
    assert sum("$tenant" in t.expr for t in targets) >= 15  # the regency filter applies across the board


@needs_promtool
def test_every_dashboard_expression_is_valid_promql(tmp_path: Path) -> None:
    exprs = [as_promql(t.expr) for t in dashboard_targets(dashboard())]
    records = [{"record": f"dashboard:expr_{n}", "expr": e} for n, e in enumerate(exprs)]
    as_rules = tmp_path / "dashboard.rules.yml"
    as_rules.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]}))
    checked = promtool("check", "rules", str(as_rules))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_rules_use_only_the_series_the_hub_exports_and_their_own_records() -> None:
    known = SERIES | recorded_names()
    for rule in rules():
        assert metric_names(rule["expr"]) <= known, (rule, metric_names(rule["expr"]) - known)


async def tamper_with_the_audit_log(engine: AsyncEngine, where: Regency) -> None:
    """Edit the newest entry of the regency's audit log as its database owner could."""
    log = f"{where.schema}.audit_log"
    async with engine.begin() as connection:
        await connection.execute(text(f"ALTER TABLE {log} DISABLE TRIGGER audit_log_append_only"))
        await connection.execute(
            text(
                f"UPDATE {log} SET payload = payload || '{{\"edited\": true}}'"
                f" WHERE seq = (SELECT max(seq) FROM {log})"
            )
        )
        await connection.execute(text(f"ALTER TABLE {log} ENABLE TRIGGER audit_log_append_only"))


def missing_series(prometheus: Prometheus) -> list[str]:
    return sorted(n for n in SERIES - ABSENT_ON_AN_EXTERNAL_DATABASE if not prometheus.query(f"count({n})"))


def empty_answers(prometheus: Prometheus, exprs: list[str]) -> list[str]:
    return [expr for expr in exprs if not prometheus.query(expr)]


def alerting(prometheus: Prometheus, alert: str) -> set[str]:
    """The regencies for which ``alert`` is pending or firing now."""
    return {a["labels"].get("tenant", "") for a in prometheus.alerts() if a["labels"]["alertname"] == alert}


async def a_morning_with_one_regency_tampered(
    engine: AsyncEngine, province: Province, hub: str, prometheus: Prometheus
) -> None:
    """Regencies work, every series gets scraped; then Kabupaten Blitar's audit log is edited."""
    async with httpx.AsyncClient(base_url=hub, timeout=30) as http:
        await drive(http, engine, province, prometheus)
        await follow_itself(engine, hub)
        await probe_all(engine, 4)
        with contextlib.suppress(AssertionError):
            eventually("every series scraped", lambda: not missing_series(prometheus))
        assert missing_series(prometheus) == []
        await tamper_with_the_audit_log(engine, province.blitar)
        await probe_all(engine, 4)
        blitar = province.blitar
        verification = await http.get(f"{blitar.base}/audit/verification", headers=blitar.admin)
        assert verification.json()["ok"] is False


@pytest.fixture
async def no_probe_history(clean_identity: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """``clean_identity``, with no probe results before or after (they outlive the tenants)."""
    await forget_probes(clean_identity)
    yield clean_identity
    await forget_probes(clean_identity)


def rules_evaluated(prometheus: Prometheus) -> list[dict[str, Any]]:
    evaluated = prometheus.rules()
    return evaluated if all(not r["lastEvaluation"].startswith("0001") for r in evaluated) else []


@needs_prometheus
@pytest.mark.horizon  # the hub follows its own change feed
async def test_prometheus_scraping_a_live_hub_answers_every_expression_and_alerts_for_one_regency(
    client: Client, no_probe_history: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    engine = no_probe_history
    province = await Province.make(client, engine)
    assert settings.database_url is not None
    # The people's tokens come from the in-process app: the live hub takes them as the same issuer's.
    same_issuer = {"ISSUER": settings.issuer_url, "KEY_REFRESH_SECONDS": "1"}
    with (
        live_hub(settings.database_url, tmp_path / "hub", PROBE_INTERVAL_SECONDS="0", **same_issuer) as hub,
        running_prometheus(hub.url.removeprefix("http://"), RULES, tmp_path / "prometheus") as prometheus,
    ):
        await a_morning_with_one_regency_tampered(engine, province, hub.url, prometheus)
        for alert in ("LpseTenantDown", "LpseAuditChainBroken"):
            eventually(f"{alert} for kab-blitar", lambda a=alert: "kab-blitar" in alerting(prometheus, a))
        eventually(
            "a rate over two scrapes", lambda: prometheus.query("rate(lpsehub_tenders_failed_total[1m])")
        )

        regencies = prometheus.api("label/tenant/values", **{"match[]": "lpsehub_tenant_up"})
        assert {"kab-malang", "kab-blitar"} <= set(regencies)  # the dashboard's regency variable
        empty = empty_answers(prometheus, [as_promql(t.expr) for t in dashboard_targets(dashboard())])
        assert all(metric_names(e) <= ABSENT_ON_AN_EXTERNAL_DATABASE for e in empty), empty

        evaluated = eventually("every rule evaluated", lambda: rules_evaluated(prometheus))
        assert {r["name"]: r["health"] for r in evaluated} == {r["name"]: "ok" for r in evaluated}
        assert empty_answers(prometheus, [without_comparisons(r["expr"]) for r in rules()]) == []
        assert alerting(prometheus, "LpseTenantDown") == {"kab-blitar"}
        assert alerting(prometheus, "LpseAuditChainBroken") == {"kab-blitar"}
        assert alerting(prometheus, "LpseBidRefusalsNearDeadline") == {"kab-malang"}
        for quiet in ("LpseHighErrorRatio", "LpseFeedLag", "LpseTenantNotProbed"):
            assert not alerting(prometheus, quiet), quiet
