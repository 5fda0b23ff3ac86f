"""The home page's uptime figures are computed once a minute, not on every view."""

from __future__ import annotations

from datetime import timedelta

from hub.web.portal.uptime import UptimeCache, Uptimes
from monitoring.probes import Availability
from tests.manual_clock import ManualClock


async def test_uptime_is_computed_again_only_once_its_ttl_has_passed() -> None:
    clock = ManualClock()
    cache = UptimeCache(ttl=60, clock=clock)
    computed: list[int] = []

    async def compute() -> Uptimes:
        computed.append(len(computed))
        return {"3507": Availability("3507", "kab-malang", len(computed), 1, None, timedelta())}

    first = await cache.get(compute)
    await clock.advance(59)
    assert await cache.get(compute) is first
    await clock.advance(1)
    again = await cache.get(compute)
    assert again is not first
    assert again["3507"].probes == 2
    assert computed == [0, 1]
