"""The pool's gauges: connections in use, requests waiting for one, and its capacity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from monitoring.metrics import _series as series


def instrument_pool(engine: AsyncEngine) -> None:
    """Count this engine's checkouts, check-ins and waits into the process's pool gauges.

    SQLAlchemy's pool has events for a checkout and a check-in but none for starting to wait, so
    the wait is counted around the pool's own ``_do_get`` (a wait is the time spent in it).
    """
    pool: Any = engine.sync_engine.pool
    series.pool_size.inc(pool.size() + max(pool._max_overflow, 0))
    event.listen(pool, "checkout", lambda *_: series.pool_in_use.inc())
    event.listen(pool, "checkin", lambda *_: series.pool_in_use.dec())
    take: Callable[[], Any] = pool._do_get

    def waited_for() -> Any:
        series.pool_waiting.inc()
        try:
            return take()
        finally:
            series.pool_waiting.dec()

    pool._do_get = waited_for
