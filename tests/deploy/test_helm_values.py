"""What an operator writes and reads: values checked by the schema (a wrong one is refused before
anything reaches the cluster), documented where they are set, mapped to the hub's own settings, and
NOTES.txt telling real commands."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import helm_python as helm
import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from hub.core.settings import Settings
from tests.deploy.chart import CHART, COMBINATIONS, ROOT, Render, env_of, only


def test_settings_from_values_reach_the_hub_as_its_variables(render: Render) -> None:
    env = env_of(only(render({"config": {"poolSize": 25, "probeIntervalSeconds": 0}}), "Deployment"))
    assert env["LPSE_HUB_POOL_SIZE"]["value"] == "25"
    assert env["LPSE_HUB_PROBE_INTERVAL_SECONDS"]["value"] == "0"  # 0 (no probing) is a value, not unset
    plain = {name[len("LPSE_HUB_") :].lower() for name in env if name.startswith("LPSE_HUB_")}
    assert plain <= set(Settings.__dataclass_fields__), "every variable is one the hub reads"
    settings = Settings.from_env({name: e["value"] for name, e in env.items() if "value" in e})
    assert (settings.pool_size, settings.probe_interval_seconds) == (25, 0)


WRONG_VALUES = {
    "a number as words": {"replicaCount": "three"},
    "an unknown key": {"replicaCont": 3},
    "an unknown nested key": {"ingress": {"enabeld": True}},
    "an unknown service type": {"service": {"type": "Loadbalancer"}},
    "no database secret": {"postgresql": {"external": {"existingSecret": ""}}},
    "no master key secret": {"masterKey": {"existingSecret": ""}},
    "no master key at all": {"masterKey": None},
    "a secret as a plain value": {"extraEnv": [{"name": "LPSE_HUB_MASTER_KEY", "value": "c2VjcmV0"}]},
    "citus on cloudnativepg": {
        "postgresql": {"citus": {"enabled": True}, "cloudnativepg": {"enabled": True}}
    },
    "an ingress with no host": {"ingress": {"enabled": True}},
    "a bad ocid prefix": {"config": {"ocidPrefix": "lpse"}},
}


@pytest.mark.parametrize("values", WRONG_VALUES.values(), ids=WRONG_VALUES.keys())
def test_a_wrong_value_is_refused_at_render_and_lint(render: Render, values: dict[str, Any]) -> None:
    with pytest.raises(helm.HelmValuesError, match="schema"):
        render(values)
    assert helm.lint(CHART, values)["errors"], "lint reports it too"


def test_chart_follows_the_hubs_version_and_helm_conventions() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert chart["apiVersion"] == "v2"
    assert chart["appVersion"] == project["version"]
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["additionalProperties"] is False
    templates = {p.name for p in (CHART / "templates").iterdir()}
    assert {"_helpers.tpl", "NOTES.txt", "deployment.yaml", "migration-job.yaml"} <= templates


def test_every_top_level_value_is_documented_by_a_comment_starting_with_its_name() -> None:
    lines = (CHART / "values.yaml").read_text().splitlines()
    keys = [(i, line.split(":")[0]) for i, line in enumerate(lines) if line[:1].isalpha()]
    assert keys, "values.yaml has top-level keys"
    for index, key in keys:
        first = index
        while first > 0 and lines[first - 1].startswith("#"):
            first -= 1
        assert lines[first].startswith(f"# {key}:"), f"{key} lacks a comment starting with its name"
        assert key[0].islower(), f"{key} is not camelCase"
        assert "_" not in key, f"{key} is not camelCase"


def test_notes_tell_real_commands_to_reach_provision_and_log_in(chart: Any) -> None:
    rendered = chart.render(COMBINATIONS["ingress on"], name="lpse", namespace="lpse")
    notes = rendered["lpse-hub/templates/NOTES.txt"]
    assert "https://lpse.malangkab.go.id/" in notes
    assert "/login" in notes
    commands = re.findall(r"lpse-hub (\w+) ([\w-]+)((?: --?[\w-]+)*)", notes)
    assert {(noun, verb) for noun, verb, _ in commands} >= {
        ("tenant", "create"),
        ("account", "create"),
        ("account", "grant"),
        ("db", "upgrade"),
    }
    for noun, verb, _ in commands:
        result = CliRunner().invoke(app, [noun, verb, "--help"])
        assert result.exit_code == 0, f"lpse-hub {noun} {verb}: {result.output}"
    for option in ("--code", "--name", "--host", "--role", "--tenant"):
        assert option in notes


def test_no_proxy_is_trusted_unless_the_operator_names_it(render: Render) -> None:
    by_default = env_of(only(render({}), "Deployment"))
    assert "LPSE_HUB_TRUSTED_PROXIES" not in by_default
    assert not any("FORWARDED" in name for name in by_default), "uvicorn's own setting is not used"
    named = env_of(only(render({"config": {"trustedProxies": "10.42.0.0/16, fd00::/8"}}), "Deployment"))
    value = named["LPSE_HUB_TRUSTED_PROXIES"]["value"]
    assert Settings.from_env({"LPSE_HUB_TRUSTED_PROXIES": value}).trusted_proxies == (
        "10.42.0.0/16",
        "fd00::/8",
    )
    with pytest.raises(helm.HelmValuesError, match="schema"):
        render({"config": {"trustedProxies": "*"}})
