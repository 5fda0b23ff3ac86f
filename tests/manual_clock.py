"""A ``hub.core.clock.Clock`` that moves only when the test moves it.

A test that waited for real time to pass (a cache's 10 s, a schedule's interval) passed or failed
by luck: by how fast the machine was, by how the scheduler happened to run. With this clock the
test says when time passes, and ``advance`` returns only once every task it woke has done its work
and gone back to sleep (or ended), so what the test then looks at is settled, not raced.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Sleeper:
    until: float
    task: asyncio.Task[object] | None
    woken: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class ManualClock:
    """Monotonic seconds starting at ``start``; ``sleep`` returns when ``advance`` reaches its end."""

    def __init__(self, start: float = 1_000.0) -> None:
        self._now = start
        self._sleepers: list[_Sleeper] = []
        self._watchers: set[asyncio.Event] = set()

    def monotonic(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        sleeper = _Sleeper(self._now + max(seconds, 0.0), asyncio.current_task())
        self._sleepers.append(sleeper)
        for watcher in self._watchers:
            watcher.set()
        try:
            await sleeper.woken
        finally:
            if sleeper in self._sleepers:  # cancelled while asleep
                self._sleepers.remove(sleeper)

    @property
    def sleeping(self) -> int:
        """How many tasks are asleep on this clock now."""
        return len(self._sleepers)

    async def until_asleep(self, count: int = 1) -> None:
        """Return once at least ``count`` tasks are asleep on this clock (a task just started, say)."""
        while len(self._sleepers) < count:
            await self._next_sleep()

    async def advance(self, seconds: float) -> None:
        """Move on by ``seconds``; wake the sleepers whose time has come, and return once each of
        them is asleep again or has ended."""
        self._now += seconds
        due = [s for s in self._sleepers if s.until <= self._now]
        running = asyncio.get_running_loop()
        if strangers := [s for s in due if s.woken.get_loop() is not running]:
            # Waking a future of another loop from here would never run its task (and hang the test):
            # an app under AsyncTestClient runs on its portal's loop, so keep its sleepers off this clock.
            names = ", ".join(s.task.get_name() if s.task else "?" for s in strangers)
            raise RuntimeError(f"ManualClock advanced from one event loop while {names} sleeps on another")
        for sleeper in due:
            self._sleepers.remove(sleeper)
            sleeper.woken.set_result(None)
        for sleeper in due:
            if sleeper.task is not None:
                await self._asleep_or_done(sleeper.task)

    async def _asleep_or_done(self, task: asyncio.Task[object]) -> None:
        while not task.done() and not any(s.task is task for s in self._sleepers):
            # Watch from the moment of the check: a task that ran and slept again before a watching
            # task was first scheduled would otherwise never be seen asleep.
            watcher = self._watch()
            slept = asyncio.ensure_future(watcher.wait())
            try:
                await asyncio.wait({slept, task}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                slept.cancel()
                self._watchers.discard(watcher)

    def _watch(self) -> asyncio.Event:
        """An event set when some task next goes to sleep on this clock, watching from now."""
        watcher = asyncio.Event()
        self._watchers.add(watcher)
        return watcher

    async def _next_sleep(self) -> None:
        """Return when some task next goes to sleep on this clock."""
        watcher = self._watch()
        try:
            await watcher.wait()
        finally:
            self._watchers.discard(watcher)
