"""Password login, slowed down per key by ``federation.identity.login_throttle``.

This is the hub's one password check: the OpenID token endpoint has no password grant (codes,
refresh tokens and client secrets are random values, not guessable), and vendors' users log in
here like everyone else. Unknown email and wrong password get the same answer and take the same
time (a dummy hash is verified).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.identity.accounts import find_account
from federation.identity.login_throttle import charge, keys_for, pair_key, prune, refund
from federation.identity.models import Account, AccountStatus
from federation.identity.password_threads import PasswordThreads
from federation.identity.passwords import needs_rehash
from hub.core.errors import TooManyAttempts, Unauthenticated
from monitoring.metrics import count_login_refusal

WRONG_CREDENTIALS = "wrong email or password"


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """Who tries to log in, from where: ``address`` is the client (past trusted proxies only) and
    ``device`` the id in a valid device cookie issued to this email, if the browser sent one."""

    email: str
    password: str = field(repr=False)
    address: str
    device: str | None = field(default=None, repr=False)


async def authenticate(
    sessions: async_sessionmaker[AsyncSession],
    passwords: PasswordThreads,
    attempt: LoginAttempt,
    now: datetime | None = None,
    on_success: Callable[[AsyncSession, Account], Awaitable[None]] | None = None,
) -> Account:
    """The account these credentials open, or ``Unauthenticated``, or ``TooManyAttempts`` with the
    seconds to wait. ``now`` is the database clock unless a test gives one. The password is hashed
    in one of ``passwords``' threads, off the event loop, and only once the attempt is charged.
    ``on_success`` runs in the transaction that records the login (a vendor's login counted).

    It owns its two transactions: the attempt is charged as a failure, the account read, and both
    committed before the password is checked (so every replica sees the charge at once); then the
    charge is refunded if the password was right. No connection is held while the password is
    hashed: the logins queued for a hashing thread do not empty the pool. Each login's statements
    run on the event loop beside every other request, so it takes two transactions and seven
    statements (``tests/e2e/test_login_statements.py``), and waits for a place among the logins
    under way (``PasswordThreads.admitted``) before its first.
    """
    async with passwords.admitted():
        return await _authenticate(sessions, passwords, attempt, now, on_success)


async def _authenticate(
    sessions: async_sessionmaker[AsyncSession],
    passwords: PasswordThreads,
    attempt: LoginAttempt,
    now: datetime | None,
    on_success: Callable[[AsyncSession, Account], Awaitable[None]] | None,
) -> Account:
    async with sessions() as session, session.begin():
        keys, now = await keys_for(session, attempt.email, attempt.address, attempt.device, now)
        try:
            await charge(session, keys, now)
        except TooManyAttempts:
            count_login_refusal("throttled")
            raise
        account = await find_account(session, attempt.email)
    hashed = account.password_hash if account is not None else None
    if (
        not await passwords.verify(hashed, attempt.password)
        or account is None
        or account.status != AccountStatus.ACTIVE
    ):
        count_login_refusal("wrong_credentials")
        raise Unauthenticated(WRONG_CREDENTIALS)
    rehashed = await passwords.hash(attempt.password) if hashed and needs_rehash(hashed) else None
    async with sessions() as session, session.begin():
        if rehashed is not None:  # unless the password changed meanwhile
            await session.execute(
                update(Account)
                .where(Account.id == account.id, Account.password_hash == hashed)
                .values(password_hash=rehashed)
            )
            account.password_hash = rehashed
        await refund(session, keys, now, pair_key(attempt.email, attempt.address))
        await prune(session, now)
        if on_success is not None:
            await on_success(session, account)
    return account
