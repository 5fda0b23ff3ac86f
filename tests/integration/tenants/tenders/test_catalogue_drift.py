"""No drift between a tenant's facts and what the province publishes of them (catalogue, feed, OCDS).

Every path that changes a public fact publishes it, the demo's history (tenders moved months into
the past) included, so a rebuild right after the demo finds nothing to fix. A fact changed behind
the catalogue's back is found by the rebuild, and corrected where harvesters read it: a new release
in the feed, and so in the tender's OCDS record, not only the catalogue row.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.demo.identity import seed_identity_demo
from cli.demo.province import seed_demo
from cli.demo.reviews import seed_review_demo
from cli.demo.tenders import seed_tender_demo
from federation.catalogue.feed import MAX_LIMIT, RELEASE, ReleaseEntry, read_feed
from federation.catalogue.models import CatalogueEntry
from federation.catalogue.records import compiled, public_ocid, releases_of
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.registry import resolve_tenant
from tenants.tenders.outcome_models import Contract
from tenants.tenders.publication.rebuild import rebuild_catalogue
from tests.feed_horizon import until_the_feed_has_passed


async def test_a_rebuild_right_after_the_demo_finds_nothing_to_fix(
    clean_identity: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    engine, master = clean_identity, MasterKey.parse(settings.master_key or "")
    await seed_demo(engine, concurrency=4)  # what `serve --demo` seeds, in its order
    await seed_identity_demo(engine, "http://127.0.0.1:8000/callback")
    await seed_tender_demo(engine, master, tmp_path)
    await seed_review_demo(engine, master)

    drifts = await rebuild_catalogue(engine)
    assert sum(d.checked for d in drifts) > 20  # kab-malang's tenders and six regencies' history
    assert [d for d in drifts if d.drifted] == []


@pytest.mark.horizon  # it reads the change feed
async def test_a_fact_changed_behind_the_catalogues_back_is_republished_by_the_rebuild(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    engine, master = clean_identity, MasterKey.parse(settings.master_key or "")
    await seed_demo(engine, concurrency=4)
    await seed_identity_demo(engine, "http://127.0.0.1:8000/callback")
    await seed_review_demo(engine, master)  # contracted tenders, months ago
    async with hub_sessions(engine)() as session:
        surabaya = await resolve_tenant(session, slug="kota-surabaya")
    async with tenant_session(engine, surabaya.schema) as session, session.begin():
        contract = await session.scalar(select(Contract).order_by(Contract.tender_id).limit(1))
        assert contract is not None
        signed_on = contract.signed_on - timedelta(days=30)  # a date corrected in the tenant's own tables
        await session.execute(
            update(Contract).where(Contract.tender_id == contract.tender_id).values(signed_on=signed_on)
        )
    local_id = f"{surabaya.code}-{contract.tender_id}"
    ocid = public_ocid(settings.ocid_prefix, local_id)
    head = await _feed_head(engine)

    [drift] = await rebuild_catalogue(engine, ["kota-surabaya"])
    assert (drift.missing, drift.changed, drift.removed) == ([], [local_id], [])
    assert drift.republished == [local_id]

    async with hub_sessions(engine)() as session:
        entry = await session.scalar(select(CatalogueEntry).where(CatalogueEntry.ocid == local_id))
        assert entry is not None
        assert entry.contract_signed_on == signed_on
    await until_the_feed_has_passed(engine)
    async with hub_sessions(engine)() as session:
        page = await read_feed(session, head, MAX_LIMIT, RELEASE)
        [corrected] = page.entries  # the follower of the feed gets the correction, and only it
        assert isinstance(corrected, ReleaseEntry)
        assert (corrected.ocid, corrected.tags) == (local_id, ["contractUpdate"])
        assert corrected.release["contracts"][0]["dateSigned"].startswith(signed_on.isoformat())
        record = compiled(await releases_of(session, settings.ocid_prefix, ocid))
        assert record["contracts"][0]["dateSigned"].startswith(signed_on.isoformat())  # the harvester too

    again = await rebuild_catalogue(engine, ["kota-surabaya"])
    assert [d for d in again if d.drifted] == []  # corrected once, not at every rebuild


async def _feed_head(engine: AsyncEngine) -> str:
    """The cursor after every release in the feed now."""
    await until_the_feed_has_passed(engine)
    cursor = None
    async with hub_sessions(engine)() as session:
        while (page := await read_feed(session, cursor, MAX_LIMIT, RELEASE)).entries:
            cursor = page.next_cursor
    assert cursor is not None
    return cursor
