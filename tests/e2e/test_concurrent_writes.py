"""Writes sent at the same moment, to a live hub (the in-process test client handles one request at
a time, so no two of its requests ever race).

Issue 14 found 8 parallel bids of one vendor answered 500 six or seven times (the unique index of the
current bid refused every insert but the first). Replacing a bid is an ordinary operation, so every
one of them is accepted (201, with its receipt) and exactly one remains current: the last stored.
A write that can be made only once (a registration, an agency's name) made by several requests at
once is made by one (201); the others are told it exists (409), never a 500.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import tenant_session
from hub.core.settings import Settings
from tenants.sealing import BidFile, decode_public_key, seal_bid
from tenants.tenders.models import Bid
from tests.e2e.procurement import PDF, SEALED, Bidder, Client, Desk, advance, person, regency, vendor
from tests.live_server import live_hub

PARALLEL = 8


async def announced_with_a_vendor(client: Client, engine: AsyncEngine) -> tuple[Desk, Bidder]:
    """A tender of Kabupaten Malang just announced, and a verified vendor not yet registered."""
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", malang.slug)
    bidder = await vendor(client, engine, "andalas", "3507", verifier, malang.slug)
    desk = Desk(client, engine, malang)
    await desk.announce("Rehabilitasi Jalan Kepanjen", owner_estimate=2_400_000_000)
    return desk, bidder


async def test_parallel_bids_of_one_vendor_are_all_stored_and_one_stays_current(
    client: Client, clean_identity: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    engine = clean_identity
    desk, bidder = await announced_with_a_vendor(client, engine)
    malang = desk.regency
    await desk.register([bidder])
    await advance(engine, malang.schema, desk.tender_id, "bid_submission")

    public_key = decode_public_key(desk.tender_key)
    bundles = [
        seal_bid(
            public_key,
            tenant_code=malang.code,
            tender_id=desk.tender_id,
            vendor_id=bidder.vendor_id,
            price=2_300_000_000 + i,
            files=[BidFile("penawaran.pdf", PDF, b"%PDF penawaran")],
            signing_key=bidder.signing_key,
        )
        for i in range(PARALLEL)
    ]
    headers = {**bidder.headers, "Content-Type": SEALED}
    assert settings.database_url is not None
    with live_hub(settings.database_url, tmp_path, ISSUER=settings.issuer_url) as hub:
        async with httpx.AsyncClient(base_url=hub.url, timeout=60) as http:
            sent = (http.post(f"{desk.url}/bids", content=b, headers=headers) for b in bundles)
            answers = await asyncio.gather(*sent)

    assert [a.status_code for a in answers] == [201] * PARALLEL, [a.text for a in answers]
    async with tenant_session(engine, malang.schema) as session:
        mine = (Bid.tender_id == desk.tender_id) & (Bid.vendor_id == bidder.vendor_id)
        stored = await session.scalar(select(func.count()).select_from(Bid).where(mine))
        last = await session.scalar(select(func.max(Bid.id)).where(mine))
        current = (await session.scalars(select(Bid).where(mine, Bid.superseded_at.is_(None)))).all()
    assert stored == PARALLEL
    assert [bid.id for bid in current] == [last]  # the last stored is the one that counts
    assert current[0].ciphertext_sha256 in {a.json()["bundle_sha256"] for a in answers}


async def test_parallel_registrations_and_agencies_are_made_once_and_the_rest_conflict(
    client: Client, clean_identity: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    desk, bidder = await announced_with_a_vendor(client, clean_identity)
    malang = desk.regency
    assert settings.database_url is not None
    with live_hub(settings.database_url, tmp_path, ISSUER=settings.issuer_url) as hub:
        async with httpx.AsyncClient(base_url=hub.url, timeout=60) as http:
            registering = (
                http.post(f"{desk.url}/registrations", headers=bidder.headers) for _ in range(PARALLEL)
            )
            agency = {"name": "Dinas Kesehatan"}
            adding = (
                http.post(f"{malang.base}/agencies", headers=malang.admin, json=agency)
                for _ in range(PARALLEL)
            )
            registrations = await asyncio.gather(*registering)
            agencies = await asyncio.gather(*adding)
    for answers in (registrations, agencies):
        assert sorted(a.status_code for a in answers) == [201] + [409] * (PARALLEL - 1), [
            a.text for a in answers
        ]
        refusals = [a for a in answers if a.status_code == 409]
        assert all(a.headers["content-type"].startswith("application/problem+json") for a in refusals)
