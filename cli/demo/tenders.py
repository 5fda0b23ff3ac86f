"""Demo tenders in Kabupaten Malang, one at each stage: a draft, an announced tender with a
document, one taking bids, and one whose bids have been opened in public; then, from
``demo_outcomes``, one in evaluation, one in its objection period, a lowest-price and a
merit-point tender signed to contract, a failed tender with its re-tender, and a direct
procurement; and one whose deadline moved after a regional network cut (``cli.demo.outages``).

Each takes bids for at least 15 days, but for one more announced tender whose schedule the Pokja
pulled forward two days before the new deadline, "so that the work ends within the fiscal year":
the red flags H04 (schedule amended less than 3 days before bids close) and R003 (a submission
period under 15 days) that an auditor should ask about (``_pulled_forward``).

Kabupaten Malang's Pokja holds its tenders' keys in shares (issue 16, ``cli.demo.custody``): its
three members' key files (encrypted under ``DEMO_KEY_PASSPHRASE``) and the recovery words are
written to ``key_dir`` before the first tender is announced, and every opened Pokja tender is opened
by two members giving their shares back, not by the hub. (The direct procurement's key stays with
the hub: a direct procurement is not announced.)

Built through the same services officials and vendors use. The opened tender's submission closes
a few seconds after the demo seeds it, so the first ``serve --demo`` waits for that deadline (while
the later stages are seeded), then opens the bids. The later stages need days to pass: there the
demo moves each tender's own schedule (and award times) into the past with SQL between steps, as
the end-to-end tests do (see ``demo_outcomes``). The database clock itself is never faked.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cli.demo.custody import open_with_shares, seed_committee_custody, steps
from cli.demo.outages import seed_outage_demo
from cli.demo.outcomes import seed_outcome_demo
from cli.demo.plans import seed_implementation_demo, seed_plan_demo
from cli.demo.signing import submit_signed_bid
from federation.identity.accounts import get_account
from federation.identity.actor import Actor
from hub.core.clock import database_now
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from tenants.agencies import Agency
from tenants.registry import TenantRef, resolve_tenant
from tenants.sealing import BidFile
from tenants.tenders.bidding.participation import register_for_tender
from tenants.tenders.documents import PostgresBlobStore, upload_document
from tenants.tenders.models import Package
from tenants.tenders.preparation.tenders import (
    PackageInput,
    announce_tender,
    create_package,
    create_tender,
    reschedule_stage,
)

DEMO_TENANT = "kab-malang"
PDF = "application/pdf"
H, D = timedelta(hours=1), timedelta(days=1)


async def _ids(engine: AsyncEngine, *emails: str) -> list[int]:
    async with hub_sessions(engine)() as session:
        return [(await get_account(session, e)).id for e in emails]


def _schedule(now: datetime, submission: tuple[datetime, datetime]) -> dict[str, tuple[datetime, datetime]]:
    start, end = submission
    early = min(now - 2 * H, start)  # announced before bids are taken
    return {
        "announcement": (early, end),
        "document_download": (early, end),
        "clarification": (early, end),
        "bid_submission": (start, end),
        "bid_opening": (end, end + D),
    }


async def _tender(
    session: AsyncSession,
    ppk: Actor,
    pokja: Actor,
    agency: int,
    title: str,
    budget: int,
    submission: tuple[datetime, datetime] | None,
    master: MasterKey,
    announce: bool,
) -> int:
    now = await database_now(session)
    package = await create_package(
        session,
        ppk,
        PackageInput(
            agency,
            title,
            2026,
            "construction",
            "tender",
            budget,
            budget * 96 // 100,
            "Kabupaten Malang",
            ["42101"],
        ),
    )
    tender = await create_tender(
        session, pokja, package.id, "lowest_price", _schedule(now, submission or (now + 3 * D, now + 18 * D))
    )
    if announce:
        await announce_tender(session, pokja, tender.id, master)
    return tender.id


async def seed_tender_demo(engine: AsyncEngine, master: MasterKey, key_dir: Path) -> None:
    """Seed Kabupaten Malang's tenders once; the Pokja's key files and the recovery words go to
    ``key_dir`` (``serve --demo``: ``<data dir>/demo-keys``)."""
    async with hub_sessions(engine)() as session:
        tenant = await resolve_tenant(session, slug=DEMO_TENANT)
    async with tenant_session(engine, tenant.schema) as session:
        if await session.scalar(select(Package.id).limit(1)) is not None:
            return  # seeded before
        agency = await session.scalar(select(Agency.id).order_by(Agency.id).limit(1))
    assert agency is not None
    ppk_id, pokja_id, maju_id, karya_id = await _ids(
        engine,
        "ppk.malang@lpse-hub.demo",
        "pokja.malang@lpse-hub.demo",
        "direktur@majujaya.demo",
        "direktur@karyasurabaya.demo",
    )
    ppk, pokja = Actor(ppk_id, tenant), Actor(pokja_id, tenant)
    committee = await seed_committee_custody(engine, tenant, key_dir)
    await seed_plan_demo(engine, tenant)
    vendors = [Actor(maju_id, tenant), Actor(karya_id, tenant)]
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        now = await database_now(session)
        await _tender(
            session,
            ppk,
            pokja,
            agency,
            "Pengadaan Alat Kesehatan RSUD Kanjuruhan",
            1_200_000_000,
            None,
            master,
            False,
        )
        announced = await _tender(
            session,
            ppk,
            pokja,
            agency,
            "Rehabilitasi Jalan Kepanjen - Gondanglegi",
            2_500_000_000,
            None,
            master,
            True,
        )
        await upload_document(
            session,
            pokja,
            announced,
            "dokumen-pemilihan.pdf",
            PDF,
            b"%PDF-1.7 Dokumen Pemilihan",
            PostgresBlobStore(),
        )
        bidding = await _tender(
            session,
            ppk,
            pokja,
            agency,
            "Pembangunan Gedung Puskesmas Turen",
            3_100_000_000,
            (now - H, now + 15 * D),
            master,
            True,
        )
        closing = now + timedelta(seconds=4)
        opened = await _tender(
            session,
            ppk,
            pokja,
            agency,
            "Normalisasi Saluran Irigasi Kromengan",
            850_000_000,
            (closing - 15 * D, closing),
            master,
            True,
        )
        await _pulled_forward(session, ppk, pokja, agency, master)
        await _tender(
            session,
            ppk,
            pokja,
            agency,
            "Penggantian Jembatan Sumberpucung",
            1_750_000_000,
            (now + H - 15 * D, now + H),
            master,
            True,
        )
    await _bid(engine, tenant, vendors, bidding, opened, master)
    await seed_outcome_demo(engine, tenant, master, committee)
    await seed_implementation_demo(engine, tenant, ppk)
    await asyncio.sleep(max(0.0, (closing - datetime.now(closing.tzinfo)).total_seconds()) + 0.5)
    await open_with_shares(steps(engine, tenant), committee, tenant, opened, master)
    await seed_outage_demo(engine, tenant)


async def _pulled_forward(
    session: AsyncSession, ppk: Actor, pokja: Actor, agency: int, master: MasterKey
) -> None:
    """Announced with 15 days for bids, then the Pokja moves the submission to close in two days
    (and the opening after it), giving a reason: each change is a ``tender.amendments`` entry dated
    under 3 days before bids close (H04), and the period left is one day (R003)."""
    now = await database_now(session)
    title = "Pemeliharaan Berkala Jalan Pakisaji - Wagir"
    tender = await _tender(
        session, ppk, pokja, agency, title, 1_450_000_000, (now + D, now + 16 * D), master, True
    )
    reason = "Percepatan jadwal: pekerjaan harus selesai dalam tahun anggaran berjalan"
    await reschedule_stage(session, pokja, tender, "bid_submission", now + 2 * H, now + 2 * D, reason)
    await reschedule_stage(session, pokja, tender, "bid_opening", now + 2 * D, now + 3 * D, reason)


async def _bid(
    engine: AsyncEngine, tenant: TenantRef, vendors: list[Actor], bidding: int, opened: int, master: MasterKey
) -> None:
    for tender_id, prices in ((bidding, (3_020_000_000,)), (opened, (812_500_000, 799_000_000))):
        for vendor, price in zip(vendors, prices, strict=False):
            async with tenant_session(engine, tenant.schema) as session, session.begin():
                await register_for_tender(session, vendor, tender_id)
            async with tenant_session(engine, tenant.schema) as session, session.begin():
                files = [BidFile("penawaran.pdf", PDF, f"%PDF penawaran {price}".encode())]
                await submit_signed_bid(session, vendor, tender_id, price, files, master)
