"""Slowing down password guessing without letting anyone lock a person out.

A lockout counted per account (five failures, then 15 minutes refused) hands every stranger a way
to shut an official out on a deadline day. This follows OWASP's "Slow Down Online Guessing Attacks
with Device Cookies" and its Authentication Cheat Sheet instead:

- Failures are counted per *key*, and each key waits after its failures by a capped exponential
  backoff (``Backoff``): never a lockout, at most ``cap`` between two tries.
- Which keys an attempt is counted under depends on whether the client is one the account knows.
  A browser holding the account's device cookie (issued at its last successful login) is counted
  under its own ``device:`` key only; a client at an address the account logged in from in the last
  ``TRUST_FOR`` under the ``pair:`` key of that account and address only. Anyone else is counted
  under ``account:`` (every unknown client of that account together) and ``address:`` (every account
  tried from that address). An attacker's failures therefore slow the attacker, the account for
  strangers, and the attacker's address; never the official's own browser or office.
- A try is charged as a failure *before* the password is checked, in a transaction of its own, and
  refunded when it succeeds: so parallel tries on several replicas cannot slip past a wait that the
  first of them would have set. Rows are locked in key order, never across the password check.

The ``limits`` package (under Litestar's rate limiter) counts in memory, Redis, Memcached or
MongoDB; the hub has only PostgreSQL, and every replica must agree, so the counts live in
``hub.login_throttles`` and time is the database's (or one given by the caller, in tests).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import LoginThrottle
from hub.core.clock import database_now, remember_database_now
from hub.core.errors import TooManyAttempts

FORGET_AFTER = timedelta(minutes=15)
"""A key's failures are forgotten this long after its last one: counting starts again."""
TRUST_FOR = timedelta(days=30)
"""How long an address stays known to an account after a successful login from it."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """After ``free`` failures, each further failure makes its key wait ``first``, then twice as
    long each time, never longer than ``cap``."""

    free: int
    first: timedelta
    cap: timedelta

    def wait_after(self, failures: int) -> timedelta:
        if failures <= self.free:
            return timedelta(0)
        doublings = min(failures - self.free - 1, 32)  # 2**32 seconds is past any cap
        return min(self.first * (1 << doublings), self.cap)


STRANGERS = Backoff(free=3, first=timedelta(seconds=2), cap=timedelta(minutes=2))
"""Every client the account does not know, together (``account:``)."""
ADDRESS = Backoff(free=20, first=timedelta(seconds=1), cap=timedelta(minutes=2))
"""Every account tried from one address by clients those accounts do not know (``address:``);
a whole office may share one address, hence more free failures than for one account."""
KNOWN_CLIENT = Backoff(free=5, first=timedelta(seconds=1), cap=timedelta(minutes=1))
"""One device, or one known address, of one account (``device:``, ``pair:``): its own typos only."""


@dataclass(frozen=True, slots=True)
class ThrottleKey:
    key: str
    backoff: Backoff
    forgiving: bool
    """Whether a success wipes this key's failures (not for an address: one good account there
    must not buy a password sprayer fresh tries at every other)."""


def account_key(email: str) -> str:
    return email.strip().lower()[:254]


def address_key(address: str) -> str:
    """An IPv4 address as it is; an IPv6 one as its /64, which one subscriber usually holds whole
    (a key per /128 would give an attacker 2**64 fresh addresses)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def pair_key(email: str, address: str) -> str:
    return f"pair:{account_key(email)} {address_key(address)}"


async def keys_for(
    session: AsyncSession, email: str, address: str, device: str | None, now: datetime | None = None
) -> tuple[list[ThrottleKey], datetime]:
    """The keys an attempt is counted under (the known client's own, or the stranger's two), and the
    time it is judged at: ``now``, or the database clock read by the same statement."""
    if device is not None:
        return [ThrottleKey(f"device:{device}", KNOWN_CLIENT, forgiving=True)], now or await database_now(
            session
        )
    pair = pair_key(email, address)
    clock, trusted_until = (await session.execute(_CLOCK_AND_TRUST, {"pair": pair})).one()
    remember_database_now(session, clock)
    now = now or clock
    if trusted_until is not None and trusted_until > now:
        return [ThrottleKey(pair, KNOWN_CLIENT, forgiving=True)], now
    return [
        ThrottleKey(f"account:{account_key(email)}", STRANGERS, forgiving=True),
        ThrottleKey(f"address:{address_key(address)}", ADDRESS, forgiving=False),
    ], now


