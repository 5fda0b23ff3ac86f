"""Login throttling on the real database, with the clock given by the test (no sleeping)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account
from federation.identity.login import LoginAttempt, authenticate
from federation.identity.login_throttle import ADDRESS, STRANGERS
from federation.identity.password_threads import PasswordThreads
from hub.core.database import hub_sessions
from hub.core.errors import TooManyAttempts, Unauthenticated

PASSWORD = "kata-sandi-pokja-2026"
T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def address() -> str:
    """An address no other test uses (the throttle table outlives a test)."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


async def official(engine: AsyncEngine) -> str:
    email = f"pokja.{uuid.uuid4().hex[:8]}@malangkab.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        await create_account(session, email, "Anggota Pokja", PASSWORD, email_verified=True)
    return email


async def outcome(engine: AsyncEngine, attempt: LoginAttempt, now: datetime) -> int:
    """200, 401 or the seconds a 429 asks to wait."""
    try:
        with PasswordThreads(1) as passwords:
            await authenticate(hub_sessions(engine), passwords, attempt, now)
    except Unauthenticated:
        return 401
    except TooManyAttempts as limited:
        return limited.retry_after
    return 200


async def test_a_strangers_waits_grow_and_stop_growing_at_the_cap(engine: AsyncEngine) -> None:
    email, attacker = await official(engine), address()
    now, failures, waits = T0, 0, []
    while len(waits) < 9:  # guess again the moment each wait is over
        answer = await outcome(engine, LoginAttempt(email, "tebakan", attacker), now)
        if answer == 401:
            failures += 1
        else:
            waits.append(answer)
            now += timedelta(seconds=answer)
    assert failures == STRANGERS.free + len(waits)  # a refused guess is no failure, it is not tried
    assert waits == [2, 4, 8, 16, 32, 64, 120, 120, 120]
    assert timedelta(seconds=waits[-1]) == STRANGERS.cap


async def test_an_attackers_failures_do_not_stop_the_official_on_their_own_device(
    engine: AsyncEngine,
) -> None:
    email, office, attacker = await official(engine), address(), address()
    assert await outcome(engine, LoginAttempt(email, PASSWORD, office, device="laptop-1"), T0) == 200
    now = T0 + timedelta(hours=1)
    for _ in range(40):  # a stranger keeps the account waiting, guessing whenever it may
        wait = await outcome(engine, LoginAttempt(email, "tebakan", attacker), now)
        now += timedelta(seconds=0 if wait == 401 else wait)
    assert await outcome(engine, LoginAttempt(email, PASSWORD, address()), now) > 1  # strangers wait
    on_device = LoginAttempt(email, "salah ketik", address(), device="laptop-1")
    assert await outcome(engine, on_device, now) == 401  # a typo at home counts only at home
    assert await outcome(engine, LoginAttempt(email, PASSWORD, address(), device="laptop-1"), now) == 200
    from_office = LoginAttempt(email, PASSWORD, office)  # the office's address, cookie cleared
    assert await outcome(engine, from_office, now) == 200


async def test_one_address_guessing_many_accounts_waits_after_its_free_failures(
    engine: AsyncEngine,
) -> None:
    sprayer, answers = address(), []
    for _ in range(ADDRESS.free + 2):
        email = await official(engine)
        answers.append(await outcome(engine, LoginAttempt(email, "Jakarta2026!", sprayer), T0))
    assert answers == [401] * (ADDRESS.free + 1) + [int(ADDRESS.first.total_seconds())]
    assert await outcome(engine, LoginAttempt(await official(engine), PASSWORD, address()), T0) == 200


async def test_a_success_does_not_buy_a_sprayer_fresh_tries_from_the_same_address(
    engine: AsyncEngine,
) -> None:
    sprayer, own = address(), await official(engine)
    now = T0
    for _ in range(ADDRESS.free):
        assert await outcome(engine, LoginAttempt(await official(engine), "tebakan", sprayer), now) == 401
    assert await outcome(engine, LoginAttempt(own, PASSWORD, sprayer), now) == 200
    assert await outcome(engine, LoginAttempt(await official(engine), "tebakan", sprayer), now) == 401
    assert await outcome(engine, LoginAttempt(await official(engine), "tebakan", sprayer), now) == 1


async def test_an_unknown_email_is_throttled_like_a_known_one(engine: AsyncEngine) -> None:
    nobody, attacker = f"nobody.{uuid.uuid4().hex[:8]}@example.go.id", address()
    answers = [await outcome(engine, LoginAttempt(nobody, PASSWORD, attacker), T0) for _ in range(5)]
    assert answers == [401] * (STRANGERS.free + 1) + [int(STRANGERS.first.total_seconds())]
