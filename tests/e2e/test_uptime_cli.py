"""``lpse-hub uptime`` and ``lpse-hub probe run`` as an operator drives them: figures, exit codes, errors.

Plain sync tests: the CLI runs its own event loop, so database work here runs in ``asyncio.run``
on an engine of its own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli.main import app
from hub.core.settings import Settings
from monitoring.probes.rounds import ROUND_LOCK
from tenants.registry import Tenant
from tests.conftest import in_database, make_tenant
from tests.integration.monitoring.probes.probe_history import forget_probes, record_history

Invoke = Callable[..., Result]


@pytest.fixture
def lpse(hub: AsyncEngine, settings: Settings) -> Iterator[Invoke]:
    """Run ``lpse-hub ARGS...`` in-process against the test database, with no probe history around."""
    in_database(settings, forget_probes)
    runner = CliRunner()
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url or "", "LPSE_HUB_DATA_DIR": str(settings.data_dir)}

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), env=env)

    yield invoke
    in_database(settings, forget_probes)


@pytest.fixture
def regencies(lpse: Invoke, settings: Settings) -> tuple[Tenant, Tenant]:
    async def create(engine: AsyncEngine) -> tuple[Tenant, Tenant]:
        return await make_tenant(engine, "kab-malang", "3507"), await make_tenant(
            engine, "kab-blitar", "3505"
        )

    return in_database(settings, create)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_uptime_reports_each_tenants_share_up_and_longest_outage(
    lpse: Invoke, settings: Settings, regencies: tuple[Tenant, Tenant]
) -> None:
    malang, blitar = regencies

    async def history(engine: AsyncEngine) -> None:
        await record_history(engine, malang, malang.created_at, "UUUDDU")
        await record_history(engine, blitar, blitar.created_at, "UUUU")

    in_database(settings, history)
    day = malang.created_at.date()
    period = ("--since", day.isoformat(), "--until", (day + timedelta(days=1)).isoformat())

    found = as_json(lpse("uptime", *period, "--json"))
    assert found["since"] == f"{day.isoformat()}T00:00:00+00:00"
    assert found["until"] == f"{(day + timedelta(days=2)).isoformat()}T00:00:00+00:00"
    assert [(t["tenant"], t["probes"], t["probes_up"], t["share_up"]) for t in found["tenants"]] == [
        ("kab-blitar", 4, 4, 1.0),
        ("kab-malang", 6, 4, 0.666667),
    ]
    assert [t["longest_outage_seconds"] for t in found["tenants"]] == [0.0, 120.0]
    assert as_json(lpse("uptime", *period, "--json")) == found  # stable

    one = as_json(lpse("uptime", *period, "--tenant", "kab-malang", "--json"))
    assert [t["tenant"] for t in one["tenants"]] == ["kab-malang"]

    table = lpse("uptime", *period)
    assert table.exit_code == 0, table.stderr
    malang_row = next(line for line in table.stdout.splitlines() if "kab-malang" in line)
    assert "66.67%" in malang_row
    assert "2m 00s" in malang_row
    assert "2 tenants" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2026-13-01"), "error: --since '2026-13-01' is not a date (YYYY-MM-DD)"),
        (("--until", "kemarin"), "error: --until 'kemarin' is not a date (YYYY-MM-DD)"),
        (("--since", "2026-12-05", "--until", "2026-12-01"), "error: the period ends"),
    ],
)
def test_uptime_refuses_a_bad_date_in_one_line_with_exit_2(
    lpse: Invoke, args: tuple[str, ...], message: str
) -> None:
    result = lpse("uptime", *args)

    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_uptime_of_an_unknown_tenant_is_an_error(lpse: Invoke) -> None:
    result = lpse("uptime", "--tenant", "kab-atlantis")

    assert result.exit_code == 1
    assert "kab-atlantis" in result.stderr


def test_probe_run_records_a_round_that_uptime_then_shows(
    lpse: Invoke, settings: Settings, regencies: tuple[Tenant, Tenant]
) -> None:
    done = as_json(lpse("probe", "run", "--json"))

    assert done["written"] is True
    assert [(t["tenant"], t["up"], t["checks"]) for t in done["tenants"]] == [
        ("kab-blitar", True, {"schema": True, "migrations": True, "read": True, "audit": True}),
        ("kab-malang", True, {"schema": True, "migrations": True, "read": True, "audit": True}),
    ]
    found = as_json(lpse("uptime", "--json"))  # the last 30 days, up to now
    assert [(t["tenant"], t["probes"], t["share_up"]) for t in found["tenants"]] == [
        ("kab-blitar", 1, 1.0),
        ("kab-malang", 1, 1.0),
    ]


def test_probe_run_exits_1_and_names_the_failing_check_when_a_tenant_is_down(
    lpse: Invoke, settings: Settings, regencies: tuple[Tenant, Tenant]
) -> None:
    async def drop(engine: AsyncEngine) -> None:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA t_3505 CASCADE"))

    in_database(settings, drop)

    result = lpse("probe", "run")

    assert result.exit_code == 1
    blitar_row = next(line for line in result.stdout.splitlines() if "kab-blitar" in line)
    assert "DOWN" in blitar_row
    assert "down kab-blitar: schema: schema t_3505 does not exist" in result.stdout.splitlines()
    assert "2 tenants probed, 1 down" in result.stdout


def test_probe_run_says_so_when_another_replica_is_probing(
    lpse: Invoke, settings: Settings, regencies: tuple[Tenant, Tenant]
) -> None:
    async def while_locked(engine: AsyncEngine) -> Result:
        async with engine.connect() as other:
            await other.execute(select(func.pg_advisory_lock(func.hashtext(ROUND_LOCK))))
            result = await asyncio.to_thread(lpse, "probe", "run")
            await other.execute(select(func.pg_advisory_unlock(func.hashtext(ROUND_LOCK))))
        return result

    result = in_database(settings, while_locked)

    assert result.exit_code == 1
    assert result.stderr.startswith("round skipped: another replica is probing now")
