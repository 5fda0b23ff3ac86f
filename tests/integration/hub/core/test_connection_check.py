"""The pool checks a connection idle longer than ``database_check_idle_seconds`` before handing it
out: a dead one is replaced unseen, a hung one is given up on within the connect timeout rather than
the (much longer) command timeout. One returned to the pool more recently is handed out unchecked."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core import database
from hub.core.database import create_engine
from hub.core.settings import Settings
from tests.hung_database import HangingProxy


class StepClock:
    """Monotonic seconds that move only when the test says."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def _end_pooled_connection(one: AsyncEngine, engine: AsyncEngine) -> int:
    """Pools one connection of ``one`` and has the server end it; its backend's pid."""
    async with one.connect() as connection:
        ended: int = await connection.scalar(text("SELECT pg_backend_pid()"))
    async with engine.connect() as admin:  # as a failover or an operator would end it
        # With a timeout, it returns once the backend has exited (not merely been signalled).
        await admin.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": ended})
    return ended


async def test_a_connection_the_server_ended_while_idle_is_replaced_before_use(
    engine: AsyncEngine, settings: Settings
) -> None:
    clock = StepClock()
    one = create_engine(replace(settings, pool_size=1, pool_max_overflow=0), clock=clock)
    try:
        ended = await _end_pooled_connection(one, engine)
        clock.now += settings.database_check_idle_seconds + 0.5  # idle longer than the threshold
        async with one.connect() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != ended
    finally:
        await one.dispose()


async def test_a_connection_returned_within_the_threshold_is_handed_out_unchecked(
    engine: AsyncEngine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[float] = []
    ping = database._ping

    def counted(connection: Any, seconds: float) -> None:
        pings.append(seconds)
        ping(connection, seconds)

    monkeypatch.setattr(database, "_ping", counted)
    clock = StepClock()
    one = create_engine(replace(settings, pool_size=1, pool_max_overflow=0), clock=clock)
    try:
        for _ in range(3):  # opened, then returned a moment ago: no check
            async with one.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert pings == []
        clock.now += 2 * settings.database_check_idle_seconds
        async with one.connect() as connection:
            await connection.execute(text("SELECT 1"))
        assert len(pings) == 1
        # Ended within the threshold, the connection is not checked: the statement fails, and the
        # pool drops it, so the next checkout opens a new one.
        ended = await _end_pooled_connection(one, engine)
        with pytest.raises(DBAPIError):
            async with one.connect() as connection:
                await connection.execute(text("SELECT 1"))
        async with one.connect() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != ended
    finally:
        await one.dispose()


async def test_a_hung_pooled_connection_is_given_up_within_the_connect_timeout(settings: Settings) -> None:
    assert settings.database_url is not None
    clock = StepClock()
    with HangingProxy(settings.database_url) as proxy:
        hung = create_engine(
            replace(
                settings,
                database_url=proxy.url,
                database_connect_timeout_seconds=1,
                database_statement_timeout_seconds=30,
                database_command_timeout_seconds=60,
            ),
            clock=clock,
        )
        try:
            async with hung.connect() as connection:
                await connection.execute(text("SELECT 1"))  # now pooled
            proxy.hang()
            clock.now += settings.database_check_idle_seconds + 0.5
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                async with hung.connect():
                    pass
            elapsed = time.monotonic() - started
        finally:
            proxy.resume()
            await hung.dispose()
    # The check (1 s), a new connection (1 s), a margin for a loaded machine.
    assert elapsed < 1 + 1 + 2, f"it took {elapsed:.2f} s, the command timeout is 60 s"
