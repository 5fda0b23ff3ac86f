"""An extended deadline as the public sees it: the tender's page, and its OCDS record, valid with the
amendment that gives the outage and its evidence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.tenders.outages import OutageRule, extend_deadlines
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


@pytest.fixture
async def world(clean_identity: AsyncEngine, settings: Settings) -> AsyncIterator[World]:
    assert settings.master_key is not None
    await forget_outages(clean_identity)
    yield await make_world(clean_identity, MasterKey.parse(settings.master_key))
    await forget_outages(clean_identity)


async def test_the_public_sees_the_extension_on_the_tender_page_and_in_a_valid_ocds_record(
    client: AsyncClient, world: World
) -> None:
    tender = await tender_closing_at(world, world.now + HOUR)
    [first, *_] = await probes(world, (-50 * MINUTE, False), (-40 * MINUTE, False), (-30 * MINUTE, True))
    async with tenant_session(world.engine, world.tenant.schema) as session, session.begin():
        [extension] = await extend_deadlines(session, world.tenant, OutageRule())
    ocid = f"ocds-lpsehub-3507-{tender}"
    page = await client.get(f"/tender/{ocid}")
    assert page.status_code == 200
    assert "Batas akhir pemasukan penawaran diperpanjang otomatis" in page.text
    answered = await client.get(f"/api/ocds/records/{ocid}")
    assert answered.status_code == 200
    package = answered.json()
    valid(package, "record-package-schema.json")
    compiled = package["records"][0]["compiledRelease"]
    [amendment] = compiled["tender"]["amendments"]
    assert f"probe #{first}" in amendment["rationale"]
    ends = datetime.fromisoformat(compiled["tender"]["tenderPeriod"]["endDate"])
    assert abs(ends - extension.new_end) < timedelta(seconds=1)
