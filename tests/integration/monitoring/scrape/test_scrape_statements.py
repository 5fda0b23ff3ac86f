"""A scrape asks the database the same three statements whether the hub has one tenant or many."""

from __future__ import annotations

from sqlalchemy import text
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


_IN_PROGRESS = """
INSERT INTO hub.catalogue (ocid, tenant_code, tenant_slug, tenant_name, province_code, tender_id, title,
    agency, category, method, evaluation, fiscal_year, budget, owner_estimate, status, stage, announced_at,
    submission_starts_at, submission_ends_at, search_text)
VALUES (:ocid, :code, :slug, 'Kabupaten', '35', 1, 'Pembangunan Jalan', 'Dinas PUPR', 'construction',
    'tender', 'lowest_price', 2026, 1000000000, 900000000, 'opened', 'evaluation', now() - interval '3 days',
    now() - interval '2 days', now() - interval '1 day', 'jalan')
"""


async def test_tenders_count_for_registered_tenants_only(hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    async with hub.begin() as connection:
        for ocid, code, slug in (
            ("ocds-a-3507-1", "3507", "kab-malang"),
            ("ocds-a-3599-1", "3599", "kab-gone"),
        ):
            await connection.execute(text(_IN_PROGRESS), {"ocid": ocid, "code": code, "slug": slug})
    async with hub_sessions(hub)() as session:
        snapshot = await read_snapshot(session)
    assert [(row.slug, row.stages, row.counts) for row in snapshot.per_tenant] == [
        ("kab-malang", ["evaluation"], [1])
    ]
