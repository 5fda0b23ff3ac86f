"""The opening's checks and decryption in a worker process, which shares no GIL with the loop.

In a worker thread (``unsealing.IN_THREAD``) the decryption held the GIL while it parsed and hashed
each bid, and the event loop waited for it up to a switch interval (5 ms) at each of a request's
wakeups: during an opening of 300 bids the p99 of ``GET /health/live`` stayed at 18-29 ms on two
cores (issue 20, docs/BENCHMARKS.md). A process has its own interpreter: the loop waits for nothing
but a core.

``UnsealingProcesses`` is one per app (``hub.web.app`` holds it in its state and closes it with the
app): a ``ProcessPoolExecutor`` of ``PROCESSES`` worker, started by a fork server (never a plain
fork of the threaded hub process), as the first opening begins (in a thread, while the opening
reads its bids: ``warm``), niced below the loop as the hashing threads are
(``federation.identity.password_threads``). Each chunk of bids is sent with the tender's private key
and a checker narrowed to the chunk (``BidChecker.narrowed_to``); the verdicts come back in order,
the next chunk worked while the opening records the last one (``AHEAD`` chunks in flight).

A worker that dies (killed, out of memory) breaks the pool: the opening under way raises
``WorkerUnavailable`` (503, to be retried) instead of skipping a bid, and since the opening writes
in its caller's transaction, which the error rolls back, nothing of it stays. The broken pool is
replaced at once, so the retry finds a new worker. What the worker holds, and for how long:
docs/SECURITY.md, "The opening's worker process".
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import AsyncGenerator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any

from hub.core.errors import WorkerUnavailable
from tenants.tenders.bidding import unsealing
from tenants.tenders.bidding.integrity import BidChecker, SealedBid
from tenants.tenders.models import Bid

PROCESSES = 1
"""Worker processes a hub worker opens bids with: one, so an opening takes at most one core from
the loop's two; a second opening at the same time queues its chunks behind the first's."""
NICENESS = 10
"""How much lower than the hub's the worker's priority is (Linux's nice, 0-19), as the hashing
threads' (``federation.identity.password_threads``): on two cores the decryption takes what the
loop leaves, and the loop answers first."""
AHEAD = 2
"""Chunks in flight at once: the one the opening waits for and the next, worked while the opening
records the first (so the worker is not idle during the audit's round trip)."""
START_METHOD = "forkserver"
"""A fork server, not ``fork``: forking the hub's process, with its threads (the hashing pool, the
executor's own) holding locks, could leave the child deadlocked on a lock no thread releases."""


def _started_worker(executor: ProcessPoolExecutor) -> None:
    """Start ``executor``'s worker and wait until it has imported the opening's modules; in a
    thread. Starting one blocks its caller until the fork server has forked it (and, the first
    time, until the fork server itself has started): a step of up to a few hundred milliseconds,
    which on the loop every request would wait for."""
    executor.submit(_imported).result()


def _imported() -> None:
    """Nothing: sent to a new worker, whose unpickling of it imports this module and so the
    opening's (about a second of CPU), before its first chunk arrives."""


class UnsealingProcesses:
    """The opening's worker processes; an ``unsealing.Unsealer``, and a context manager that stops
    them when it closes."""

    def __init__(self, processes: int = PROCESSES, niceness: int = NICENESS) -> None:
        self._processes = processes
        self._niceness = niceness
        self._executor = self._pool()
        self._starting: tuple[ProcessPoolExecutor, asyncio.Task[None]] | None = None
        """The pool whose worker is starting or started, and the task starting it in a thread."""

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._processes,
            mp_context=multiprocessing.get_context(START_METHOD),
            # ``os.nice`` itself, not a function of ours: the worker imports nothing to run it, so
            # it is niced before it imports the opening's modules (a second of CPU) for its first chunk.
            initializer=os.nice,
            initargs=(self._niceness,),
        )

    async def chunks(
        self, bids: Sequence[Bid], private: bytes, checker: BidChecker, tenant_code: str
    ) -> AsyncGenerator[unsealing.Verdicts, None]:
        """``bids`` in order, each with its verdict, ``unsealing.CHUNK`` at a time as the worker
        process gives them back; ``WorkerUnavailable`` if it died (the pool is replaced)."""
        executor = self._executor
        chunks = [bids[start : start + unsealing.CHUNK] for start in range(0, len(bids), unsealing.CHUNK)]
        in_flight: list[Future[list[dict[str, Any]]]] = []
        try:
            await self._started(executor)
            for index, chunk in enumerate(chunks):
                while len(in_flight) < AHEAD and index + len(in_flight) < len(chunks):
                    ahead = chunks[index + len(in_flight)]
                    in_flight.append(self._submit(executor, ahead, private, checker, tenant_code))
                verdicts = await asyncio.wrap_future(in_flight.pop(0))
                yield list(zip(chunk, verdicts, strict=True))
        except BrokenProcessPool as broken:
            self._replace(executor)
            raise WorkerUnavailable(
                "the worker process opening the bids stopped; nothing of this opening was recorded, retry it"
            ) from broken
        finally:
            for future in in_flight:
                future.cancel()

    def warm(self) -> None:
        """Start the worker now, if it has not started, without waiting for it: an opening calls this
        before its reads, so the worker's start overlaps them rather than delaying its first chunk."""
        executor = self._executor
        if self._starting is None or self._starting[0] is not executor:
            self._starting = (executor, asyncio.create_task(asyncio.to_thread(_started_worker, executor)))

    async def _started(self, executor: ProcessPoolExecutor) -> None:
        self.warm()
        assert self._starting is not None
        if self._starting[0] is executor:
            # Shielded: an opening cancelled while it waits (its client gone) must not cancel the
            # start the next opening will wait for.
            await asyncio.shield(self._starting[1])

    def _submit(
        self,
        executor: ProcessPoolExecutor,
        chunk: Sequence[Bid],
        private: bytes,
        checker: BidChecker,
        tenant_code: str,
    ) -> Future[list[dict[str, Any]]]:
        sealed = [SealedBid.of(bid) for bid in chunk]  # plain values: an ORM object does not travel
        return executor.submit(
            unsealing.verdicts_of, sealed, private, checker.narrowed_to(sealed), tenant_code
        )

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A new pool for the next opening, unless another opening replaced the broken one first."""
        if self._executor is broken:
            self._executor = self._pool()
            broken.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> UnsealingProcesses:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
