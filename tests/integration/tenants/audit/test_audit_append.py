"""Appending: one linear chain per tenant under concurrency, nothing left by a rollback, JSON only."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import tenants.audit.chain
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput
from tenants.agencies import add_agency, list_agencies
from tenants.audit import AuditEntry, Recorded, append_audit, append_audits, entry_hash, read_audit
from tenants.audit.canonical import content_around_seq
from tenants.registry import Tenant
from tests.integration.tenants.audit.conftest import record, verify

HASHED = ("seq", "at", "actor_id", "action", "subject", "payload")


async def entries_of(engine: AsyncEngine, tenant: Tenant, **options: Any) -> list[AuditEntry]:
    async with tenant_session(engine, tenant.schema) as session:
        return await read_audit(session, limit=1000, **options)


async def test_concurrent_appends_make_one_gap_free_chain(audit_hub: AsyncEngine, malang: Tenant) -> None:
    everyone_in = asyncio.Barrier(20)

    async def one_transaction(n: int) -> int:
        async with tenant_session(audit_hub, malang.schema) as session, session.begin():
            await everyone_in.wait()  # all twenty transactions are open before any appends
            entry = await append_audit(
                session, actor_id=n, action="agency.added", subject=f"agency:{n}", payload={"n": n}
            )
            return entry.seq

    numbers = await asyncio.gather(*(one_transaction(n) for n in range(20)))
    assert sorted(numbers) == list(range(1, 21))
    entries = await entries_of(audit_hub, malang)
    assert [e.seq for e in entries] == list(range(1, 21))
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert sorted(e.actor_id or 0 for e in entries) == list(range(20))
    report = await verify(audit_hub, malang)
    assert (report.ok, report.entries) == (True, 20)


async def test_a_rolled_back_append_leaves_no_entry_and_no_gap(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    await record(audit_hub, malang, 2)

    async def change_that_fails_after_its_entry() -> None:
        async with tenant_session(audit_hub, malang.schema) as session, session.begin():
            await add_agency(session, "Dinas PUPR")
            await append_audit(session, actor_id=7, action="agency.added", subject="agency:1", payload={})
            raise RuntimeError("the change fails after its entry was written")

    with pytest.raises(RuntimeError, match="the change fails"):
        await change_that_fails_after_its_entry()
    async with tenant_session(audit_hub, malang.schema) as session:
        assert await list_agencies(session) == []  # the change and its entry went together
    [third] = await record(audit_hub, malang)
    assert third.seq == 3
    assert [e.seq for e in await entries_of(audit_hub, malang)] == [1, 2, 3]
    assert (await verify(audit_hub, malang)).ok


async def test_each_tenant_has_its_own_log(audit_hub: AsyncEngine, malang: Tenant, blitar: Tenant) -> None:
    await record(audit_hub, malang, 3, subject="tender:1")
    before = [e.to_dict() for e in await entries_of(audit_hub, malang)]
    await asyncio.gather(*(record(audit_hub, blitar, 2, subject="tender:9") for _ in range(2)))
    assert [e.to_dict() for e in await entries_of(audit_hub, malang)] == before
    blitar_log = await entries_of(audit_hub, blitar)
    assert [(e.seq, e.subject) for e in blitar_log] == [(n, "tender:9") for n in (1, 2, 3, 4)]
    assert (await verify(audit_hub, malang)).head_seq == 3
    assert (await verify(audit_hub, blitar)).ok


async def test_read_audit_pages_by_seq_and_filters_by_subject(audit_hub: AsyncEngine, malang: Tenant) -> None:
    for subject in ("tender:1", "tender:2", "tender:1", "vendor:7", "tender:1"):
        await record(audit_hub, malang, subject=subject)
    async with tenant_session(audit_hub, malang.schema) as session:
        page = await read_audit(session, limit=2)
        assert [e.seq for e in page] == [1, 2]
        assert [e.seq for e in await read_audit(session, after_seq=page[-1].seq, limit=2)] == [3, 4]
        assert [e.seq for e in await read_audit(session, subject="tender:1", after_seq=1)] == [3, 5]
        with pytest.raises(InvalidInput, match="limit"):
            await read_audit(session, limit=0)


async def test_to_dict_lets_anyone_recompute_the_hash(audit_hub: AsyncEngine, malang: Tenant) -> None:
    payload: dict[str, Any] = {
        "title": "Rehabilitasi Jembatan Kali Brantas — tahap Ⅱ",
        "budget": 2_500_000_000,
        "ok": True,
    }
    [entry] = await record(audit_hub, malang, **payload)
    shown = json.loads(json.dumps(entry.to_dict()))
    assert set(shown) == {"seq", "at", "actor_id", "action", "subject", "payload", "prev_hash", "hash"}
    assert shown["at"].endswith("+00:00")
    assert len(shown["at"].split(".")[1]) == len("123456+00:00")
    content = {k: shown[k] for k in ("seq", "at", "actor_id", "action", "subject", "payload")}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256((shown["prev_hash"] + canonical).encode()).hexdigest() == shown["hash"]


async def test_numbers_are_hashed_as_postgresql_stores_them(audit_hub: AsyncEngine, malang: Tenant) -> None:
    [entry] = await record(
        audit_hub, malang, big=1e20, small=0.1, score=85.5, rupiah=10**18, nested=[1.0, (2, 3)]
    )
    assert entry.payload["big"] == 10**20  # jsonb gives a whole number back, and that is what was hashed
    assert entry.payload["nested"] == [1.0, [2, 3]]
    assert (await verify(audit_hub, malang)).ok


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"at": datetime(2026, 11, 27)}, r"payload\['at'\] is a datetime"),
        ({"price": Decimal("1.5")}, r"payload\['price'\] is a Decimal"),
        ({"bids": [1, {2, 3}]}, r"payload\['bids'\]\[1\] is a set"),
        ({"score": float("nan")}, "JSON cannot hold"),
        ({1: "one"}, "not a string"),
        ({"note": "a\x00b"}, "NUL"),
    ],
)
async def test_a_payload_that_is_not_json_is_refused_and_nothing_is_written(
    audit_hub: AsyncEngine, malang: Tenant, payload: dict[Any, Any], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        async with tenant_session(audit_hub, malang.schema) as session, session.begin():
            await append_audit(
                session, actor_id=None, action="tender.announced", subject="t:1", payload=payload
            )
    assert await entries_of(audit_hub, malang) == []


@pytest.mark.parametrize(
    ("action", "subject", "field"),
    [
        ("Tender Announced", "tender:1", "action"),
        ("x" * 65, "tender:1", "action"),
        ("bid.opened", " ", "subject"),
    ],
)
async def test_an_invalid_action_or_subject_is_refused(
    audit_hub: AsyncEngine, malang: Tenant, action: str, subject: str, field: str
) -> None:
    async with tenant_session(audit_hub, malang.schema) as session:
        with pytest.raises(InvalidInput) as refused:
            await append_audit(session, actor_id=None, action=action, subject=subject, payload={})
    assert refused.value.field == field


async def test_appending_needs_a_tenant_session(audit_hub: AsyncEngine, malang: Tenant) -> None:
    async with hub_sessions(audit_hub)() as session:
        with pytest.raises(ValueError, match="needs a tenant session"):
            await append_audit(
                session, actor_id=None, action="tender.announced", subject="tender:1", payload={}
            )


async def test_the_database_chains_text_beyond_ascii_as_the_one_definition_does(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    async with tenant_session(audit_hub, malang.schema) as session, session.begin():
        entry = await append_audit(
            session,
            actor_id=3,
            action="tender.announced",
            subject="tender:Jembatan — tahap Ⅱ",
            payload={"judul": "Pengadaan \U0001f4dd", "seq": 0, "subject": "tender:1"},
        )
    assert entry.hash == entry_hash(entry.prev_hash, **{k: getattr(entry, k) for k in HASHED})
    assert (await verify(audit_hub, malang)).ok


async def test_an_entry_the_database_hashed_otherwise_is_refused_and_nothing_is_written(
    audit_hub: AsyncEngine, malang: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``hub.audit_append`` hashes what the hub hands it; the hub recomputes the hash by the one
    definition and refuses to commit an entry whose hash differs (a drifted function, say)."""
    await record(audit_hub, malang, 1)

    def drifted(**entry: Any) -> tuple[str, str]:
        before, after = content_around_seq(**entry)
        return before.replace('"action":', '"action" :'), after

    monkeypatch.setattr(tenants.audit.chain, "content_around_seq", drifted)
    with pytest.raises(RuntimeError, match=r"hub\.audit_append chained entry 2 as"):
        async with tenant_session(audit_hub, malang.schema) as session, session.begin():
            await append_audit(session, actor_id=1, action="agency.added", subject="agency:1", payload={})
    assert [e.seq for e in await entries_of(audit_hub, malang)] == [1]


