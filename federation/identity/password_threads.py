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
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

from federation.identity.passwords import HASHER, verify_password

THREADS = min(os.cpu_count() or 1, 4)
"""How many argon2id hashes run at once, by default: one a core, at most four (4 x 19 MiB)."""


class PasswordThreads:
    """At most ``threads`` argon2id hashes at once, each in a thread of this pool; a context manager
    that waits for the hashes under way when it closes. One per app (``hub.web.app`` holds it in
    its state)."""

    def __init__(self, threads: int = THREADS) -> None:
        self.threads = threads
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2id")

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
