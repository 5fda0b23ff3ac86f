"""The CLI with two database roles, as the chart runs it: what changes schemas connects as the owner
(``LPSE_HUB_OWNER_DATABASE_URL``), everything else as the role the hub serves as."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli.main import app
from hub.core.settings import Settings


@pytest.fixture
def lpse(hub: AsyncEngine, serving_settings: Settings):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str, owner: bool = True) -> Result:
        env = {
            "LPSE_HUB_DATABASE_URL": serving_settings.database_url,
            "LPSE_HUB_OWNER_DATABASE_URL": serving_settings.owner_database_url if owner else None,
            "LPSE_HUB_DATA_DIR": str(serving_settings.data_dir),
        }
        return runner.invoke(app, list(args), env=env)

    return invoke


def test_schema_changes_run_as_the_owner_and_the_rest_as_the_serving_role(lpse) -> None:  # type: ignore[no-untyped-def]
    assert lpse("db", "upgrade").exit_code == 0
    created = lpse("tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang")
    assert created.exit_code == 0, created.stderr
    listed = lpse("tenant", "list", "--json", owner=False)
    assert listed.exit_code == 0, listed.stderr
    assert "kab-malang" in listed.stdout
    agency = lpse("agency", "add", "--tenant", "kab-malang", "--name", "Dinas Kesehatan", owner=False)
    assert agency.exit_code == 0, agency.stderr  # the new tenant's schema was granted to the serving role


def test_a_schema_change_without_the_owner_url_says_what_it_needs(lpse) -> None:  # type: ignore[no-untyped-def]
    refused = lpse(
        "tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang", owner=False
    )
    assert refused.exit_code == 1
    [line] = refused.stderr.strip().splitlines()
    assert "permission denied" in line
    assert "LPSE_HUB_OWNER_DATABASE_URL" in line
