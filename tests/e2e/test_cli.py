"""The CLI as an operator drives it: exit codes, one-line errors, stable JSON."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli.main import app
from hub.core.database import create_engine
from hub.core.migrations import migrate_tenants
from hub.core.settings import Settings


@pytest.fixture
def lpse(hub: AsyncEngine, settings: Settings):  # type: ignore[no-untyped-def]
    """Run ``lpse-hub ARGS...`` in-process against the test database."""
    runner = CliRunner()
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url, "LPSE_HUB_MIGRATION_CONCURRENCY": "4"}

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    return invoke


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_tenant_create_show_and_list_speak_json(lpse) -> None:  # type: ignore[no-untyped-def]
    created = as_json(
        lpse(
            "tenant",
            "create",
            "kab-malang",
            "--code",
            "3507",
            "--name",
            "Kabupaten Malang",
            "--host",
            "lpse.malangkab.go.id",
            "--json",
        )
    )
    assert created["slug"] == "kab-malang"
    assert created["schema"] == "t_3507"
    assert set(created) == {
        "slug",
        "code",
        "name",
        "kind",
        "province_code",
        "timezone",
        "hosts",
        "status",
        "status_reason",
        "schema",
        "created_at",
        "updated_at",
    }
    assert as_json(lpse("tenant", "show", "kab-malang", "--json"))["hosts"] == ["lpse.malangkab.go.id"]
    assert [t["slug"] for t in as_json(lpse("tenant", "list", "--json"))] == ["kab-malang"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("tenant", "create", "Kab Malang", "--code", "3507", "--name", "X"), 2, "invalid slug"),
        (
            ("tenant", "create", "kab-x", "--code", "3599", "--name", "X"),
            2,
            "not a province, regency or city",
        ),
        (("tenant", "create", "kab-x", "--code", "3507", "--name", "X", "--timezone", "UTC"), 2, "time zone"),
        (("tenant", "show", "kab-atlantis"), 1, "no tenant 'kab-atlantis'"),
        (("tenant", "delete", "kab-malang"), 2, "--yes"),
        (("agency", "list", "--tenant", "kab-atlantis"), 1, "no tenant"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_a_non_zero_exit(lpse, args, code, message) -> None:  # type: ignore[no-untyped-def]
    result = lpse(*args)
    assert result.exit_code == code
    assert message in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert result.stdout == ""


def test_a_duplicate_tenant_is_refused(lpse) -> None:  # type: ignore[no-untyped-def]
    assert (
        lpse("tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang").exit_code == 0
    )
    result = lpse("tenant", "create", "kab-malang-2", "--code", "3507", "--name", "Kabupaten Malang")
    assert result.exit_code == 1
    assert "has code 3507 already" in result.stderr


def test_suspend_resume_and_delete(lpse) -> None:  # type: ignore[no-untyped-def]
    lpse("tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang")
    suspended = as_json(
        lpse("tenant", "suspend", "kab-malang", "--reason", "migration to new server", "--json")
    )
    assert (suspended["status"], suspended["status_reason"]) == ("suspended", "migration to new server")
    assert lpse("tenant", "suspend", "kab-malang", "--reason", "again").exit_code == 1
    assert as_json(lpse("tenant", "resume", "kab-malang", "--json"))["status"] == "active"
    assert lpse("tenant", "delete", "kab-malang", "--yes").exit_code == 0
    assert as_json(lpse("tenant", "list", "--json")) == []


def test_agencies_are_added_and_listed_per_tenant(lpse) -> None:  # type: ignore[no-untyped-def]
    lpse("tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang")
    lpse("tenant", "create", "kab-blitar", "--code", "3505", "--name", "Kabupaten Blitar")
    added = as_json(lpse("agency", "add", "--tenant", "kab-malang", "--name", "Dinas Kesehatan", "--json"))
    assert added["name"] == "Dinas Kesehatan"
    assert [a["name"] for a in as_json(lpse("agency", "list", "--tenant", "kab-malang", "--json"))] == [
        "Dinas Kesehatan"
    ]
    assert as_json(lpse("agency", "list", "--tenant", "kab-blitar", "--json")) == []


def test_provision_province_reports_created_and_skipped(lpse) -> None:  # type: ignore[no-untyped-def]
    lpse("tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang")
    report = as_json(lpse("tenant", "provision-province", "35", "--json"))
    assert (len(report["created"]), report["skipped"], report["failed"]) == (38, ["kab-malang"], {})
    assert lpse("tenant", "provision-province", "99").exit_code == 2


def test_db_status_shows_a_lagging_tenant_and_upgrade_brings_it_to_head(lpse, settings) -> None:  # type: ignore[no-untyped-def]
    lpse("tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang")
    lpse("tenant", "create", "kab-blitar", "--code", "3505", "--name", "Kabupaten Blitar")
    asyncio.run(_downgrade(settings, "t_3505"))
    lagging = lpse("db", "status", "--json")
    assert lagging.exit_code == 1
    assert json.loads(lagging.stdout)["lagging"] == ["kab-blitar"]

    upgraded = as_json(lpse("db", "upgrade", "--json"))
    assert upgraded["tenants"]["migrated"] == ["t_3505"]
    assert as_json(lpse("db", "status", "--json"))["at_head"] is True


async def _downgrade(settings: Settings, schema: str) -> None:
    engine = create_engine(settings)
    try:
        await migrate_tenants(engine, [schema], concurrency=1, target="base")
    finally:
        await engine.dispose()


def test_the_console_script_exits_with_one_line_errors(settings: Settings) -> None:
    env = {**os.environ, "LPSE_HUB_DATABASE_URL": settings.database_url or ""}
    result = subprocess.run(
        [sys.executable, "-c", "from cli.main import run; run()", "tenant", "show", "kab-atlantis"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no tenant 'kab-atlantis'"
    bad_setting = subprocess.run(
        [sys.executable, "-c", "from cli.main import run; run()", "tenant", "list"],
        capture_output=True,
        text=True,
        env={**env, "LPSE_HUB_PORT": "x"},
        timeout=60,
    )
    assert bad_setting.returncode == 1
    assert "LPSE_HUB_PORT must be an integer" in bad_setting.stderr


def test_catalogue_sweep_runs_once_and_says_what_it_published(lpse) -> None:  # type: ignore[no-untyped-def]
    as_json(lpse("tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang", "--json"))
    [swept] = as_json(lpse("catalogue", "sweep", "--json"))
    assert swept == {"slug": "kab-malang", "checked": 0, "restaged": [], "republished": [], "error": None}
    assert lpse("catalogue", "sweep", "--tenant", "kab-malang").exit_code == 0