async def test_a_batch_is_chained_in_order_as_its_entries_appended_one_by_one(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    await record(audit_hub, malang)
    batch = [
        Recorded("bid.decrypted", "tender:4", {"bid_id": 11, "status": "ok"}),
        Recorded("bid.decrypted", "tender:4", {"bid_id": 12, "status": "tampered", "checks": ["signature"]}),
        Recorded("bid.decrypted", "tender:4", {"bid_id": 13, "status": "ok", "vendor": "CV Karya Ñusantara"}),
    ]
    async with tenant_session(audit_hub, malang.schema) as session, session.begin():
        appended = await append_audits(session, actor_id=5, entries=batch)
    assert [e.seq for e in appended] == [2, 3, 4]
    [after] = await record(audit_hub, malang)
    assert after.seq == 5
    entries = await entries_of(audit_hub, malang)
    assert [(e.action, e.subject, e.payload, e.actor_id) for e in entries[1:4]] == [
        (r.action, r.subject, r.payload, 5) for r in batch
    ]
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert (await verify(audit_hub, malang)).ok


async def test_batches_and_single_appends_at_once_make_one_gap_free_chain(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    async def batch(n: int) -> list[int]:
        async with tenant_session(audit_hub, malang.schema) as session, session.begin():
            entries = [Recorded("bid.decrypted", f"tender:{n}", {"bid_id": k}) for k in range(5)]
            return [e.seq for e in await append_audits(session, actor_id=n, entries=entries)]

    async def single(n: int) -> list[int]:
        async with tenant_session(audit_hub, malang.schema) as session, session.begin():
            entry = await append_audit(
                session, actor_id=n, action="agency.added", subject="agency:1", payload={}
            )
            return [entry.seq]

    numbers = await asyncio.gather(*(batch(n) if n % 2 else single(n) for n in range(10)))
    for seqs in numbers:  # a batch's entries are consecutive: the lock is held from the first call
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert sorted(seq for seqs in numbers for seq in seqs) == list(range(1, 31))
    report = await verify(audit_hub, malang)
    assert (report.ok, report.entries) == (True, 30)


async def test_a_batch_with_a_float_is_appended_one_by_one_with_what_jsonb_keeps(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    batch = [
        Recorded("bid.decrypted", "tender:4", {"price": 1e20}),
        Recorded("bid.decrypted", "tender:4", {}),
    ]
    async with tenant_session(audit_hub, malang.schema) as session, session.begin():
        appended = await append_audits(session, actor_id=None, entries=batch)
        assert await append_audits(session, actor_id=None, entries=[]) == []
    assert [e.seq for e in appended] == [1, 2]
    assert (await verify(audit_hub, malang)).ok


async def test_a_batch_with_a_bad_action_appends_nothing(audit_hub: AsyncEngine, malang: Tenant) -> None:
    batch = [Recorded("bid.decrypted", "tender:4", {}), Recorded("Bid Decrypted", "tender:4", {})]
    with pytest.raises(InvalidInput, match="invalid audit action"):
        async with tenant_session(audit_hub, malang.schema) as session, session.begin():
            await append_audits(session, actor_id=None, entries=batch)
    assert await entries_of(audit_hub, malang) == []
