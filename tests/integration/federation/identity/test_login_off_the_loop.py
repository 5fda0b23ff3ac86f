"""A login's argon2id check runs in one of the hub's few hashing threads (issue 20): the event loop
answers other requests meanwhile, and no more hashes run at once than there are threads."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from federation.identity.login import LoginAttempt, authenticate
from federation.identity.password_threads import PasswordThreads
from federation.identity.passwords import verify_password
from hub.core.database import hub_sessions
from tests.integration.federation.identity.test_login_throttle import PASSWORD, address, official


async def test_the_password_is_checked_in_a_hashing_thread_while_the_loop_answers(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = await official(engine)
    loop = asyncio.get_running_loop()
    checked: list[tuple[str, bool]] = []

    def watched(password_hash: str | None, password: str) -> bool:
        # Ask the loop to answer while the hash runs: on the loop's own thread it never could.
        answered = threading.Event()
        loop.call_soon_threadsafe(answered.set)
        checked.append((threading.current_thread().name, answered.wait(timeout=30)))
        return verify_password(password_hash, password)

    monkeypatch.setattr("federation.identity.password_threads.verify_password", watched)
    with PasswordThreads(2) as passwords:
        account = await authenticate(
            hub_sessions(engine), passwords, LoginAttempt(email, PASSWORD, address())
        )
    assert account.email == email
    [(thread, loop_answered)] = checked
    assert thread.startswith("argon2id")
    assert loop_answered


async def test_hashes_beyond_the_threads_wait_their_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    entered, gate, lock = threading.Semaphore(0), threading.Event(), threading.Lock()
    inside = peak = 0

    def held(password_hash: str | None, password: str) -> bool:
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        entered.release()
        gate.wait(timeout=30)
        with lock:
            inside -= 1
        return True

    monkeypatch.setattr("federation.identity.password_threads.verify_password", held)
    with PasswordThreads(2) as passwords:
        checks = [asyncio.ensure_future(passwords.verify(None, "kata-sandi-apa-saja")) for _ in range(5)]
        for _ in range(2):
            assert await asyncio.to_thread(entered.acquire, timeout=30)
        with lock:
            assert inside == 2  # the three others wait for a thread, holding no memory of argon2's
        gate.set()
        assert await asyncio.gather(*checks) == [True] * 5
    assert peak == 2


async def test_the_hashing_threads_yield_the_cores_to_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hashing thread runs niced below the loop's thread: on a busy machine the loop answers first."""
    priorities: list[int] = []

    def noted(password_hash: str | None, password: str) -> bool:
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return True

    monkeypatch.setattr("federation.identity.password_threads.verify_password", noted)
    loop_priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with PasswordThreads(1, niceness=10) as passwords:
        assert await passwords.verify(None, "kata-sandi-apa-saja")
    assert priorities == [min(loop_priority + 10, 19)]


async def test_a_login_takes_its_place_before_its_first_statement_and_gives_it_back(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one place (one thread, one login a thread), every session the login opens and its hash
    run while it holds that place; once it is done, the place is free for the next login."""
    email = await official(engine)
    sessions = hub_sessions(engine)
    with PasswordThreads(1, logins_per_thread=1) as passwords:
        place = passwords.admitted()
        held_when: list[tuple[str, bool]] = []

        def opened() -> AsyncSession:
            held_when.append(("session", place.locked()))
            return sessions()

        def noted(password_hash: str | None, password: str) -> bool:
            held_when.append(("hash", place.locked()))
            return verify_password(password_hash, password)

        monkeypatch.setattr("federation.identity.password_threads.verify_password", noted)
        account = await authenticate(
            cast(async_sessionmaker[AsyncSession], opened),
            passwords,
            LoginAttempt(email, PASSWORD, address()),
        )
        assert not place.locked()
    assert account.email == email
    assert held_when == [("session", True), ("hash", True), ("session", True)]
