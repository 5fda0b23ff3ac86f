"""Login throttling without the database: the backoff, the address keys, the attempt."""

from __future__ import annotations

from datetime import timedelta

from federation.identity.login import LoginAttempt
from federation.identity.login_throttle import ADDRESS, KNOWN_CLIENT, STRANGERS, Backoff, address_key


def test_waits_double_after_the_free_failures_and_stop_at_the_cap() -> None:
    backoff = Backoff(free=2, first=timedelta(seconds=3), cap=timedelta(seconds=20))
    assert [backoff.wait_after(n).total_seconds() for n in range(1, 8)] == [0, 0, 3, 6, 12, 20, 20]
    assert backoff.wait_after(10_000) == timedelta(seconds=20)


def test_no_key_ever_waits_longer_than_two_minutes() -> None:
    for backoff in (STRANGERS, ADDRESS, KNOWN_CLIENT):
        assert backoff.wait_after(1_000_000) <= timedelta(minutes=2)


def test_an_ipv6_client_is_counted_by_its_64_so_it_cannot_walk_its_own_subnet() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("unknown") == "unknown"


def test_an_attempt_never_shows_its_password() -> None:
    attempt = LoginAttempt("pokja@malangkab.go.id", "rahasia-sekali", "203.0.113.7", device="d1")
    assert "rahasia-sekali" not in repr(attempt)
    assert "d1" not in repr(attempt)
