"""The backoff of login throttling: free failures, then doubling waits, never past the cap."""

from __future__ import annotations

from datetime import timedelta

from federation.identity.login_throttle import ADDRESS, KNOWN_CLIENT, STRANGERS, Backoff


def test_waits_double_after_the_free_failures_and_stop_at_the_cap() -> None:
    backoff = Backoff(free=2, first=timedelta(seconds=3), cap=timedelta(seconds=20))
    assert [backoff.wait_after(n).total_seconds() for n in range(1, 8)] == [0, 0, 3, 6, 12, 20, 20]
    assert backoff.wait_after(10_000) == timedelta(seconds=20)


def test_no_key_ever_waits_longer_than_two_minutes() -> None:
    for backoff in (STRANGERS, ADDRESS, KNOWN_CLIENT):
        assert backoff.wait_after(1_000_000) <= timedelta(minutes=2)
