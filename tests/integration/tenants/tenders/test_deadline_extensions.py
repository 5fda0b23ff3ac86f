"""Deadlines that survive outages (issue 21): which outages move which deadlines, once, in the open."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.ocds import with_ocid
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Conflict
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from monitoring.probes import probe_all
from monitoring.reviews import review_province
from monitoring.reviews.render import review_csv, review_dict, review_html
from tenants.audit.models import AuditEntry
from tenants.tenders import load_schedule, open_bids, reschedule_stage
from tenants.tenders.outages import OutageRule, RecordedOutage, extend_deadlines
from tenants.tenders.stages import Stage
from tests.e2e.test_catalogue import valid
from tests.integration.tenants.tenders.outage_world import (
    MINUTE,
    World,
    forget_outages,
    make_world,
    probes,
    tender_closing_at,
)

HOUR = timedelta(hours=1)
RULE = OutageRule()  # a window and a margin of two hours each


@pytest.fixture
async def world(clean_identity: AsyncEngine, settings: Settings) -> AsyncIterator[World]:
    assert settings.master_key is not None
    await forget_outages(clean_identity)
    yield await make_world(clean_identity, MasterKey.parse(settings.master_key))
    await forget_outages(clean_identity)


async def _check(w: World, rule: OutageRule = RULE) -> dict[int, Any]:
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        return {e.tender_id: e for e in await extend_deadlines(session, w.tenant, rule)}


async def _ends(w: World, tender_id: int) -> tuple[Any, Any]:
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        schedule = await load_schedule(session, tender_id)
    return schedule[Stage.BID_SUBMISSION].ends_at, schedule[Stage.BID_OPENING].starts_at


async def _extensions(w: World, tender_id: int) -> list[dict[str, Any]]:
    async with tenant_session(w.engine, w.tenant.schema) as session:
        query = select(AuditEntry.payload).where(
            AuditEntry.subject == f"tender:{tender_id}", AuditEntry.action == "tender.deadline_extended"
        )
        return list((await session.scalars(query)).all())


async def test_an_outage_in_the_window_extends_the_deadline_by_its_length_and_the_margin_once(
    world: World,
) -> None:
    deadline = world.now + HOUR
    tender = await tender_closing_at(world, deadline)
    ids = await probes(
        world, (-60 * MINUTE, True), (-50 * MINUTE, False), (-40 * MINUTE, False), (-30 * MINUTE, True)
    )
    assert set(await _check(world)) == {tender}
    assert await _check(world) == {}  # the same outage never extends the same tender twice
    new_end = deadline + 20 * MINUTE + RULE.margin
    assert await _ends(world, tender) == (new_end, new_end)  # the opening moved with the close
    [entry] = await _extensions(world, tender)
    assert entry["old"][1] == deadline.isoformat()
    assert entry["new"][1] == new_end.isoformat()
    [outage] = entry["outages"]
    assert outage["source"] == "probe"
    assert [e["probe"] for e in outage["evidence"]] == ids[1:]
    assert entry["notice_to_vendors"] == [world.vendor_id]
    assert "Batas akhir pemasukan penawaran diperpanjang" in entry["reason"]


async def test_only_deadlines_an_outage_reached_are_extended_each_by_it(world: World) -> None:
    """The outage is 50 to 30 minutes ago: in the window of a deadline an hour ahead, spanning one
    40 minutes ago; after one 2 hours ago; before the window of one 3 hours ahead."""
    within = await tender_closing_at(world, world.now + HOUR)
    spanned = await tender_closing_at(world, world.now - 40 * MINUTE)
    before = await tender_closing_at(world, world.now - 2 * HOUR)
    later = await tender_closing_at(world, world.now + 3 * HOUR)
    await probes(world, (-50 * MINUTE, False), (-30 * MINUTE, True))
    assert set(await _check(world)) == {within, spanned}
    assert (await _ends(world, spanned))[0] == world.now - 40 * MINUTE + 20 * MINUTE + RULE.margin
    assert (await _ends(world, before))[0] == world.now - 2 * HOUR
    assert (await _ends(world, later))[0] == world.now + 3 * HOUR


async def test_overlapping_outages_are_merged_before_they_extend(world: World) -> None:
    tender = await tender_closing_at(world, world.now + HOUR)
    await probes(world, (-50 * MINUTE, False), (-30 * MINUTE, True))
    async with hub_sessions(world.engine)() as session, session.begin():
        session.add(
            RecordedOutage(
                tenant_code="3507",
                tenant_slug="kab-malang",
                starts_at=world.now - 40 * MINUTE,
                ends_at=world.now - 20 * MINUTE,
                reason="kabel serat optik putus",
                recorded_by="operator",
            )
        )
    extension = (await _check(world))[tender]
    assert extension.new_end == world.now + HOUR + 30 * MINUTE + RULE.margin
    [outage] = (await _extensions(world, tender))[0]["outages"]
    assert outage["source"] == "probe+recorded"


async def test_a_longer_outage_extends_again_only_by_what_was_not_accounted_for(world: World) -> None:
    tender = await tender_closing_at(world, world.now + HOUR)
    await probes(world, (-50 * MINUTE, False), (-40 * MINUTE, True))
    await _check(world)
    async with hub_sessions(world.engine)() as session, session.begin():
        session.add(
            RecordedOutage(
                tenant_code="3507",
                tenant_slug="kab-malang",
                starts_at=world.now - 50 * MINUTE,
                ends_at=world.now - 20 * MINUTE,
                reason="listrik padam di pusat data",
                recorded_by="operator",
            )
        )
    first = world.now + HOUR + 10 * MINUTE + RULE.margin
    assert (await _check(world))[tender].new_end == first + 20 * MINUTE + RULE.margin


async def test_an_outage_under_way_extends_at_the_opening_not_after_a_round(world: World) -> None:
    tender = await tender_closing_at(world, world.now - 5 * MINUTE)
    await probes(world, (-20 * MINUTE, True), (-10 * MINUTE, False), (-MINUTE, False))
    assert await _check(world) == {}  # its length is not known yet
    with pytest.raises(Conflict, match="before bid submission closes"):
        async with tenant_session(world.engine, world.tenant.schema) as session, session.begin():
            await open_bids(session, world.pokja, tender, world.master)
    assert (await _ends(world, tender))[0] == world.now - 5 * MINUTE  # the refusal rolled it back


async def test_an_opened_tender_is_not_touched(world: World) -> None:
    tender = await tender_closing_at(world, world.now - 5 * MINUTE)
    async with tenant_session(world.engine, world.tenant.schema) as session, session.begin():
        await open_bids(session, world.pokja, tender, world.master)
    await probes(world, (-20 * MINUTE, False), (-MINUTE, True))
    assert await _check(world) == {}
    assert await _extensions(world, tender) == []


async def test_the_committee_cannot_end_an_extended_submission_sooner(world: World) -> None:
    deadline = world.now + HOUR
    tender = await tender_closing_at(world, deadline, submission_starts=world.now + 30 * MINUTE)
    await probes(world, (-50 * MINUTE, False), (-30 * MINUTE, True))
    extended = (await _check(world))[tender].new_end
    starts = world.now + 30 * MINUTE
    with pytest.raises(Conflict, match="cannot end it sooner"):
        async with tenant_session(world.engine, world.tenant.schema) as session, session.begin():
            await reschedule_stage(
                session, world.pokja, tender, "bid_submission", starts, deadline, "dipercepat"
            )
    async with tenant_session(world.engine, world.tenant.schema) as session, session.begin():
        await reschedule_stage(
            session, world.pokja, tender, "bid_opening", extended + HOUR, extended + 2 * HOUR, "ruang rapat"
        )
        window = await reschedule_stage(
            session, world.pokja, tender, "bid_submission", starts, extended + HOUR, "diperpanjang lagi"
        )
    assert window.ends_at == extended + HOUR


async def test_the_extension_is_published_as_a_valid_ocds_amendment(world: World) -> None:
    tender = await tender_closing_at(world, world.now + HOUR)
    ids = await probes(world, (-50 * MINUTE, False), (-30 * MINUTE, True))
    new_end = (await _check(world))[tender].new_end
    async with world.engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT position, tags, release FROM hub.changes WHERE ocid = :o ORDER BY position DESC"
                ),
                {"o": f"3507-{tender}"},
            )
        ).first()
    assert row is not None
    assert row.tags == ["tenderAmendment"]
    stored = row.release if isinstance(row.release, dict) else json.loads(row.release)
    release = with_ocid(stored, f"ocds-lpsehub-3507-{tender}", row.position)
    valid(release, "release-schema.json")
    [amendment] = release["tender"]["amendments"]
    assert f"probe #{ids[0]}" in amendment["rationale"]
    assert "outage" in amendment["rationale"]
    assert amendment["description"].startswith("bid_submission:")
    assert (
        release["tender"]["tenderPeriod"]["endDate"]
        == new_end.astimezone(release_zone(release["tender"]["tenderPeriod"]["endDate"])).isoformat()
    )


def release_zone(stamp: str) -> Any:

    return datetime.fromisoformat(stamp).tzinfo


async def test_a_probe_round_that_finds_a_tenant_up_again_extends_its_deadlines(world: World) -> None:
    tender = await tender_closing_at(world, world.now + HOUR)
    await probes(world, (-20 * MINUTE, True), (-10 * MINUTE, False))
    done = await probe_all(world.engine, 2, outages=RULE)
    [result] = done.results
    if not result.up:
        pytest.fail(f"the tenant should probe up: {result.error}")
    assert done.at is not None
    assert (await _ends(world, tender))[0] == world.now + HOUR + (
        done.at - (world.now - 10 * MINUTE)
    ) + RULE.margin


async def test_the_review_counts_each_regencys_deadline_extensions(world: World) -> None:
    await tender_closing_at(world, world.now + HOUR)
    await tender_closing_at(world, world.now + 30 * MINUTE)
    await probes(world, (-50 * MINUTE, False), (-30 * MINUTE, True))
    await _check(world)
    today = world.now.date()
    review = await review_province(world.engine, "35", today - timedelta(days=1), today + timedelta(days=1))
    [malang] = review.tenants
    assert malang.figures is not None
    assert malang.figures.extensions == 2
    assert review.totals.extensions == 2
    assert review_dict(review)["tenants"][0]["figures"]["extensions"] == 2
    [row, _total] = csv.DictReader(io.StringIO(review_csv(review)))
    assert row["extensions"] == "2"
    assert "Perpanjangan karena gangguan" in review_html(review)


async def test_a_gap_in_the_probe_rounds_is_an_outage_of_the_hub(world: World) -> None:
    tender = await tender_closing_at(world, world.now + HOUR)
    await probes(
        world, (-62 * MINUTE, True), (-61 * MINUTE, True), (-21 * MINUTE, True), (-20 * MINUTE, True)
    )
    assert await _check(world) == {}  # probing off: a gap says nothing
    probing = OutageRule(probe_interval=MINUTE)
    assert (await _check(world, probing))[tender].new_end == world.now + HOUR + 40 * MINUTE + RULE.margin
    [outage] = (await _extensions(world, tender))[0]["outages"]
    assert outage["source"] == "hub"
