"""``lpse-hub audit verify|anchor``: what an operator types, what it answers, how it exits.

Plain sync tests: the CLI runs its own event loop, so database work here runs in ``asyncio.run``
on an engine of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import typer
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli import audit
from hub.core.migrations import migrate_tenants
from hub.core.settings import Settings
from tenants.registry import Tenant
from tests.conftest import in_database
from tests.integration.tenants.audit.conftest import attack, record

Invoke = Callable[..., Result]


@pytest.fixture
def lpse(audit_hub: AsyncEngine, settings: Settings) -> Invoke:
    cli = typer.Typer()
    cli.add_typer(audit.app, name="audit")
    runner = CliRunner()
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url or "", "LPSE_HUB_DATA_DIR": str(settings.data_dir)}

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), env=env)

    return invoke


def verified(result: Result) -> dict[str, dict[str, Any]]:
    return {r["tenant"]: r for r in json.loads(result.stdout)}


def test_verify_reports_every_tenant_and_exits_0_when_all_are_intact(
    lpse: Invoke, settings: Settings, malang: Tenant, blitar: Tenant
) -> None:
    in_database(settings, lambda engine: record(engine, malang, 3))
    shown = lpse("audit", "verify")
    assert shown.exit_code == 0, shown.stderr
    assert "2 tenants, 0 broken" in shown.stdout
    as_json = lpse("audit", "verify", "--json")
    assert as_json.exit_code == 0
    reports = json.loads(as_json.stdout)
    assert [r["tenant"] for r in reports] == ["kab-blitar", "kab-malang"]
    assert reports[1] == {
        "tenant": "kab-malang",
        "code": "3507",
        "ok": True,
        "entries": 3,
        "head_seq": 3,
        "head_hash": reports[1]["head_hash"],
        "first_broken_seq": None,
        "problem": None,
        "bids": {"tenant": "kab-malang", "mismatches": [], "error": None},  # none stored, none altered
    }
    assert (reports[0]["ok"], reports[0]["entries"], reports[0]["head_seq"]) == (True, 0, None)


def test_verify_exits_1_and_names_the_first_broken_entry(
    lpse: Invoke, settings: Settings, malang: Tenant, blitar: Tenant
) -> None:
    in_database(settings, lambda engine: record(engine, malang, 4, budget=1_000_000))
    in_database(settings, lambda engine: record(engine, blitar, 1))
    in_database(
        settings, lambda engine: attack(engine, malang, "UPDATE {log} SET actor_id = 666 WHERE seq = 2")
    )
    shown = lpse("audit", "verify")
    assert shown.exit_code == 1
    assert "BROKEN" in shown.stdout
    assert "2 tenants, 1 broken" in shown.stdout
    result = lpse("audit", "verify", "--json")
    assert result.exit_code == 1
    reports = verified(result)
    assert reports["kab-malang"]["first_broken_seq"] == 2
    assert reports["kab-malang"]["problem"] == "entry 2 was edited: its content no longer matches its hash"
    assert reports["kab-blitar"]["ok"] is True
    assert lpse("audit", "verify", "--tenant", "kab-blitar").exit_code == 0
    assert lpse("audit", "verify", "--tenant", "kab-malang").exit_code == 1


def test_a_tenant_that_cannot_be_verified_is_reported_and_the_others_still_are(
    lpse: Invoke, settings: Settings, malang: Tenant, blitar: Tenant
) -> None:
    in_database(
        settings, lambda engine: migrate_tenants(engine, [blitar.schema], concurrency=1, target="t0002")
    )
    result = lpse("audit", "verify", "--json")
    assert result.exit_code == 1
    reports = verified(result)
    assert reports["kab-malang"]["ok"] is True
    assert reports["kab-blitar"]["ok"] is False
    assert reports["kab-blitar"]["problem"].startswith("could not verify:")
    assert "audit_log" in reports["kab-blitar"]["problem"]


def test_an_unknown_tenant_is_an_error(lpse: Invoke) -> None:
    result = lpse("audit", "verify", "--tenant", "kab-entah")
    assert result.exit_code == 1
    assert "no tenant 'kab-entah'" in result.stderr


def test_anchor_records_new_heads_and_verify_then_catches_a_cut_tail(
    lpse: Invoke, settings: Settings, malang: Tenant, blitar: Tenant
) -> None:
    entries = in_database(settings, lambda engine: record(engine, malang, 3))
    result = lpse("audit", "anchor", "--json")
    assert result.exit_code == 0, result.stderr
    anchored = {r["tenant"]: r for r in json.loads(result.stdout)}
    assert anchored["kab-blitar"]["anchored"] is None
    malang_anchor = anchored["kab-malang"]["anchored"]
    assert (malang_anchor["seq"], malang_anchor["hash"]) == (3, entries[-1].hash)
    again = lpse("audit", "anchor", "--tenant", "kab-malang")
    assert again.exit_code == 0
    assert "kab-malang: nothing new to anchor" in again.stdout

    in_database(settings, lambda engine: attack(engine, malang, "DELETE FROM {log} WHERE seq = 3"))
    reports = verified(lpse("audit", "verify", "--json", "--tenant", "kab-malang"))
    assert reports["kab-malang"]["first_broken_seq"] == 3
    assert "entry 3 was anchored" in reports["kab-malang"]["problem"]
    refused = lpse("audit", "anchor", "--tenant", "kab-malang")
    assert refused.exit_code == 1
    assert "no longer matches its anchor at entry 3" in refused.stdout
