"""What the clock alone changes is published without waiting for another step: the catalogue's stage
when a boundary of the schedule passes, and an award's ``active`` when its objection period ends.

The database clock cannot be moved, and moving a tender's own times into the past (``cli.demo.backdate``)
would change its public facts too (its schedule's dates are in its releases). So the sweep is given the
database's time some days on, as a sweep that ran then would see it, and the hub's schedule of sweeps
runs on a clock the test moves (``tests.manual_clock``): nothing waits for time to pass.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.catalogue.models import LOCAL, CatalogueEntry
from hub.core.clock import database_now
from hub.core.database import hub_sessions, tenant_session
from hub.core.settings import Settings
from hub.web.app import create_app
from tenants.tenders.models import Tender
from tenants.tenders.publication.sweep import sweep_publications, sweeping
from tests.e2e.procurement import Client, Desk, ok, person, regency, vendor
from tests.e2e.test_catalogue import valid
from tests.e2e.test_ocds_publication import RECORD
from tests.feed_horizon import until_the_feed_has_passed
from tests.manual_clock import ManualClock

INTERVAL = 60


def days_on(days: float) -> Callable[[AsyncSession], Awaitable[datetime]]:
    """The database's time ``days`` from now: what a sweep running then judges by."""

    async def now(session: AsyncSession) -> datetime:
        return await database_now(session) + timedelta(days=days)

    return now


async def stage_of(engine: AsyncEngine, local_id: str) -> str | None:
    async with hub_sessions(engine)() as session:
        query = select(CatalogueEntry.stage).where(
            CatalogueEntry.origin == LOCAL, CatalogueEntry.ocid == local_id
        )
        return await session.scalar(query)


async def releases(client: Client, engine: AsyncEngine, ocid: str) -> list[dict[str, Any]]:
    await until_the_feed_has_passed(engine)
    record = dict(ok(await client.get(f"/api/ocds/records/{ocid}"), 200))
    valid(record, RECORD)
    return list(record["records"][0]["releases"])


@pytest.mark.horizon  # it reads the change feed
async def test_the_hubs_sweep_moves_the_catalogues_stage_when_a_boundary_of_the_schedule_passes(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine, clock = clean_identity, ManualClock()
    malang = await regency(client, engine, "kab-malang", "3507")
    desk = Desk(client, engine, malang)
    await desk.announce("Rehabilitasi Jembatan Désa Sumberpucung", owner_estimate=900_000_000)
    local_id = f"3507-{desk.tender_id}"
    ocid = f"ocds-lpsehub-{local_id}"
    assert await stage_of(engine, local_id) == "document_download"
    before = await releases(client, engine, ocid)

    async with sweeping(engine, INTERVAL, clock, now=days_on(1.1)):  # bid submission opens after a day
        await clock.until_asleep()
        await clock.advance(INTERVAL - 1)
        assert await stage_of(engine, local_id) == "document_download"  # no sweep before its interval
        await clock.advance(1)
        assert await stage_of(engine, local_id) == "bid_submission"
        assert await releases(client, engine, ocid) == before  # the stage is no fact of the release

        await clock.advance(INTERVAL)  # the next sweep finds nothing more to write
        assert await releases(client, engine, ocid) == before
    [again] = await sweep_publications(engine, now=days_on(1.1))
    assert (again.checked, again.restaged, again.republished) == (1, [], [])


@pytest.mark.horizon  # it reads the change feed
async def test_an_award_turns_active_in_a_release_of_its_own_when_its_objection_period_ends(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bidders = [await vendor(client, engine, n, "3507", verifier, "kab-malang") for n in ("arum", "bayu")]
    desk = Desk(client, engine, malang)
    await desk.announce("Rehabilitasi Jembatan Désa Sumberpucung", owner_estimate=900_000_000)
    local_id = f"3507-{desk.tender_id}"
    ocid = f"ocds-lpsehub-{local_id}"
    await desk.bids({bidders[0]: 850_000_000, bidders[1]: 870_000_000})
    await desk.open()
    await desk.pass_all(*bidders)
    first = {"vendor_id": bidders[0].vendor_id}
    ok(await desk.post("qualification-verifications", malang.pokja, {**first, "passed": True}))
    ok(await desk.post("award", malang.pokja, first))
    announced = ok(await desk.post("award-announcement", malang.pokja))
    assert await stage_of(engine, local_id) == "objection_period"
    assert (await releases(client, engine, ocid))[-1]["awards"][0]["status"] == "pending"
    [during] = await sweep_publications(engine, now=days_on(0))  # the period still runs: nothing to do
    assert (during.restaged, during.republished) == ([], [])

    after = announced["objection_days"] + 0.01  # the period's end, and a moment on
    async with tenant_session(engine, malang.schema) as step, step.begin():  # a step holds the tender
        await step.execute(select(Tender).where(Tender.id == desk.tender_id).with_for_update())
        [held] = await sweep_publications(engine, now=days_on(after))
        assert (held.checked, held.restaged, held.republished) == (1, [], [])  # skipped, not waited for
    [swept] = await sweep_publications(engine, now=days_on(after))
    assert (swept.restaged, swept.republished) == ([local_id], [local_id])
    published = await releases(client, engine, ocid)
    assert published[-1]["tag"] == ["awardUpdate"]  # a correction of the award, not waiting for the SPPBJ
    assert [a["status"] for a in published[-1]["awards"]] == ["active"]
    assert await stage_of(engine, local_id) == "award_letter"

    [again] = await sweep_publications(engine, now=days_on(after))  # nothing passed since: nothing to write
    assert (again.checked, again.restaged, again.republished, again.error) == (1, [], [], None)
    assert await releases(client, engine, ocid) == published


async def test_the_running_hub_sweeps_every_interval_of_its_clock_and_stops_with_it(
    client: Client, clean_identity: AsyncEngine, settings: Settings
) -> None:
    engine, clock = clean_identity, ManualClock()
    malang = await regency(client, engine, "kab-malang", "3507")
    desk = Desk(client, engine, malang)
    await desk.announce("Rehabilitasi Jembatan Désa Sumberpucung", owner_estimate=900_000_000)
    local_id = f"3507-{desk.tender_id}"
    app = create_app(replace(settings, publication_sweep_seconds=60), clock=clock)
    async with app.lifespan():  # the app's startup and shutdown, on this test's loop
        await clock.until_asleep()
        async with hub_sessions(engine)() as session, session.begin():  # a row left behind the clock
            row = update(CatalogueEntry).where(CatalogueEntry.ocid == local_id)
            await session.execute(row.values(stage="announcement"))
        await clock.advance(60)
        assert await stage_of(engine, local_id) == "document_download"
    assert clock.sleeping == 0  # the sweeps stopped with the app


async def test_a_sweep_reports_a_tenant_it_cannot_sweep_and_sweeps_the_others(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    await regency(client, engine, "kab-malang", "3507")
    await regency(client, engine, "kab-blitar", "3505")
    async with engine.begin() as connection:
        await connection.exec_driver_sql("DROP TABLE t_3505.tenders CASCADE")  # as a schema not migrated
    swept = {s.slug: s for s in await sweep_publications(engine)}
    assert swept["kab-malang"].error is None
    assert "tenders" in (swept["kab-blitar"].error or "")
