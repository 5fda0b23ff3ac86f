"""Peer hubs keep each other's audit checkpoints, and the feed carries them.

First the feed as any follower reads it: releases and signed checkpoints in one order, each kind
on request, the OCDS package with releases only. Then two hubs, each a real hub process: a province
(the leader) whose regency's log is checkpointed, and a neighbour (the follower) whose ``peer sync``
keeps those checkpoints and serves them. The leader's insider, holding its master key, rewrites two
entries of the log and re-signs the checkpoint of the last one in place: the follower's next sync
says so on one line and exits 1, keeps both signed heads, counts the conflict in its metrics, and
the leader's own ``audit verify`` against the follower's copies finds the rewrite.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.peers import add_peer
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from monitoring.probes import probe_round
from tenants.audit import AuditEntry, Checkpoint, checkpoint_message, checkpoint_signer
from tenants.registry import Tenant
from tests.conftest import make_tenant
from tests.e2e.procurement import Client, Desk, ok, regency
from tests.e2e.route_world import DOCUMENT, ROUTES
from tests.feed_horizon import until_the_feed_has_passed
from tests.integration.tenants.audit.conftest import record, rewrite_from
from tests.live_server import live_hub

pytestmark = pytest.mark.horizon  # they read change feeds


async def test_a_follower_gets_releases_and_checkpoints_in_one_order_each_kind_on_request(
    client: Client, clean_identity: AsyncEngine, settings: Settings
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    for title in ("Jalan Desa Sumberejo", "Jembatan Kali Brantas"):
        await Desk(client, clean_identity, malang).announce(title, owner_estimate=900_000_000)
        assert (await probe_round(clean_identity, settings)).written
    await until_the_feed_has_passed(clean_identity)

    entries = ok(await client.get("/api/feed"), 200)["entries"]
    assert [e["kind"] for e in entries] == ["release", "audit.checkpoint"] * 2
    published = ok(await client.get("/api/audit/checkpoints"), 200)
    assert [e["checkpoint"] for e in entries[1::2]] == published  # exactly what the route serves
    only = ok(await client.get("/api/feed", params={"kind": "audit.checkpoint"}), 200)["entries"]
    assert only == entries[1::2]
    first = ok(await client.get("/api/feed", params={"kind": "release", "limit": 1}), 200)
    rest = ok(await client.get("/api/feed", params={"after": first["next"]}), 200)["entries"]
    assert first["entries"] + rest == entries  # one cursor, whichever kinds are asked
    package = ok(await client.get("/api/ocds/releases"), 200)
    assert [r["ocid"] for r in package["releases"]] == [e["ocid"] for e in entries[::2]]
    refused = await client.get("/api/feed", params={"kind": "tender"})
    assert refused.status_code == 400


async def _cli(database_url: str, *args: str) -> tuple[int, str, str]:
    """``lpse-hub ARGS`` on the hub of ``database_url``, as an operator runs it."""
    env = {**os.environ, "LPSE_HUB_DATABASE_URL": database_url, "DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from cli.main import run; run()",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _resign_in_place(engine: AsyncEngine, master: MasterKey, tenant: Tenant, seq: int) -> None:
    """What an insider with the master key does after rewriting the log: the checkpoint of entry
    ``seq`` made to say the new head, signed with the hub's own checkpoint key, in its row."""
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        head = await session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))
        kept = await session.scalar(select(Checkpoint).where(Checkpoint.seq == seq))
        assert head is not None
        assert kept is not None
        kid, private = await checkpoint_signer(session, master)
        message = checkpoint_message(tenant_code=tenant.code, seq=seq, head_hash=head, at=kept.at, kid=kid)
        kept.head_hash = head
        kept.signature = base64.urlsafe_b64encode(private.sign(message)).rstrip(b"=").decode()


async def test_a_peer_keeps_a_hubs_checkpoints_and_catches_them_rewritten(
    hub: AsyncEngine, settings: Settings, follower: tuple[AsyncEngine, str], tmp_path: Path
) -> None:
    assert settings.database_url is not None
    malang = await make_tenant(hub, "kab-malang", "3507")
    first = (await record(hub, malang, 3))[-1]
    await probe_round(hub, settings)
    last = (await record(hub, malang, 2))[-1]
    await probe_round(hub, settings)
    await until_the_feed_has_passed(hub)
    follower_engine, follower_url = follower
    quiet = {"PROBE_INTERVAL_SECONDS": "0"}  # no checkpoints but the test's
    with (
        live_hub(settings.database_url, tmp_path / "leader", **quiet) as leader,
        live_hub(follower_url, tmp_path / "follower", **quiet) as neighbour,
    ):
        async with hub_sessions(follower_engine)() as session, session.begin():
            await add_peer(session, "jatim", leader.url)
        code, out, err = await _cli(follower_url, "peer", "sync", "jatim")
        assert code == 0, out + err
        assert "2 checkpoints kept" in out
        kept_url = f"{neighbour.url}/api/peers/jatim/checkpoints"
        async with httpx.AsyncClient(timeout=30) as http:
            published = (await http.get(f"{leader.url}/api/audit/checkpoints")).json()
            kept = (await http.get(kept_url)).json()
        assert [{k: c[k] for k in published[0]} for c in kept] == published  # the signed statements
        code, out, err = await _cli(settings.database_url, "audit", "verify", "--checkpoints", kept_url)
        assert code == 0, out + err

        await rewrite_from(hub, malang, last.seq - 1, budget=4_900_000_000)
        await _resign_in_place(hub, MasterKey.of(settings), malang, last.seq)
        await until_the_feed_has_passed(hub)
        code, out, err = await _cli(follower_url, "peer", "sync", "jatim")
        assert code == 1, out + err
        (line,) = err.splitlines()  # one line
        assert line.startswith(
            "PEER MISBEHAVES SPLIT VIEW OR REWRITE: peer jatim's checkpoint of tenant 3507"
        )
        assert f"at entry {last.seq} says head" in line
        assert f"but it signed {last.hash[:16]}... for that entry before" in line  # the head first kept
        async with httpx.AsyncClient(timeout=30) as http:
            kept = (await http.get(kept_url)).json()
            metrics = (await http.get(f"{neighbour.url}/metrics")).text
        assert [(c["seq"], c["conflict"]) for c in kept] == [
            (first.seq, None),
            (last.seq, None),
            (last.seq, "fork"),
        ]
        assert 'lpsehub_peer_checkpoint_conflicts{peer="jatim"} 1.0' in metrics
        code, out, err = await _cli(settings.database_url, "audit", "verify", "--checkpoints", kept_url)
        assert code == 1
        assert f"entry {last.seq} has hash" in out
        assert "the log was rewritten" in out


def test_the_kept_checkpoints_and_the_feeds_two_kinds_are_in_the_document() -> None:
    routes = {route.id: route for route in ROUTES}
    for path in ("/api/peers/{peer}/checkpoints", "/api/peers/{peer}/checkpoint-keys"):
        route = routes[f"GET {path}"]
        assert not route.secured
        assert route.action is None
        assert {"200", "404"} <= route.operation["responses"].keys()
    schemas = DOCUMENT["components"]["schemas"]
    kinds = schemas["FeedPageView"]["properties"]["entries"]["items"]["oneOf"]
    named = {ref["$ref"].rsplit("/", 1)[1]: schemas[ref["$ref"].rsplit("/", 1)[1]] for ref in kinds}
    assert {name: view["properties"]["kind"]["const"] for name, view in named.items()} == {
        "ReleaseEntryView": "release",
        "CheckpointEntryView": "audit.checkpoint",
    }
