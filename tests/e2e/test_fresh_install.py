"""A fresh install as an operator meets it: the first command before any ``db upgrade``.

On an external database the command says in one line what to run (the hub never migrates someone's
server as a side effect); on the embedded database, the hub's own, the first command migrates it."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from hub.core.database import create_engine
from hub.core.database_lifetime import running_database
from hub.core.embedded_postgres import SERVING_ROLE
from hub.core.settings import Settings
from tests.conftest import _admin, _asyncpg_dsn
from tests.sqlstates import INSUFFICIENT_PRIVILEGE, sqlstate_of


@pytest.fixture
def empty_database(settings: Settings) -> Iterator[str]:
    """A database on the test server that nothing has migrated."""
    assert settings.database_url is not None
    name = f"lpse_hub_fresh_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(settings.database_url, f'CREATE DATABASE "{name}"'))
    try:
        yield _asyncpg_dsn(settings.database_url, name)
    finally:
        asyncio.run(_admin(settings.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_tenant_create_on_an_unmigrated_external_database_says_what_to_run(empty_database: str) -> None:
    result = CliRunner().invoke(
        app,
        ["tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang"],
        env={"LPSE_HUB_DATABASE_URL": empty_database},
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines() == [
        "error: the database has no hub schema yet: run `lpse-hub db upgrade` first"
    ]
    upgraded = CliRunner().invoke(app, ["db", "upgrade"], env={"LPSE_HUB_DATABASE_URL": empty_database})
    assert upgraded.exit_code == 0, upgraded.output


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data directory outside pytest's temporary root, which another pytest run may close to the
    user the embedded server runs as (see ``tests.conftest``)."""
    path = Path(tempfile.mkdtemp(prefix="lpse-hub-fresh-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_the_first_command_on_the_embedded_database_migrates_it(data_dir: Path) -> None:
    env = {"LPSE_HUB_DATABASE_URL": None, "DATABASE_URL": None, "LPSE_HUB_DATA_DIR": str(data_dir)}
    result = CliRunner().invoke(
        app, ["tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "the hub schema was migrated" in result.stderr
    assert "kab-malang" in result.stdout
    again = CliRunner().invoke(app, ["tenant", "list", "--json"], env=env)
    assert again.exit_code == 0, again.output
    assert "migrated" not in again.stderr  # only the first use migrates


def test_the_embedded_database_serves_as_a_role_that_may_not_rewrite_the_audit_log(data_dir: Path) -> None:
    env = {"LPSE_HUB_DATABASE_URL": None, "DATABASE_URL": None, "LPSE_HUB_DATA_DIR": str(data_dir)}
    created = CliRunner().invoke(
        app, ["tenant", "create", "kab-malang", "--code", "3507", "--name", "Kabupaten Malang"], env=env
    )
    assert created.exit_code == 0, created.output

    async def refusals(ready: Settings) -> list[str | None]:
        serving, owner = create_engine(ready), create_engine(ready, as_owner=True)
        try:
            return [
                await sqlstate_of(serving, "SELECT count(*) FROM t_3507.tenders"),
                await sqlstate_of(serving, "UPDATE t_3507.audit_log SET action = 'x'"),
                await sqlstate_of(
                    serving, "ALTER TABLE t_3507.audit_log DISABLE TRIGGER audit_log_append_only"
                ),
                await sqlstate_of(owner, "SELECT count(*) FROM t_3507.audit_log"),
            ]
        finally:
            await serving.dispose()
            await owner.dispose()

    with running_database(Settings(data_dir=data_dir)) as ready:
        assert ready.serving_role == SERVING_ROLE
        assert asyncio.run(refusals(ready)) == [None, INSUFFICIENT_PRIVILEGE, INSUFFICIENT_PRIVILEGE, None]
