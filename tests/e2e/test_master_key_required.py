"""The master key as an operator meets it: a hub on an external database without the key does not
start (and says which variable to set), and no secret reaches a log line."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from cli.main import app
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from hub.web.app import create_app
from tests.conftest import make_tenant


@pytest.mark.parametrize("command", [("serve",), ("keys", "rotate")], ids=" ".join)
def test_a_command_needing_the_key_refuses_an_external_database_without_it(
    settings: Settings, tmp_path: Path, command: tuple[str, ...]
) -> None:
    env = {
        "LPSE_HUB_DATABASE_URL": settings.database_url,
        "LPSE_HUB_DATA_DIR": str(tmp_path),
        "LPSE_HUB_MASTER_KEY": "",
    }
    result = CliRunner().invoke(app, list(command), env=env)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: set LPSE_HUB_MASTER_KEY"), lines
    assert "lpse-hub keys generate-master" in lines[0]
    assert not (tmp_path / "master.key").exists()


def test_keys_generate_master_prints_a_key_the_hub_accepts() -> None:
    result = CliRunner().invoke(app, ["keys", "generate-master"])
    assert result.exit_code == 0, result.output
    assert len(MasterKey.parse(result.stdout.strip()).key) == 32


async def test_no_secret_reaches_the_log_at_startup_or_on_errors(
    hub: AsyncEngine,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What the hub logs, through pytest's handler and through the handler Litestar installs on
    stderr at startup (which replaces the root logger's handlers)."""
    await make_tenant(hub, "kab-malang", "3507")
    password, client_secret = "s3cret-db-password", "upstream-client-s3cret"
    assert settings.database_url is not None
    assert settings.master_key is not None
    with_secrets = replace(
        settings,
        # The test server trusts local connections: the password is sent and ignored.
        database_url=settings.database_url.replace("://postgres@", f"://postgres:{password}@"),
        upstream_issuer="https://sso.example.go.id",
        upstream_client_id="lpse-hub",
        upstream_client_secret=client_secret,
        debug=False,
    )
    assert password in (with_secrets.database_url or "")
    caplog.set_level(logging.DEBUG)
    async with AsyncTestClient(app=create_app(with_secrets)) as client:
        assert (await client.get("/health/ready")).status_code == 200
        assert (await client.get("/t/kab-malang/api/tenders/999999")).status_code == 404
        assert (await client.get("/t/kab-malang/api/vendors/1")).status_code == 404
        await client.post("/login", data={"email": "x@example.go.id", "password": "wrong"})
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    logged += "".join(capsys.readouterr())
    assert "/health/ready" in logged  # the requests were logged, and read here
    for secret in (password, client_secret, settings.master_key):
        assert secret not in logged
