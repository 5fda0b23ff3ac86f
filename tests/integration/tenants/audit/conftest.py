"""Two regencies with audit logs, a way to append to them, and an attacker with the table owner's rights."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions, tenant_session
from tenants.audit import (
    GENESIS_HASH,
    Anchor,
    AuditEntry,
    ChainReport,
    Checkpoint,
    append_audit,
    entry_hash,
    verify_chain,
)
from tenants.registry import Tenant
from tests.conftest import make_tenant

CODES = ("3507", "3505")
"""Kabupaten Malang and Kabupaten Blitar: the tenants these tests create."""


@pytest_asyncio.fixture(loop_scope="session")
async def audit_hub(hub: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The ``hub`` engine, with no anchors nor checkpoints of our tenants before or after (tenants
    go, anchors stay)."""
    await forget_anchors(hub)
    yield hub
    await forget_anchors(hub)


async def forget_anchors(engine: AsyncEngine) -> None:
    async with hub_sessions(engine)() as session, session.begin():
        await session.execute(delete(Anchor).where(Anchor.tenant_code.in_(CODES)))
        await session.execute(delete(Checkpoint).where(Checkpoint.tenant_code.in_(CODES)))


@pytest_asyncio.fixture(loop_scope="session")
async def malang(audit_hub: AsyncEngine) -> Tenant:
    return await make_tenant(audit_hub, "kab-malang", "3507")


@pytest_asyncio.fixture(loop_scope="session")
async def blitar(audit_hub: AsyncEngine) -> Tenant:
    return await make_tenant(audit_hub, "kab-blitar", "3505")


async def record(
    engine: AsyncEngine, tenant: Tenant, count: int = 1, *, subject: str = "tender:12", **payload: Any
) -> list[AuditEntry]:
    """Append ``count`` entries to ``tenant``'s log, each in a transaction of its own."""
    entries = []
    for _ in range(count):
        async with tenant_session(engine, tenant.schema) as session, session.begin():
            entries.append(
                await append_audit(
                    session, actor_id=42, action="tender.announced", subject=subject, payload=dict(payload)
                )
            )
    return entries


async def verify(engine: AsyncEngine, tenant: Tenant, **options: int) -> ChainReport:
    async with tenant_session(engine, tenant.schema) as session:
        return await verify_chain(session, **options)


async def attack(engine: AsyncEngine, tenant: Tenant, *statements: str) -> None:
    """Run raw SQL on the log as its owner would: append-only trigger off, statements, trigger on."""
    table = f"{tenant.schema}.audit_log"
    async with engine.begin() as connection:
        await connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER audit_log_append_only"))
        for statement in statements:
            await connection.execute(text(statement.format(log=table)))
        await connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER audit_log_append_only"))


async def rewrite_from(engine: AsyncEngine, tenant: Tenant, first: int, **payload: Any) -> None:
    """Rewrite entries ``first`` onwards with ``payload`` and fresh hashes, as an insider with the
    owner's rights would: the chain itself stays intact, only anchors and checkpoints can tell."""
    async with tenant_session(engine, tenant.schema) as session:
        entries = list((await session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars())
    statements, prev_hash = [], GENESIS_HASH
    for entry in entries:
        if entry.seq >= first:
            fields = {"seq": entry.seq, "at": entry.at, "actor_id": entry.actor_id}
            fields |= {"action": entry.action, "subject": entry.subject, "payload": dict(payload)}
            fresh = entry_hash(prev_hash, **fields)
            body = json.dumps(payload).replace("'", "''").replace("{", "{{").replace("}", "}}")
            statements.append(
                f"UPDATE {{log}} SET payload = '{body}'::jsonb, prev_hash = '{prev_hash}', "
                f"hash = '{fresh}' WHERE seq = {entry.seq}"
            )
            prev_hash = fresh
        else:
            prev_hash = entry.hash
    await attack(engine, tenant, *statements)
