"""The tests' ``ManualClock``: time moves when the test says, and misuse fails loudly, not by hanging."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.manual_clock import ManualClock


async def test_advance_returns_once_the_woken_task_sleeps_again() -> None:
    clock = ManualClock()
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            await clock.sleep(1.0)
            ticks.append(clock.monotonic())

    task = asyncio.create_task(ticker())
    await clock.until_asleep()
    await clock.advance(1.0)
    assert ticks == [1_001.0]
    await clock.advance(0.5)
    assert ticks == [1_001.0]  # not due yet
    task.cancel()


async def test_advancing_a_sleeper_of_another_event_loop_is_refused_not_hung() -> None:
    """An app under ``AsyncTestClient`` runs on its portal's loop, in another thread: a task of it
    asleep on the test's clock cannot be woken from the test's loop (issue 20's hang)."""
    clock = ManualClock()
    asleep, stop = threading.Event(), threading.Event()

    def other_loop() -> None:
        async def sleeper() -> None:
            task = asyncio.create_task(clock.sleep(1.0), name="sleeper elsewhere")
            await clock.until_asleep()  # on this loop: the sleeper has registered
            asleep.set()
            await asyncio.to_thread(stop.wait, 10)
            task.cancel()

        asyncio.run(sleeper())

    thread = threading.Thread(target=other_loop)
    thread.start()
    try:
        await asyncio.to_thread(asleep.wait, 10)
        with pytest.raises(RuntimeError, match="sleeper elsewhere sleeps on another"):
            await clock.advance(1.0)
    finally:
        stop.set()
        await asyncio.to_thread(thread.join, 10)
