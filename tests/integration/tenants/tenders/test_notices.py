"""A registered vendor's notices (``tenants.tenders.notices``): its tenders' bid-submission deadlines
that moved, read from the audit chain in one statement however many tenders moved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.tenders import reschedule_stage
from tenants.tenders.notices import DeadlineNotice, deadline_notices
from tenants.tenders.outages import OutageRule, record_outage
from tests.integration.tenants.tenders.outage_world import (
    DAY,
    MINUTE,
    World,
    forget_outages,
    make_world,
    tender_closing_at,
)
from tests.statement_count import statements

HOUR = timedelta(hours=1)


@pytest.fixture
async def world(clean_identity: AsyncEngine, settings: Settings) -> AsyncIterator[World]:
    assert settings.master_key is not None
    await forget_outages(clean_identity)
    yield await make_world(clean_identity, MasterKey.parse(settings.master_key))
    await forget_outages(clean_identity)


async def _notices(w: World, vendor_id: int, tender_ids: list[int] | None = None) -> list[DeadlineNotice]:
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        with statements(w.engine) as sent:
            found = await deadline_notices(session, vendor_id, tender_ids=tender_ids)
    assert len(sent) == 1, sent  # one set-based read, not one per tender
    return found


async def test_extensions_and_reschedules_of_bid_submission_are_told_newest_first_in_one_statement(
    world: World,
) -> None:
    w = world
    first = await tender_closing_at(w, w.now + HOUR)
    second = await tender_closing_at(w, w.now + 90 * MINUTE)
    later = await tender_closing_at(w, w.now + 3 * DAY, submission_starts=w.now + 2 * DAY)
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        _, extensions = await record_outage(
            session, w.tenant, w.now - 50 * MINUTE, w.now - 30 * MINUTE, "Listrik padam", "op", OutageRule()
        )
    assert {e.tender_id for e in extensions} == {first, second}
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        await reschedule_stage(  # not bid submission: no notice
            session, w.pokja, later, "evaluation", w.now + 5 * DAY, w.now + 7 * DAY, "Evaluasi diundur"
        )
        await reschedule_stage(
            session, w.pokja, later, "bid_submission", w.now + 2 * DAY, w.now + 2 * DAY + HOUR, "Addendum"
        )

    found = await _notices(w, w.vendor_id)
    assert [(n.tender_id, n.automatic) for n in found] == [(later, False), (second, True), (first, True)]
    moved, extended = found[0], found[2]
    assert moved.reason == "Addendum"
    assert (moved.old_end, moved.new_end) == (w.now + 3 * DAY, w.now + 2 * DAY + HOUR)
    assert extended.title == "Jembatan Sungai Brantas"
    assert extended.old_end == w.now + HOUR
    assert extended.new_end == w.now + HOUR + 20 * MINUTE + 2 * HOUR  # the outage, and the margin
    assert "recorded outage #" in extended.reason
    assert [n.tender_id for n in await _notices(w, w.vendor_id, [first])] == [first]


async def test_a_vendor_not_registered_is_told_nothing(world: World) -> None:
    w = world
    await tender_closing_at(w, w.now + HOUR)
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        _, [_extension] = await record_outage(
            session, w.tenant, w.now - 50 * MINUTE, w.now - 30 * MINUTE, "Listrik padam", "op", OutageRule()
        )
    assert await _notices(w, w.vendor_id + 1000) == []
