"""Probe rounds in the background of a running hub, every ``probe_interval_seconds``.

Every hub process (worker, replica) runs the schedule; the round's lock and its ``min_gap`` of
half an interval (see ``monitoring.probes.rounds``) leave about one round per interval between
them. The first round comes one interval after start, so a process that starts and stops at
once (a test, a crashed worker restarting) does not probe. Whatever goes wrong in a round is
logged and the schedule carries on; it never reaches the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.clock import SYSTEM_CLOCK, Clock
from hub.core.settings import Settings
from monitoring.probes.rounds import probe_round

logger = logging.getLogger("hub.probes")


@contextlib.asynccontextmanager
async def probing(
    engine: AsyncEngine, settings: Settings, clock: Clock = SYSTEM_CLOCK
) -> AsyncIterator[None]:
    """Probe rounds run while the context is open (none when the interval is 0); cancelled on exit.
    The intervals are waited on ``clock``."""
    if settings.probe_interval_seconds <= 0:
        yield
        return
    task = asyncio.create_task(_every_interval(engine, settings, clock), name="lpse-hub probe rounds")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _every_interval(engine: AsyncEngine, settings: Settings, clock: Clock) -> None:
    interval = settings.probe_interval_seconds
    while True:
        await clock.sleep(interval)
        await _one_round(engine, settings, timedelta(seconds=interval / 2))


async def _one_round(engine: AsyncEngine, settings: Settings, min_gap: timedelta) -> None:
    try:
        done = await probe_round(engine, settings, min_gap=min_gap)
    except Exception:  # the database gone, the hub not migrated: say so, try again next interval
        logger.exception("probe round failed")
        return
    if done.skipped is not None:
        logger.debug("probe round skipped: %s", done.skipped)
    elif done.down:
        names = ", ".join(f"{r.tenant_slug} ({r.error})" for r in done.down)
        logger.warning("probe round: %d of %d tenants down: %s", len(done.down), len(done.results), names)
    else:
        logger.info("probe round: %d tenants up", len(done.results))
    for r in done.with_bid_problems:
        logger.warning("probe round: tenant %s: %s", r.tenant_slug, r.bids_problem)
