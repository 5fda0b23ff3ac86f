"""The regencies' availability as the home page shows it, computed at most once a ``ttl``.

Measured: 38 tenants probed every minute, the availability over 24 hours (every probe numbered
into runs of failures, ``monitoring.probes.availability``) takes about 95 ms, and 7 days 0.5 s:
too much for every view of the home page (its goal is 50 ms at the 95th percentile). The figure
moves once a probe round, every minute by default, so it is kept for ``ttl`` seconds per process
by the app's clock (a test moves it by hand); a regency's own page asks for its one tenant, a few
milliseconds, and is not cached.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hub.core.clock import SYSTEM_CLOCK, Clock
from monitoring.probes import Availability

Uptimes = dict[str, Availability]


class UptimeCache:
    """The last availability computed, by tenant code, for ``ttl`` seconds by ``clock``."""

    def __init__(self, ttl: float = 60.0, clock: Clock = SYSTEM_CLOCK) -> None:
        self._ttl = ttl
        self._clock = clock
        self._kept: tuple[float, Uptimes] | None = None

    async def get(self, compute: Callable[[], Awaitable[Uptimes]]) -> Uptimes:
        """The kept figures while they are fresh; else ``compute()``'s, kept from now on."""
        now = self._clock.monotonic()
        if self._kept is not None and now < self._kept[0]:
            return self._kept[1]
        found = await compute()
        self._kept = (now + self._ttl, found)
        return found
