"""``lpse-hub plan import`` and ``plan list`` as an operator drives them: the sample files, a bad file
named line by line with nothing imported, a dry run that records nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli.main import app
from federation.identity.accounts import create_account, grant_role
from hub.core.database import hub_sessions, tenant_session
from hub.core.settings import Settings
from tenants.agencies import add_agency
from tenants.audit import AuditEntry
from tenants.plans import PlanItem
from tests.conftest import in_database, make_tenant
from tests.e2e.procurement import PASSWORD

SAMPLES = Path(__file__).parent.parent.parent / "docs" / "samples"
Lpse = Callable[..., Result]


@pytest.fixture
async def lpse(clean_identity: AsyncEngine, settings: Settings) -> Lpse:
    """``lpse-hub ARGS...`` in-process, on a tenant kab-malang whose first agency is number 1."""
    tenant = await make_tenant(clean_identity, "kab-malang", "3507")
    async with tenant_session(clean_identity, tenant.schema) as session, session.begin():
        await add_agency(session, "Dinas Pekerjaan Umum dan Penataan Ruang")
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url}
    return lambda *args: CliRunner().invoke(app, list(args), env=env)


def _count(settings: Settings, model: Any, *where: Any) -> int:
    async def count(engine: AsyncEngine) -> int:
        async with tenant_session(engine, "t_3507") as session:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return in_database(settings, count)


async def _auditor(engine: AsyncEngine) -> None:
    async with hub_sessions(engine)() as session, session.begin():
        await create_account(session, "apip@malangkab.go.id", "APIP", PASSWORD, email_verified=True)
        await grant_role(session, "apip@malangkab.go.id", "auditor", "kab-malang")


def test_the_sample_csv_and_json_import_and_list(lpse: Lpse, settings: Settings) -> None:
    dry = lpse(
        "plan", "import", "--tenant", "kab-malang", str(SAMPLES / "plan-rup.csv"), "--dry-run", "--json"
    )
    assert dry.exit_code == 0, dry.stderr
    assert json.loads(dry.stdout)["recorded"] == ["40123456", "40123457", "40123458"]
    assert _count(settings, PlanItem) == 0  # a dry run records nothing
    done = lpse("plan", "import", "-t", "kab-malang", str(SAMPLES / "plan-rup.csv"))
    assert done.exit_code == 0, done.stderr
    assert "recorded 3 new" in done.stdout
    assert lpse("plan", "import", "-t", "kab-malang", str(SAMPLES / "plan-rup.json")).exit_code == 0
    again = lpse("plan", "import", "-t", "kab-malang", str(SAMPLES / "plan-rup.json"), "--json")
    assert json.loads(again.stdout)["unchanged"] == ["40123459", "40123460"]
    listed = lpse("plan", "list", "-t", "kab-malang", "--year", "2027", "--json")
    assert [i["rup_code"] for i in json.loads(listed.stdout)][:2] == ["40123456", "40123457"]
    assert _count(settings, PlanItem) == 5
    # The operator records as itself: five entries, each naming the client "operator".
    assert _count(settings, AuditEntry, AuditEntry.action == "plan_item.recorded") == 5


def test_a_bad_file_names_every_bad_line_and_imports_nothing(
    lpse: Lpse, settings: Settings, tmp_path: Path
) -> None:
    lines = (SAMPLES / "plan-rup.csv").read_text().splitlines()
    bad = [
        lines[0],
        lines[1],
        lines[2].replace("750000000", "tujuh ratus juta"),
        lines[3].replace("2027-01", "2027-13"),
    ]
    path = tmp_path / "rup.csv"
    path.write_text("\n".join(bad) + "\n")
    refused = lpse("plan", "import", "-t", "kab-malang", str(path))
    assert refused.exit_code == 2
    assert "line 3: ceiling: must be a positive whole number of rupiah" in refused.stderr
    assert "line 4: selection_from:" in refused.stderr
    assert "nothing was recorded" in refused.stderr
    assert _count(settings, PlanItem) == 0
    as_json = lpse("plan", "import", "-t", "kab-malang", str(path), "--json")
    assert [(f["row"], f["field"]) for f in json.loads(as_json.stdout)["faults"]] == [
        ("line 3", "ceiling"),
        ("line 4", "selection_from"),
    ]
    assert _count(settings, PlanItem) == 0


def test_a_file_that_is_no_csv_or_json_is_one_line_and_a_person_without_the_role_is_refused(
    lpse: Lpse, settings: Settings, tmp_path: Path
) -> None:
    broken = tmp_path / "rup.json"
    broken.write_text("[{")
    result = lpse("plan", "import", "-t", "kab-malang", str(broken))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    unknown = tmp_path / "rup.xlsx"
    unknown.write_text("x")
    assert "--format" in lpse("plan", "import", "-t", "kab-malang", str(unknown)).stderr
    in_database(settings, _auditor)
    sample = str(SAMPLES / "plan-rup.csv")
    auditor = lpse("plan", "import", "-t", "kab-malang", sample, "--as", "apip@malangkab.go.id")
    assert auditor.exit_code == 1
    assert auditor.stderr.startswith("error: ")
    assert _count(settings, PlanItem) == 0
