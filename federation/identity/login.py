"""Password login, slowed down per key by ``federation.identity.login_throttle``.

This is the hub's one password check: the OpenID token endpoint has no password grant (codes,
refresh tokens and client secrets are random values, not guessable), and vendors' users log in
here like everyone else. Unknown email and wrong password get the same answer and take the same
time (a dummy hash is verified).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.identity.accounts import find_account
from federation.identity.login_throttle import charge, keys_for, pair_key, prune, refund
from federation.identity.models import Account, AccountStatus
from federation.identity.passwords import HASHER, needs_rehash, verify_password
from hub.core.clock import database_now
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
    sessions: async_sessionmaker[AsyncSession], attempt: LoginAttempt, now: datetime | None = None
) -> Account:
    """The account these credentials open, or ``Unauthenticated``, or ``TooManyAttempts`` with the
    seconds to wait. ``now`` is the database clock unless a test gives one.

    It owns its transactions: the attempt is charged as a failure and committed before the password
    is checked (so every replica sees it at once), then refunded if the password was right.
    """
    async with sessions() as session, session.begin():
        now = now or await database_now(session)
        keys = await keys_for(session, attempt.email, attempt.address, attempt.device, now)
        try:
            await charge(session, keys, now)
        except TooManyAttempts:
            count_login_refusal("throttled")
            raise
    async with sessions() as session, session.begin():
        account = await find_account(session, attempt.email)
        hashed = account.password_hash if account is not None else None
        if (
            account is None
            or not verify_password(hashed, attempt.password)
            or account.status != AccountStatus.ACTIVE
        ):
            count_login_refusal("wrong_credentials")
            raise Unauthenticated(WRONG_CREDENTIALS)
        if hashed is not None and needs_rehash(hashed):
            account.password_hash = HASHER.hash(attempt.password)
        await refund(session, keys, now, pair_key(attempt.email, attempt.address))
        await prune(session, now)
    return account
