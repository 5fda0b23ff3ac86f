"""The database timeouts in the chart: set from values, accepted by the hub, and a readiness probe that
does not wait longer than the hub takes to say a hung database is not ready."""

from __future__ import annotations

from typing import Any

import helm_python as helm
import pytest
import yaml

from hub.core.settings import Settings
from tests.deploy.chart import CHART, Render, env_of, only, pod_spec


def test_the_timeouts_reach_the_hub_and_the_migration_job_as_settings_it_accepts(render: Render) -> None:
    manifests = render(
        {
            "config": {
                "databaseStatementTimeoutSeconds": 20,
                "databaseCommandTimeoutSeconds": 25,
                "databaseCheckIdleSeconds": 0,
            }
        }
    )
    for kind in ("Deployment", "Job"):
        env = env_of(only(manifests, kind))
        settings = Settings.from_env({name: e["value"] for name, e in env.items() if "value" in e})
        assert settings.database_statement_timeout_seconds == 20
        assert settings.database_command_timeout_seconds == 25
        assert settings.database_connect_timeout_seconds == 5
        assert settings.readiness_timeout_seconds == 1.5
        assert settings.database_check_idle_seconds == 0
        assert env["LPSE_HUB_DATABASE_LOCK_TIMEOUT_SECONDS"]["value"] == "10"


def test_the_readiness_probe_gives_up_at_2_seconds_after_the_hubs_own_deadline(render: Render) -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    probe = pod_spec(only(render(), "Deployment"))["containers"][0]["readinessProbe"]
    assert values["config"]["readinessTimeoutSeconds"] < probe["timeoutSeconds"] <= 2


@pytest.mark.parametrize(
    "config",
    [
        {"databaseStatementTimeoutSeconds": -1},
        {"databaseConnectTimeoutSeconds": 0},
        {"readinessTimeoutSeconds": "2s"},
        {"databaseCheckIdleSeconds": -1},
    ],
)
def test_a_timeout_the_hub_cannot_run_with_is_refused_at_render(
    render: Render, config: dict[str, Any]
) -> None:
    with pytest.raises(helm.HelmValuesError, match="schema"):
        render({"config": config})
