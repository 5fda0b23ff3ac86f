"""The hub's few threads for argon2id, so a password check never stalls the event loop.

An argon2id check with our parameters (``federation.identity.passwords``) costs about 35 ms of CPU
and 19 MiB of memory. On the event loop, 32 logins at once made every other request of the process
(``/health/live`` included) wait for all of them (docs/BENCHMARKS.md, issue 20). argon2-cffi
releases the GIL while it hashes, so the work goes to a thread; but not to a thread per login: each
hash in flight holds its 19 MiB, and more threads than cores hash no faster. ``PasswordThreads``
runs at most ``threads`` hashes at once (``THREADS``: the cores, at most four, so at most 76 MiB);
further logins queue for a thread instead of each taking memory, so a flood of logins makes logins
slower, never the process out of memory. The login throttle charges an attempt before its password
is hashed (``federation.identity.login``), so a throttled attempt never reaches the queue.

The hashing threads run at a lower scheduling priority than the event loop (``NICENESS``, Linux's
per-thread nice value): with one hashing thread a core, the hashes would otherwise take the cores
from the loop as an equal, and every other request of the process would queue behind a scheduler
slice (p99 of ``/health/live`` 27 ms under 32 logins on two cores). Niced, they take what the loop
leaves: logins are as fast on an idle machine, and the loop answers first on a busy one.

A login also does work on the loop (its statements, its pages), about 13 ms of CPU in all. 32 logins
arriving at once did theirs in the same few iterations of the loop, so every other request waited
behind all of them (p99 of ``/health/live`` 24-60 ms on two cores). ``admitted()`` lets at most
``LOGINS_PER_THREAD`` logins a hashing thread be under way; the others wait for a place before their
first statement, holding no connection. A thread has no more than that to do anyway: a login
waiting for the hash of another gains nothing by having been charged sooner.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

from federation.identity.passwords import HASHER, verify_password

THREADS = min(os.cpu_count() or 1, 4)
"""How many argon2id hashes run at once, by default: one a core, at most four (4 x 19 MiB)."""
LOGINS_PER_THREAD = 2
"""How many logins may be under way (charged, hashed, refunded) a hashing thread: one hashing while
the other does its statements."""
NICENESS = 10
"""How much lower than the loop's a hashing thread's priority is (Linux's nice, 0-19: at 10, a thread
gets about a tenth of the CPU share of one at 0 when both want the same core)."""


def _lower_priority(niceness: int) -> None:
    """Lower the calling thread's priority by ``niceness`` (a thread's nice value is its own on
    Linux; lowering it needs no privilege). Where the system has no per-thread priority, a no-op."""
    with contextlib.suppress(AttributeError, OSError):  # no setpriority, or not allowed: run as is
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + niceness)


class PasswordThreads:
    """At most ``threads`` argon2id hashes at once, each in a thread of this pool; a context manager
    that waits for the hashes under way when it closes. One per app (``hub.web.app`` holds it in
    its state)."""

    def __init__(
        self, threads: int = THREADS, niceness: int = NICENESS, logins_per_thread: int = LOGINS_PER_THREAD
    ) -> None:
        self.threads = threads
        self._logins = asyncio.Semaphore(threads * logins_per_thread)
        self._executor = ThreadPoolExecutor(
            max_workers=threads,
            thread_name_prefix="argon2id",
            initializer=_lower_priority,
            initargs=(niceness,),
        )

    def admitted(self) -> asyncio.Semaphore:
        """A place for one login, for its whole course (``async with passwords.admitted():``): at
        most ``logins_per_thread`` a thread at once, the others wait in arrival order."""
        return self._logins

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """``passwords.verify_password`` in a thread: as long, checked against the dummy hash when
        ``password_hash`` is ``None``, so the answer's time still does not tell whether the account
        exists."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, verify_password, password_hash, password)

    async def hash(self, password: str) -> str:
        """A new argon2id hash of ``password`` with today's parameters, in a thread (no strength
        check: for a rehash of a password that was just verified)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, HASHER.hash, password)

    def __enter__(self) -> PasswordThreads:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
