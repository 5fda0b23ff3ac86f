"""The opening checks and decrypts its bids in a worker thread: the event loop serves other requests
meanwhile (issue 20), and the opening publishes and records what it did on the loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import tenant_session
from tenants.audit import AuditEntry
from tenants.tenders import open_bids
from tenants.tenders.bidding import unsealing
from tests.integration.tenants.tenders.test_tender_rules import (  # the same tender and vendor
    Stage,
    _bid,
    _close_submission,
    stage,
)

__all__ = ["stage"]  # the fixture, imported to be found


async def test_each_bid_is_decrypted_in_a_worker_thread_while_the_loop_answers(
    stage: Stage, clean_identity: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    await _close_submission(clean_identity, stage.tender_id)
    loop, real = asyncio.get_running_loop(), unsealing.verdict
    worked: list[tuple[threading.Thread, bool]] = []

    def watched(*args: Any) -> dict[str, Any]:
        # Ask the loop to answer while this bid is worked on: on the loop's own thread it never could.
        answered = threading.Event()
        loop.call_soon_threadsafe(answered.set)
        worked.append((threading.current_thread(), answered.wait(timeout=30)))
        return real(*args)

    monkeypatch.setattr(unsealing, "verdict", watched)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        opening = await open_bids(session, stage.pokja, stage.tender_id, stage.master)
    [(thread, loop_answered)] = worked
    assert thread is not threading.current_thread()
    assert loop_answered
    [shown] = opening["bids"]
    assert (shown["status"], shown["price"], shown["signature"]) == ("ok", 1_400_000_000, "verified")
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq))).all()
    assert actions[-2:] == ["bid.decrypted", "tender.opened"]


async def test_bids_come_back_in_the_order_given_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unsealing, "CHUNK", 2)
    monkeypatch.setattr(unsealing, "verdict", lambda bid, *_: {"status": f"ok {bid}"})
    bids: list[Any] = list(range(5))  # stand-ins for loaded bids: only their order matters here
    checker: Any = None  # not consulted: the verdicts are the stand-in's
    got: list[list[tuple[Any, Any]]] = [
        chunk async for chunk in unsealing.unsealed_chunks(bids, b"", checker, "3507")
    ]
    assert got == [[(n, {"status": f"ok {n}"}) for n in chunk] for chunk in ([0, 1], [2, 3], [4])]
