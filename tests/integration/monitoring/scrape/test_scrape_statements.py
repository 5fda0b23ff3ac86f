"""A scrape asks the database the same three statements whether the hub has one tenant or many."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions
from monitoring.probes import probe_all
from monitoring.scrape import read_snapshot
from tests.conftest import make_tenant
from tests.statement_count import statements

STATEMENTS_PER_SCRAPE = 3


async def scrape_statements(engine: AsyncEngine) -> tuple[int, int]:
    """Statements of one snapshot, and the number of tenants whose probe it read."""
    with statements(engine) as seen:
        async with hub_sessions(engine)() as session:
            snapshot = await read_snapshot(session)
    assert snapshot.up
    return len(seen), len([row for row in snapshot.per_tenant if row.probe is not None])


async def test_the_snapshot_costs_three_statements_however_many_tenants(hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    await probe_all(hub, 2)
    assert await scrape_statements(hub) == (STATEMENTS_PER_SCRAPE, 1)
    await make_tenant(hub, "kab-blitar", "3505")
    await make_tenant(hub, "kota-batu", "3579")
    await probe_all(hub, 2)
    assert await scrape_statements(hub) == (STATEMENTS_PER_SCRAPE, 3)
