"""A morning at the provincial hub, over HTTP against a live hub process, so that every series of
``GET /metrics`` has something to say: tenders announced, failed, cancelled and contracted; bids
accepted and refused around a deadline; a vendor logging in; audit verifications; a peer synced.

The people are made before the hub starts (``Province.make``, through the in-process app, whose
signing keys the live hub shares); their moves then go through the live hub (``drive``), whose own
counters Prometheus scrapes.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.peers import add_peer, sync_peer
from federation.identity.accounts import create_account
from hub.core.database import hub_sessions
from tests.e2e.procurement import (
    PASSWORD,
    Bidder,
    Client,
    Desk,
    Regency,
    advance,
    ok,
    package,
    person,
    regency,
    vendor,
)
from tests.feed_horizon import until_the_feed_has_passed
from tests.prometheus_server import Prometheus, eventually

REFUSALS_AT_THE_DEADLINE = 30
"""Bids refused in a burst while a tender closes: far above LpseBidRefusalsNearDeadline's 0.1/s."""


@dataclass(frozen=True)
class Province:
    malang: Regency
    blitar: Regency
    bidders: tuple[Bidder, Bidder]
    vendor_email: str
    """A user of the first bidder's company, who logs in with ``PASSWORD`` on the login page."""

    @classmethod
    async def make(cls, client: Client, engine: AsyncEngine) -> Province:
        malang = await regency(client, engine, "kab-malang", "3507")
        blitar = await regency(client, engine, "kab-blitar", "3505")
        verifier = await person(engine, "verifier", "kab-malang")
        anggrek = await vendor(client, engine, "anggrek", "3507", verifier, "kab-malang")
        bakung = await vendor(client, engine, "bakung", "3505", verifier, "kab-malang")
        email = f"direktur.{uuid.uuid4().hex[:8]}@anggrek.co.id"
        async with hub_sessions(engine)() as session, session.begin():
            await create_account(
                session, email, "Direktur", PASSWORD, email_verified=True, vendor_id=anggrek.vendor_id
            )
        return cls(malang, blitar, (anggrek, bakung), email)


async def drive(
    http: httpx.AsyncClient, engine: AsyncEngine, province: Province, prometheus: Prometheus
) -> None:
    """Every kind of event the hub counts, at least once, through the live hub that ``prometheus``
    scrapes."""
    client = cast(Client, http)  # the helpers use only the httpx API of Litestar's test client
    await _failed_tender(client, engine, province)
    await _cancelled_tender(client, engine, province.blitar)
    await _direct_procurement_to_contract(client, engine, province)
    await _refusals_at_a_deadline(client, engine, province, prometheus)
    await _vendor_logs_in(http, province.vendor_email)
    for where in (province.malang, province.blitar):
        ok(await client.get(f"{where.base}/audit/verification", headers=where.admin), 200)
    ok(await client.get("/api/tenants"), 200)


async def _failed_tender(client: Client, engine: AsyncEngine, p: Province) -> None:
    desk = Desk(client, engine, p.malang)
    await desk.announce("Pembangunan Gedung Puskesmas Dau", owner_estimate=500_000_000)
    await desk.register(list(p.bidders))
    early = await desk.bid(p.bidders[0], 480_000_000)
    assert early.status_code == 409, early.text  # submission not open yet: refused as "closed"
    await advance(engine, p.malang.schema, desk.tender_id, "bid_submission")
    for bidder, price in zip(p.bidders, (480_000_000, 490_000_000), strict=True):
        ok(await desk.bid(bidder, price))
    await desk.open()
    ok(await desk.post("failure", p.malang.pokja, {"reason": "Tidak ada penawaran yang lulus evaluasi"}))


async def _cancelled_tender(client: Client, engine: AsyncEngine, where: Regency) -> None:
    desk = Desk(client, engine, where)
    await desk.announce("Pengadaan Seragam Dinas", owner_estimate=300_000_000, category="goods")
    ok(await desk.post("cancellation", where.pokja, {"reason": "Anggaran direvisi"}))


