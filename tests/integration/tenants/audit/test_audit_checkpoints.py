"""Signed checkpoints: made each probe round, checkable by anyone, and what catches a rewrite that
the database alone can no longer show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Conflict
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from monitoring.probes import probe_round
from tenants.audit import (
    Anchor,
    Checkpoint,
    SavedCheckpoint,
    checkpoint_chain,
    checkpoint_public_keys,
    checkpoint_tenants,
    compare_checkpoints,
    rewrap_checkpoint_keys,
    signature_valid,
)
from tenants.registry import Tenant
from tests.integration.tenants.audit.conftest import record, rewrite_from, verify

ROUND_AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
"""The injected time of the checkpoints these tests sign."""


async def published(engine: AsyncEngine) -> tuple[list[dict[str, object]], dict[str, str]]:
    """The checkpoints and the public keys, as an outsider would copy them."""
    async with hub_sessions(engine)() as session:
        checkpoints = (await session.execute(select(Checkpoint).order_by(Checkpoint.id))).scalars()
        keys = {key.kid: key.public_key for key in await checkpoint_public_keys(session)}
        return [c.to_dict() for c in checkpoints], keys


async def compare(engine: AsyncEngine, tenant: Tenant, saved: list[dict[str, object]]) -> list[str]:
    async with tenant_session(engine, tenant.schema) as session:
        return await compare_checkpoints(session, [SavedCheckpoint.parse(c) for c in saved])


async def test_a_probe_round_checkpoints_every_tenants_head_with_a_valid_signature(
    audit_hub: AsyncEngine, settings: Settings, malang: Tenant, blitar: Tenant
) -> None:
    await record(audit_hub, malang, 3)
    await record(audit_hub, blitar, 2)
    probed = await probe_round(audit_hub, settings)
    assert probed.written
    checkpoints, keys = await published(audit_hub)
    mine = sorted((c for c in checkpoints if c["tenant_code"] in ("3507", "3505")), key=str)
    assert [(c["tenant_code"], c["seq"]) for c in mine] == [("3505", 2), ("3507", 3)]
    assert probed.at is not None
    assert all(datetime.fromisoformat(str(c["at"])) == probed.at for c in mine)
    assert all(signature_valid(c, keys) for c in mine)
    forged = {**mine[0], "seq": 1}
    assert not signature_valid(forged, keys)
    assert not signature_valid({**mine[0], "kid": "unknown"}, keys)


@pytest.fixture
def master(settings: Settings) -> MasterKey:
    """The run's master key: the checkpoint key, made by the first test that signs, is wrapped by it."""
    return MasterKey.of(settings)


async def test_an_unchanged_head_is_not_checkpointed_again(
    audit_hub: AsyncEngine, master: MasterKey, malang: Tenant
) -> None:
    await record(audit_hub, malang, 2)
    first = await checkpoint_tenants(audit_hub, master, concurrency=2, at=ROUND_AT)
    again = await checkpoint_tenants(audit_hub, master, concurrency=2, at=ROUND_AT + timedelta(minutes=5))
    made = {r.code: r.checkpoint for r in first}
    assert made["3507"] is not None
    assert made["3507"].seq == 2
    assert {r.code: r.checkpoint for r in again}["3507"] is None


async def test_a_rewrite_with_anchors_removed_and_created_at_moved_is_caught_by_saved_checkpoints(
    audit_hub: AsyncEngine, master: MasterKey, malang: Tenant
) -> None:
    await record(audit_hub, malang, 12, budget=1_400_000_000)
    await checkpoint_tenants(audit_hub, master, concurrency=2, at=ROUND_AT)
    saved, _ = await published(audit_hub)  # a peer keeps a copy
    assert await compare(audit_hub, malang, saved) == []

    await rewrite_from(audit_hub, malang, 5, budget=4_900_000_000)
    async with audit_hub.begin() as connection:  # the insider covers the tracks in the hub too
        await connection.execute(delete(Checkpoint).where(Checkpoint.tenant_code == "3507"))
        await connection.execute(delete(Anchor).where(Anchor.tenant_code == "3507"))
        await connection.execute(
            text("UPDATE hub.tenants SET created_at = now() + interval '1 day' WHERE code = '3507'")
        )
    assert (await verify(audit_hub, malang)).ok  # the database alone cannot tell any more
    problems = await compare(audit_hub, malang, saved)
    assert len(problems) == 1
    assert problems[0].startswith("tenant 3507: entry 12 has hash")
    assert problems[0].endswith("the log was rewritten")


async def test_a_log_shorter_than_a_saved_checkpoint_is_caught(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    saved = [{"tenant_code": "3507", "seq": 9, "head_hash": "ab" * 32}]
    await record(audit_hub, malang, 4)
    assert await compare(audit_hub, malang, saved) == [
        "tenant 3507: entry 9 is checkpointed but the log is shorter: it was cut off"
    ]


async def test_a_checkpoint_in_the_hub_binds_verification_and_refuses_a_contradicting_head(
    audit_hub: AsyncEngine, master: MasterKey, malang: Tenant
) -> None:
    await record(audit_hub, malang, 6)
    await checkpoint_tenants(audit_hub, master, concurrency=2, at=ROUND_AT)
    await rewrite_from(audit_hub, malang, 5, edited=True)
    report = await verify(audit_hub, malang)
    assert (report.ok, report.first_broken_seq) == (False, 6)
    with pytest.raises(Conflict, match="no longer matches its checkpoint at entry 6"):
        async with tenant_session(audit_hub, malang.schema) as session, session.begin():
            await checkpoint_chain(session, malang.code, master, at=ROUND_AT)


async def test_a_master_key_rotation_rewraps_the_checkpoint_key(
    audit_hub: AsyncEngine, master: MasterKey, malang: Tenant
) -> None:
    await record(audit_hub, malang, 1)
    await checkpoint_tenants(audit_hub, master, concurrency=2, at=ROUND_AT)
    new_master = MasterKey.parse(MasterKey.generate())
    async with hub_sessions(audit_hub)() as session, session.begin():
        await rewrap_checkpoint_keys(session, master, new_master)
    try:
        await record(audit_hub, malang, 1)
        async with tenant_session(audit_hub, malang.schema) as session, session.begin():
            signed = await checkpoint_chain(session, malang.code, new_master, at=ROUND_AT)
        assert signed is not None
        assert signed.seq == 2
    finally:  # the run goes on with its own master key
        async with hub_sessions(audit_hub)() as session, session.begin():
            await rewrap_checkpoint_keys(session, new_master, master)
