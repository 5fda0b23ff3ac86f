"""The home page's uptime figures are computed once, then renewed in the background once a minute:
no view after the first waits for them."""

from __future__ import annotations

from datetime import timedelta

from hub.web.portal.uptime import UptimeCache, Uptimes
from monitoring.probes import Availability
from tests.manual_clock import ManualClock


def counted(computed: list[int]) -> Uptimes:
    computed.append(len(computed))
    return {"3507": Availability("3507", "kab-malang", len(computed), 1, None, timedelta())}


async def test_uptime_is_computed_once_then_renewed_in_the_background_after_its_ttl() -> None:
    clock = ManualClock()
    computed: list[int] = []

    async def compute() -> Uptimes:
        return counted(computed)

    cache = UptimeCache(compute, ttl=60, clock=clock)
    first = await cache.get()
    await clock.advance(59)
    assert await cache.get() is first
    await clock.advance(1)
    assert await cache.get() is first  # stale: answered at once with what is kept, renewal started
    await cache.renewed()
    again = await cache.get()
    assert again is not first
    assert again["3507"].probes == 2
    assert computed == [0, 1]


async def test_a_failed_renewal_keeps_the_figures_and_the_next_stale_view_tries_again() -> None:
    clock = ManualClock()
    computed: list[int] = []
    failing = [False]

    async def compute() -> Uptimes:
        if failing[0]:
            raise ConnectionError("database down")
        return counted(computed)

    cache = UptimeCache(compute, ttl=60, clock=clock)
    first = await cache.get()
    failing[0] = True
    await clock.advance(60)
    assert await cache.get() is first
    await cache.renewed()
    failing[0] = False
    assert await cache.get() is first  # still stale: a renewal starts again
    await cache.renewed()
    assert (await cache.get())["3507"].probes == 2
