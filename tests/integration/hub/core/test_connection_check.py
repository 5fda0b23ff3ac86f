"""The pool checks a connection before handing it out: a dead one is replaced unseen, a hung one is
given up on within the connect timeout rather than the (much longer) command timeout."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import create_engine
from hub.core.settings import Settings
from tests.hung_database import HangingProxy


async def test_a_connection_the_server_ended_is_replaced_before_use(
    engine: AsyncEngine, settings: Settings
) -> None:
    one = create_engine(replace(settings, pool_size=1, pool_max_overflow=0))
    try:
        async with one.connect() as connection:
            ended = await connection.scalar(text("SELECT pg_backend_pid()"))
        async with engine.connect() as admin:  # as a failover or an operator would end it
            # With a timeout, it returns once the backend has exited (not merely been signalled).
            await admin.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": ended})
        async with one.connect() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != ended
    finally:
        await one.dispose()


async def test_a_hung_pooled_connection_is_given_up_within_the_connect_timeout(settings: Settings) -> None:
    assert settings.database_url is not None
    with HangingProxy(settings.database_url) as proxy:
        hung = create_engine(
            replace(
                settings,
                database_url=proxy.url,
                database_connect_timeout_seconds=1,
                database_statement_timeout_seconds=30,
                database_command_timeout_seconds=60,
            )
        )
        try:
            async with hung.connect() as connection:
                await connection.execute(text("SELECT 1"))  # now pooled
            proxy.hang()
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
