"""The opening checks and decrypts its bids in a worker process (issue 20): the same verdicts, lines
and audit entries as in a thread, every bid opened; a worker that dies in the middle of an opening
fails it as a 503 with nothing of it kept, and the retry opens every bid with a new worker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.vendors import register_signing_key, register_vendor, verify_vendor
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import WorkerUnavailable
from hub.web.problems import status_of
from tenants.audit import AuditEntry
from tenants.sealing import encode_signing_public_key, public_raw_of
from tenants.tenders import Actor, open_bids, register_for_tender
from tenants.tenders.bidding import bids, unsealing
from tenants.tenders.bidding.unsealing_processes import UnsealingProcesses
from tenants.tenders.models import Tender
from tests.dying_worker import STOPPING_PRICE, verdicts_or_stop
from tests.integration.tenants.tenders.test_tender_rules import (  # the same tender and vendor
    Stage,
    _bid,
    _close_submission,
    _person,
    stage,
)

__all__ = ["stage"]  # the fixture, imported to be found

_REAL_VERDICTS = unsealing.verdicts_of


@pytest.fixture
def processes() -> Iterator[UnsealingProcesses]:
    with UnsealingProcesses() as started:
        yield started


async def _second_bidder(engine: AsyncEngine, s: Stage) -> Stage:
    """``s`` as seen by a second verified vendor, registered for the tender with a key of its own."""
    verifier = await _person(engine, "verifier")
    async with hub_sessions(engine)() as session, session.begin():
        vendor = await register_vendor(
            session,
            "CV Brantas",
            "02.222.333.4-652.000",
            None,
            "Jl. Kawi",
            "3507",
            ["41011"],
            f"b.{uuid.uuid4().hex[:6]}@brantas.co.id",
            "Direktur",
            "kata-sandi-99",
        )
        await verify_vendor(session, vendor.id, verifier, "kab-malang", ["NPWP"], None)
    user = Actor(await _person(engine, None, vendor.id), s.tenant)
    signing_key = Ed25519PrivateKey.generate()
    async with hub_sessions(engine)() as session, session.begin():
        await register_signing_key(
            session, user.account_id, encode_signing_public_key(public_raw_of(signing_key))
        )
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        await register_for_tender(session, user, s.tender_id)
    return replace(s, vendor=user, vendor_id=vendor.id, signing_key=signing_key)


async def _two_bids(engine: AsyncEngine, s: Stage, second_price: int) -> None:
    await _bid(engine, s, 1_400_000_000)
    await _bid(engine, await _second_bidder(engine, s), second_price)
    await _close_submission(engine, s.tender_id)


async def _trail(engine: AsyncEngine, s: Stage) -> list[tuple[str, str, dict[str, Any]]]:
    async with tenant_session(engine, s.tenant.schema) as session:
        return await _entries(session)


async def _entries(session: AsyncSession) -> list[tuple[str, str, dict[str, Any]]]:
    """The tenant's audit trail as the session sees it: each entry's action, subject and payload."""
    rows = await session.execute(
        select(AuditEntry.action, AuditEntry.subject, AuditEntry.payload).order_by(AuditEntry.seq)
    )
    return [(action, subject, payload) for action, subject, payload in rows]


async def test_an_opening_in_a_worker_process_opens_every_bid_as_the_thread_did(
    stage: Stage, clean_identity: AsyncEngine, processes: UnsealingProcesses
) -> None:
    await _two_bids(clean_identity, stage, 1_250_000_000)
    before = await _trail(clean_identity, stage)
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        # In a thread, then rolled back: what the process must give.
        in_thread = await open_bids(session, stage.pokja, stage.tender_id, stage.master)
        thread_trail = (await _entries(session))[len(before) :]
        await session.rollback()
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        in_process = await open_bids(session, stage.pokja, stage.tender_id, stage.master, unsealer=processes)
    assert [(b["status"], b["price"]) for b in in_process["bids"]] == [
        ("ok", 1_400_000_000),
        ("ok", 1_250_000_000),
    ]
    assert in_process["bids"] == in_thread["bids"]
    process_trail = (await _trail(clean_identity, stage))[len(before) :]
    assert [action for action, _, _ in process_trail[:2]] == ["bid.decrypted", "bid.decrypted"]
    assert process_trail[:2] == thread_trail[:2]  # the same entries, in the same order
    assert [action for action, _, _ in process_trail] == [action for action, _, _ in thread_trail]


async def test_a_worker_dying_mid_opening_fails_it_whole_and_the_retry_opens_every_bid(
    stage: Stage, clean_identity: AsyncEngine, processes: UnsealingProcesses, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _two_bids(clean_identity, stage, STOPPING_PRICE)
    before = await _trail(clean_identity, stage)
    recorded: list[int] = []
    real_record = bids._record_opened

    async def counted(*args: Any) -> list[dict[str, Any]]:
        lines = await real_record(*args)
        recorded.append(len(lines))
        return lines

    monkeypatch.setattr(bids, "_record_opened", counted)
    monkeypatch.setattr(unsealing, "CHUNK", 1)  # a chunk a bid: the second bid's chunk stops the worker
    monkeypatch.setattr(unsealing, "verdicts_of", verdicts_or_stop)
    with pytest.raises(WorkerUnavailable) as stopped:
        async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
            await open_bids(session, stage.pokja, stage.tender_id, stage.master, unsealer=processes)
    assert recorded == [1]  # the first bid was recorded when the worker stopped on the second
    assert status_of(stopped.value) == 503
    assert await _trail(clean_identity, stage) == before  # nothing of the opening kept
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        tender = await session.get_one(Tender, stage.tender_id)
        assert (tender.opened_at, tender.opening) == (None, None)

    monkeypatch.setattr(unsealing, "verdicts_of", _REAL_VERDICTS)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        opening = await open_bids(session, stage.pokja, stage.tender_id, stage.master, unsealer=processes)
    assert [(b["status"], b["price"]) for b in opening["bids"]] == [
        ("ok", 1_400_000_000),
        ("ok", STOPPING_PRICE),
    ]
    actions = [action for action, _, _ in (await _trail(clean_identity, stage))[len(before) :]]
    assert actions[:3] == ["bid.decrypted", "bid.decrypted", "tender.opened"]
