"""A registered vendor is told, in its workspace, of its tenders' deadlines that moved: extended by
themselves after an outage (``lpse-hub outage record``'s service) or rescheduled by the committee.
Over HTTP as a logged-in vendor's browser sees it; a vendor not registered is told nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account
from federation.vendors import register_vendor
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from hub.web.portal.formatting import local_time
from tenants.tenders import reschedule_stage
from tenants.tenders.outages import OutageRule, record_outage
from tests.e2e.procurement import PASSWORD, Client
from tests.e2e.web_session import log_in
from tests.integration.tenants.tenders.outage_world import (
    DAY,
    MINUTE,
    World,
    forget_outages,
    make_world,
    tender_closing_at,
)

pytestmark = pytest.mark.horizon  # announcing a tender writes to the feed other workers' tests read

HOUR = timedelta(hours=1)
CUT = "Pemadaman listrik PLN di pusat data"
MOVED = "Penyesuaian jadwal karena addendum dokumen"


@pytest.fixture
async def world(clean_identity: AsyncEngine, settings: Settings) -> AsyncIterator[World]:
    assert settings.master_key is not None
    await forget_outages(clean_identity)
    yield await make_world(clean_identity, MasterKey.parse(settings.master_key))
    await forget_outages(clean_identity)


async def user_of(engine: AsyncEngine, vendor_id: int | None = None) -> str:
    """A user who logs in with ``PASSWORD``: of ``vendor_id``, or of a new company of its own."""
    email = f"u.{uuid.uuid4().hex[:8]}@vendor.co.id"
    async with hub_sessions(engine)() as session, session.begin():
        if vendor_id is None:
            npwp = f"{uuid.uuid4().int % 10**15:015d}"
            await register_vendor(
                session, "CV Lain", npwp, None, "Jl. Lain", "3507", ["41011"], email, "D", PASSWORD
            )
        else:
            await create_account(
                session, email, "Direktur", PASSWORD, vendor_id=vendor_id, email_verified=True
            )
    return email


async def extended_and_rescheduled(w: World) -> tuple[int, int]:
    """A tender an outage recorded by hand extended, then another the committee rescheduled."""
    extended = await tender_closing_at(w, w.now + HOUR)
    moved = await tender_closing_at(w, w.now + 3 * DAY, submission_starts=w.now + 2 * DAY)
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        _, [extension] = await record_outage(
            session, w.tenant, w.now - 50 * MINUTE, w.now - 30 * MINUTE, CUT, "operator", OutageRule()
        )
    assert extension.tender_id == extended
    async with tenant_session(w.engine, w.tenant.schema) as session, session.begin():
        await reschedule_stage(
            session, w.pokja, moved, "bid_submission", w.now + 2 * DAY, w.now + 2 * DAY + 6 * HOUR, MOVED
        )
    return extended, moved


async def test_a_registered_vendor_sees_the_extension_and_the_reschedule_on_its_workspace_and_tender_page(
    web: Client, world: World
) -> None:
    extended, moved = await extended_and_rescheduled(world)
    web.cookies.clear()
    await log_in(web, await user_of(world.engine, world.vendor_id))

    home = await web.get("/akun")
    assert home.status_code == 200
    assert "Pemberitahuan" in home.text
    assert "diperpanjang otomatis karena gangguan layanan" in home.text
    assert "dijadwal ulang oleh Pokja Pemilihan" in home.text
    assert "recorded outage #" in home.text  # the extension's rationale names the outage
    assert MOVED in home.text
    zone = world.tenant.timezone
    assert local_time(world.now + HOUR, zone) in home.text  # the old deadline, in the tenant's zone
    assert local_time(world.now + HOUR + 20 * MINUTE + 2 * HOUR, zone) in home.text  # the new one
    newest, older = f"/akun/tender/ocds-lpsehub-3507-{moved}", f"/akun/tender/ocds-lpsehub-3507-{extended}"
    assert f'href="{newest}"' in home.text
    assert home.text.index(newest) < home.text.index(older)  # newest first

    page = await web.get(older)
    assert page.status_code == 200
    box = page.text[: page.text.index('id="registration-heading"')]  # at the top, before the rest
    assert "diperpanjang otomatis karena gangguan layanan" in box
    assert "recorded outage #" in box
    assert MOVED not in page.text  # another tender's notice
    rescheduled = await web.get(newest)
    assert MOVED in rescheduled.text


async def test_a_vendor_not_registered_for_the_tender_is_not_told(web: Client, world: World) -> None:
    extended, _ = await extended_and_rescheduled(world)
    web.cookies.clear()
    await log_in(web, await user_of(world.engine))

    home = await web.get("/akun")
    assert home.status_code == 200
    assert "Tidak ada perubahan batas akhir dalam 30 hari terakhir." in home.text
    assert "gangguan layanan" not in home.text
    page = await web.get(f"/akun/tender/ocds-lpsehub-3507-{extended}")
    assert page.status_code == 200
    assert 'id="pemberitahuan"' not in page.text