_CLOCK_AND_TRUST = select(
    func.now(),
    select(LoginThrottle.trusted_until).where(LoginThrottle.key == bindparam("pair")).scalar_subquery(),
)
"""The transaction's clock and whether the account knows this address, in one round trip."""


async def _locked_rows(
    session: AsyncSession, keys: Sequence[ThrottleKey], now: datetime
) -> dict[str, LoginThrottle]:
    """Each key's row, made if missing and locked until the transaction ends (an upsert, so a row
    pruned meanwhile is made again rather than missed)."""
    names = sorted({k.key for k in keys})  # one lock order everywhere: no deadlock between attempts
    rows = await session.scalars(
        _UPSERT,
        [{"key": name, "failures": 0, "expires_at": now} for name in names],
        execution_options={"populate_existing": True},
    )
    return {row.key: row for row in rows}


_INSERT = insert(LoginThrottle)
_UPSERT = _INSERT.on_conflict_do_update(
    index_elements=[LoginThrottle.key], set_={"key": _INSERT.excluded.key}
).returning(LoginThrottle)
"""Each key's row, made or found, locked: one statement for all the keys, built and compiled once
(rows given as ``.values([...])`` made a statement SQLAlchemy cannot cache, compiled at every login
on the event loop). The rows are sent in the order given, so they are locked in that order."""


async def charge(session: AsyncSession, keys: Sequence[ThrottleKey], now: datetime) -> None:
    """Count this attempt as a failure under every key, or raise ``TooManyAttempts`` (with the
    seconds to wait) when one of them is still waiting. The caller commits before checking the
    password, and calls ``refund`` if it was right."""
    rows = await _locked_rows(session, keys, now)
    waiting = [row.blocked_until for row in rows.values() if row.blocked_until and row.blocked_until > now]
    if waiting:
        seconds = max(1, math.ceil((max(waiting) - now).total_seconds()))
        raise TooManyAttempts(f"too many failed logins; try again in {seconds} seconds", retry_after=seconds)
    for key in keys:
        row = rows[key.key]
        forgotten = row.last_failure_at is None or row.last_failure_at <= now - FORGET_AFTER
        row.failures = 1 if forgotten else row.failures + 1
        row.last_failure_at = now
        row.blocked_until = now + key.backoff.wait_after(row.failures)
        row.expires_at = max(row.expires_at, row.blocked_until + FORGET_AFTER)
    await session.flush()


async def refund(
    session: AsyncSession, keys: Sequence[ThrottleKey], now: datetime, trusted_pair: str
) -> None:
    """The attempt charged at ``now`` succeeded: take its failure back, wipe a forgiving key's
    failures, and know ``trusted_pair`` (the account at this address) for ``TRUST_FOR``."""
    rows = await _locked_rows(session, [*keys, ThrottleKey(trusted_pair, KNOWN_CLIENT, True)], now)
    for key in keys:
        row = rows[key.key]
        row.failures = 0 if key.forgiving else max(0, row.failures - 1)
        if key.forgiving or row.last_failure_at == now:  # nobody failed under it since this attempt
            row.blocked_until = None
    pair = rows[trusted_pair]
    pair.trusted_until = now + TRUST_FOR
    pair.expires_at = max(pair.expires_at, pair.trusted_until)
    await session.flush()


async def prune(session: AsyncSession, now: datetime, limit: int = 100) -> None:
    """Drop up to ``limit`` rows that mean nothing any more; called at each successful login, so
    an attacker's many addresses are swept up by the logins that follow."""
    stale = select(LoginThrottle.key).where(LoginThrottle.expires_at < now).limit(limit)
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(stale)))