async def _direct_procurement_to_contract(client: Client, engine: AsyncEngine, p: Province) -> None:
    where, bidder = p.malang, p.bidders[1]
    created = await package(
        client, where, "Pengadaan Komputer Kecamatan", owner_estimate=150_000_000, method="direct_procurement"
    )
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    invitation = {"package_id": created["id"], "vendor_id": bidder.vendor_id, "offer_deadline": deadline}
    invited = ok(
        await client.post(f"{where.base}/direct-procurements", headers=where.officer, json=invitation)
    )
    desk = Desk(client, engine, where, invited["id"], invited["tender_key"])
    ok(await desk.bid(bidder, 149_000_000))
    await advance(engine, where.schema, desk.tender_id, "bid_opening")
    ok(await desk.post("opening", where.officer))
    ok(await desk.post("negotiations", where.officer, {"price": 142_000_000, "notes": "Sepakat"}))
    ok(await desk.post("award", where.officer, {"vendor_id": bidder.vendor_id}))
    # The tenant's calendar day (WIB), not UTC's: from 17:00 UTC they differ, and the hub holds the
    # signature to the award's day and today in the tenant's zone.
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()
    contract = {"number": "SPK/3507/PL/001", "value": 142_000_000, "signed_on": today.isoformat()}
    ends_on = (today + timedelta(days=30)).isoformat()
    ok(
        await desk.post(
            "contract", where.ppk, {**contract, "starts_on": today.isoformat(), "ends_on": ends_on}
        )
    )


async def _refusals_at_a_deadline(
    client: Client, engine: AsyncEngine, p: Province, prometheus: Prometheus
) -> None:
    """A tender whose bid submission closes in half an hour, one bid in, then a burst of refusals."""
    where, bidder = p.malang, p.bidders[0]
    created = await package(client, where, "Rehabilitasi Jalan Kepanjen", owner_estimate=900_000_000)
    now = datetime.now(UTC)
    windows = {
        "announcement": (now - timedelta(minutes=5), now + timedelta(minutes=30)),
        "document_download": (now - timedelta(minutes=5), now + timedelta(minutes=30)),
        "bid_submission": (now - timedelta(minutes=1), now + timedelta(minutes=30)),
        "bid_opening": (now + timedelta(minutes=30), now + timedelta(days=1)),
    }
    schedule = {s: {"starts_at": a.isoformat(), "ends_at": b.isoformat()} for s, (a, b) in windows.items()}
    body: dict[str, Any] = {"package_id": created["id"], "evaluation": "lowest_price", "schedule": schedule}
    tender = ok(await client.post(f"{where.base}/tenders", headers=where.pokja, json=body))
    announced = ok(
        await client.post(f"{where.base}/tenders/{tender['id']}/announcement", headers=where.pokja)
    )
    desk = Desk(client, engine, where, tender["id"], announced["tender_key"])
    await desk.register([bidder])
    ok(await desk.bid(bidder, 880_000_000))
    refused = f'lpsehub_bids_refused_total{{tenant="{where.slug}",reason="invalid"}}'
    for n in range(REFUSALS_AT_THE_DEADLINE):
        broken = await client.post(
            f"{desk.url}/bids",
            content=b"not a sealed bid",
            headers={**bidder.headers, "Content-Type": "application/vnd.lpse-hub.sealed-bid+json"},
        )
        assert broken.status_code == 400, broken.text
        if n == 0:
            # A counter's first sample is its starting point: a rate sees only what comes after it.
            # So Prometheus takes that sample before the burst goes on (it polls another process,
            # which scrapes on its own clock: there is no clock to inject).
            eventually("the first refusal scraped", lambda: prometheus.query(refused))


async def _vendor_logs_in(http: httpx.AsyncClient, email: str) -> None:
    page = await http.get("/login")
    csrf = re.search(r'name=csrf value="([^"]+)"', page.text)
    assert csrf is not None, page.text
    form = {"email": email, "password": PASSWORD, "csrf": csrf.group(1), "next": "/"}
    logged_in = await http.post("/login", data=form)
    assert logged_in.status_code == 303, logged_in.text


async def follow_itself(engine: AsyncEngine, url: str) -> None:
    """The hub follows its own feed as a peer would (two hubs are ``test_peers``' business): the
    peer's last sync gets a time, so ``lpsehub_peer_sync_age_seconds`` has a series."""
    async with hub_sessions(engine)() as session, session.begin():
        await add_peer(session, "cermin", url)
    await until_the_feed_has_passed(engine)
    report = await sync_peer(engine, "cermin")
    assert report.entries > 0, report
