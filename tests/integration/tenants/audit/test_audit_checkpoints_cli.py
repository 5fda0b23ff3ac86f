"""``lpse-hub audit verify --checkpoints FILE_OR_URL``: a rewrite the hub's own database no longer
shows is caught against checkpoints an outsider saved before, from a file or another hub's URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.audit import Anchor, Checkpoint, checkpoint_tenants
from tenants.registry import Tenant
from tests.conftest import in_database
from tests.integration.tenants.audit.conftest import record, rewrite_from
from tests.integration.tenants.audit.test_audit_cli import Invoke, lpse

__all__ = ["lpse"]  # the fixture, shared with the other CLI tests of the audit trail


def saved_before_a_rewrite(settings: Settings, tenant: Tenant) -> list[dict[str, object]]:
    """Checkpoints of a 12-entry log as a peer copied them; then entries 5 to 12 rewritten, the
    hub's anchors and checkpoints deleted and the tenant's ``created_at`` moved."""

    async def work(engine: AsyncEngine) -> list[dict[str, object]]:
        await record(engine, tenant, 12, budget=1_400_000_000)
        await checkpoint_tenants(engine, MasterKey.of(settings), concurrency=2)
        async with hub_sessions(engine)() as session:
            saved = [c.to_dict() for c in (await session.execute(select(Checkpoint))).scalars()]
        await rewrite_from(engine, tenant, 5, budget=4_900_000_000)
        async with engine.begin() as connection:
            await connection.execute(delete(Checkpoint))
            await connection.execute(delete(Anchor))
            await connection.execute(
                text("UPDATE hub.tenants SET created_at = now() + interval '1 day' WHERE code = :code"),
                {"code": tenant.code},
            )
        return saved

    return in_database(settings, work)


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A peer that serves whatever is written to the returned file at the returned URL."""
    body = tmp_path / "peer-checkpoints.json"

    class Peer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            content = body.read_bytes()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/audit/checkpoints", body
    finally:
        server.shutdown()
        server.server_close()


def test_a_rewrite_is_caught_against_checkpoints_saved_in_a_file(
    lpse: Invoke, settings: Settings, malang: Tenant, tmp_path: Path
) -> None:
    saved = saved_before_a_rewrite(settings, malang)
    assert lpse("audit", "verify").exit_code == 0  # the hub's database alone says ok
    copy = tmp_path / "checkpoints.json"
    copy.write_text(json.dumps(saved))
    shown = lpse("audit", "verify", "--checkpoints", str(copy))
    assert shown.exit_code == 1
    lines = shown.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("REWRITTEN tenant 3507: entry 12 has hash")


def test_a_rewrite_is_caught_against_the_checkpoints_of_another_hubs_url(
    lpse: Invoke, settings: Settings, malang: Tenant, serving: tuple[str, Path]
) -> None:
    url, body = serving
    body.write_text(json.dumps(saved_before_a_rewrite(settings, malang)))
    shown = lpse("audit", "verify", "--checkpoints", url)
    assert shown.exit_code == 1
    assert "REWRITTEN tenant 3507: entry 12 has hash" in shown.stdout


def test_intact_logs_hold_against_their_checkpoints_and_a_deleted_tenant_shows(
    lpse: Invoke, settings: Settings, malang: Tenant, tmp_path: Path
) -> None:
    async def work(engine: AsyncEngine) -> list[dict[str, object]]:
        await record(engine, malang, 3)
        await checkpoint_tenants(engine, MasterKey.of(settings), concurrency=2)
        async with hub_sessions(engine)() as session:
            return [c.to_dict() for c in (await session.execute(select(Checkpoint))).scalars()]

    saved = in_database(settings, work)
    copy = tmp_path / "checkpoints.json"
    copy.write_text(json.dumps(saved))
    held = lpse("audit", "verify", "--checkpoints", str(copy))
    assert held.exit_code == 0, held.stdout
    gone = [*saved, {"tenant_code": "3573", "seq": 40, "head_hash": "cd" * 32}]
    copy.write_text(json.dumps(gone))
    shown = lpse("audit", "verify", "--checkpoints", str(copy))
    assert shown.exit_code == 1
    assert "REWRITTEN tenant 3573: checkpointed but no tenant holds this code any more" in shown.stdout


def test_an_unreadable_source_is_one_line_and_exit_2(lpse: Invoke, tmp_path: Path) -> None:
    shown = lpse("audit", "verify", "--checkpoints", str(tmp_path / "missing.json"))
    assert shown.exit_code == 2
    assert shown.stderr.startswith("error: checkpoints not read from")
