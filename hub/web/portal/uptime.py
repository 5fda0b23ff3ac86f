"""The regencies' availability as the home page shows it, computed at most once a ``ttl``.

Measured: 38 tenants probed every minute, the availability over 24 hours (every probe numbered
into runs of failures, ``monitoring.probes.availability``) takes about 95 ms, and 7 days 0.5 s:
too much for every view of the home page (its goal is 50 ms at the 95th percentile). The figure
moves once a probe round, every minute by default, so it is kept for ``ttl`` seconds per process
by the app's clock (a test moves it by hand); a regency's own page asks for its one tenant, a few
milliseconds, and is not cached.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hub.core.clock import SYSTEM_CLOCK, Clock
from monitoring.probes import Availability

Uptimes = dict[str, Availability]
logger = logging.getLogger(__name__)


class UptimeCache:
    """The last availability computed, by tenant code, renewed after ``ttl`` seconds by ``clock``.

    Only the first view computes while the page waits. After that a view past the ``ttl`` is answered
    with the figures kept and starts one computation in the background (stale while revalidating):
    at 514 tenants a computation took 150-190 ms, which every minute landed on one visitor of the
    home page and made its 95th percentile (docs/BENCHMARKS.md, issue 18). ``compute`` opens its own
    session, since the request that starts it may be gone by the time it runs.
    """

    def __init__(
        self, compute: Callable[[], Awaitable[Uptimes]], ttl: float = 60.0, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._compute = compute
        self._ttl = ttl
        self._clock = clock
        self._kept: tuple[float, Uptimes] | None = None
        self._renewing: asyncio.Task[None] | None = None

    async def get(self) -> Uptimes:
        """The figures kept (renewed in the background once stale); computed now only the first time."""
        now = self._clock.monotonic()
        if self._kept is None:
            found = await self._compute()
            self._kept = (now + self._ttl, found)
            return found
        if now >= self._kept[0] and (self._renewing is None or self._renewing.done()):
            self._renewing = asyncio.create_task(self._renew(), name="portal uptime")
        return self._kept[1]

    async def _renew(self) -> None:
        try:
            found = await self._compute()
        except Exception:  # a failed renewal keeps the old figures; the next stale view tries again
            logger.warning("the portal's uptime figures could not be renewed", exc_info=True)
            return
        self._kept = (self._clock.monotonic() + self._ttl, found)

    async def renewed(self) -> None:
        """Wait for a renewal under way, if any (for tests and for shutting down cleanly)."""
        if self._renewing is not None:
            await asyncio.shield(self._renewing)
