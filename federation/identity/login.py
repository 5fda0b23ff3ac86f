"""Password login, with failures rate-limited per account and per client address.

The limits are counted in ``hub.login_failures``, so they hold across every replica. Unknown email
and wrong password get the same answer and take the same time (a dummy hash is verified).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from federation.identity.accounts import find_account
from federation.identity.models import Account, AccountStatus, LoginFailure
from federation.identity.passwords import HASHER, needs_rehash, verify_password
from hub.core.clock import utcnow
from hub.core.errors import TooManyAttempts, Unauthenticated

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
WRONG_CREDENTIALS = "wrong email or password"


async def _retry_after(
    session: AsyncSession, column: InstrumentedAttribute[str], value: str, limit: int
) -> int | None:
    """Seconds until a new attempt is allowed, or ``None`` if under the limit."""
    since = utcnow() - WINDOW
    times = (
        await session.execute(
            select(LoginFailure.at)
            .where(column == value, LoginFailure.at > since)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        )
    ).scalars().all()  # fmt: skip
    if len(times) < limit:
        return None
    return max(1, int((times[-1] + WINDOW - utcnow()).total_seconds()) + 1)


async def check_login_allowed(session: AsyncSession, email: str, address: str) -> None:
    key = email.strip().lower()
    for column, value, limit in (
        (LoginFailure.account_key, key, MAX_FAILURES_PER_ACCOUNT),
        (LoginFailure.address, address, MAX_FAILURES_PER_ADDRESS),
    ):
        wait = await _retry_after(session, column, value, limit)
        if wait is not None:
            raise TooManyAttempts(f"too many failed logins; try again in {wait} seconds", retry_after=wait)


async def authenticate(session: AsyncSession, email: str, password: str, address: str) -> Account:
    """The account these credentials open. A failure is recorded in the caller's transaction,
    which must commit it even though the login fails (see ``hub/web/controllers/login.py``)."""
    await check_login_allowed(session, email, address)
    account = await find_account(session, email)
    hashed = account.password_hash if account is not None else None
    if account is None or not verify_password(hashed, password) or account.status != AccountStatus.ACTIVE:
        session.add(LoginFailure(account_key=email.strip().lower()[:254], address=address[:64]))
        await session.flush()
        raise Unauthenticated(WRONG_CREDENTIALS)
    if hashed is not None and needs_rehash(hashed):
        account.password_hash = HASHER.hash(password)
    await session.execute(
        delete(LoginFailure).where(func.lower(LoginFailure.account_key) == account.email.lower())
    )
    return account
