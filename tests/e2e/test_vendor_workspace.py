"""The vendor workspace, over HTTP as a browser drives it: logging in through the hub's own OpenID
provider (code with PKCE S256, state, nonce; the session cookie's flags), each page, the refusals,
and logging out everywhere.

The hub is served at an https issuer, as deployments are (the OAuth endpoints answer over TLS only),
so the session cookie is ``Secure``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.demo.backdate import advance
from federation.identity.accounts import create_account
from federation.identity.models import Account
from federation.oidc.models import RefreshToken
from hub.core.database import hub_sessions
from tests.e2e.procurement import (
    PASSWORD,
    Bidder,
    Client,
    Desk,
    Regency,
    ok,
    package,
    person,
    regency,
    vendor,
)
from tests.e2e.web_session import CALLBACK, csrf_of, log_in

pytestmark = pytest.mark.horizon  # announcing a tender writes to the feed other workers' tests read


@dataclass
class World:
    malang: Regency
    desk: Desk
    bidder: Bidder
    email: str
    ocid: str


async def email_of(engine: AsyncEngine, vendor_id: int) -> str:
    async with hub_sessions(engine)() as session:
        email = await session.scalar(select(Account.email).where(Account.vendor_id == vendor_id).limit(1))
    assert email is not None
    return email


async def announced_with_clarification(desk: Desk, title: str) -> None:
    """A tender announced with a clarification stage open now (``Desk.announce`` has none)."""
    r, now, day = desk.regency, datetime.now(UTC), timedelta(days=1)
    created = await package(desk.client, r, title, owner_estimate=500_000_000)
    windows = {
        "announcement": (now - timedelta(minutes=5), now + 3 * day),
        "document_download": (now - timedelta(minutes=5), now + 3 * day),
        "clarification": (now - timedelta(minutes=5), now + day),
        "bid_submission": (now + day, now + 3 * day),
        "bid_opening": (now + 3 * day, now + 4 * day),
    }
    schedule = {s: {"starts_at": a.isoformat(), "ends_at": b.isoformat()} for s, (a, b) in windows.items()}
    body = {"package_id": created["id"], "evaluation": "lowest_price", "schedule": schedule}
    desk.tender_id = ok(await desk.client.post(f"{r.base}/tenders", headers=r.pokja, json=body))["id"]
    announced = ok(await desk.client.post(f"{desk.url}/announcement", headers=r.pokja))
    desk.tender_key = announced["tender_key"]


@pytest_asyncio.fixture(loop_scope="session")
async def world(web: Client, clean_identity: AsyncEngine) -> World:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bidder = await vendor(web, engine, "arum", "3507", verifier, "kab-malang")
    desk = Desk(web, engine, malang)
    await announced_with_clarification(desk, "Rehabilitasi Jalan Kepanjen")
    ok(
        await web.post(
            f"{desk.url}/documents",
            headers=malang.pokja,
            files={"file": ("rks.pdf", b"%PDF rencana kerja", "application/pdf")},
        )
    )
    email = await email_of(engine, bidder.vendor_id)
    return World(malang, desk, bidder, email, f"ocds-lpsehub-3507-{desk.tender_id}")


async def test_a_vendor_logs_in_through_the_hubs_provider_with_pkce_state_and_nonce(
    web: Client, world: World
) -> None:
    start = await web.get("/akun/masuk", params={"next": "/akun/penawaran"})
    assert start.status_code == 302
    request = urlsplit(start.headers["location"])
    asked = {k: v[0] for k, v in parse_qs(request.query).items()}
    assert request.path == "/oauth/authorize"
    assert asked["client_id"] == "lpse-hub-web"
    assert asked["redirect_uri"] == CALLBACK
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) == 43  # base64url of a SHA-256, unpadded
    assert len(asked["state"]) >= 32
    assert len(asked["nonce"]) >= 32
    assert set(asked["scope"].split()) >= {"openid", "offline_access"}
    cookie = start.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "secure" in cookie
    assert "samesite=lax" in cookie
    assert asked["state"].lower() not in cookie  # the pending login is encrypted

    web.cookies.clear()
    finished = await log_in(web, world.email, start="/akun/penawaran")
    assert finished.status_code == 303
    assert finished.headers["location"] == "/akun/penawaran"
    assert "secure" in finished.headers["set-cookie"].lower()
    replayed = await web.get(str(finished.request.url))  # the same callback again: its login is over
    assert replayed.status_code == 400
    mine = await web.get("/akun")
    assert mine.status_code == 200
    assert world.bidder.name in mine.text
    assert "Terverifikasi" in mine.text


async def test_a_callback_this_browser_did_not_start_is_refused(web: Client, world: World) -> None:
    web.cookies.clear()
    start = await web.get("/akun/masuk")
    assert start.status_code == 302
    forged = await web.get("/akun/masuk/kembali", params={"code": "stolen", "state": "not-ours"})
    assert forged.status_code == 400
    assert "Proses masuk tidak dapat diselesaikan" in forged.text
    denied = await web.get("/akun/masuk/kembali", params={"error": "access_denied", "state": "x"})
    assert denied.status_code == 400
    assert (await web.get("/akun")).status_code == 303  # still not logged in


async def test_the_workspace_registers_for_a_tender_hands_documents_and_takes_questions(
    web: Client, world: World
) -> None:
    web.cookies.clear()
    await log_in(web, world.email)
    tenders = await web.get("/akun/tender")
    assert tenders.status_code == 200
    assert "Rehabilitasi Jalan Kepanjen" in tenders.text
    assert f'action="/akun/tender/{world.ocid}/daftar"' in tenders.text

    page = await web.get(f"/akun/tender/{world.ocid}")
    assert "belum terdaftar" in page.text
    assert "/dokumen/" not in page.text  # documents are for registered vendors
    locked = await web.get(f"/akun/tender/{world.ocid}/dokumen/1")
    assert locked.status_code == 403
    assert "documents are for vendors registered for this tender" in locked.text
    assert (await web.get("/akun/tender/ocds-lpsehub-3507-999999")).status_code == 404
    no_token = await web.post(f"/akun/tender/{world.ocid}/daftar", data={})
    assert no_token.status_code == 403  # no CSRF token, no registration
    registered = await web.post(f"/akun/tender/{world.ocid}/daftar", data={"csrf": csrf_of(page)})
    assert registered.status_code == 303
    page = await web.get(registered.headers["location"])
    assert "Perusahaan Anda terdaftar" in page.text
    again = await web.post(f"/akun/tender/{world.ocid}/daftar", data={"csrf": csrf_of(page)})
    assert again.status_code == 409
    assert "registered for this tender already" in again.text  # the service's own words

    link = re.search(r'href="(/akun/tender/[^"]+/dokumen/\d+)"', page.text)
    assert link is not None, page.text
    document = await web.get(link.group(1))
    assert document.status_code == 200
    assert document.content == b"%PDF rencana kerja"

    short = await web.post(f"/akun/tender/{world.ocid}/tanya", data={"csrf": csrf_of(page), "question": "?"})
    assert short.status_code == 400
    assert "5 to 4000 characters" in short.text
    question = "Apakah jaminan penawaran boleh berupa surety bond?"
    asked = await web.post(
        f"/akun/tender/{world.ocid}/tanya", data={"csrf": csrf_of(page), "question": question}
    )
    assert asked.status_code == 303
    page = await web.get(f"/akun/tender/{world.ocid}")
    assert question in page.text
    assert "pertanyaan Anda" in page.text
    assert 'id="sealing"' in page.text  # the place sealing.js takes over
    assert "Sidik jari kunci tender" in page.text

    assert "Belum ada penawaran" in (await web.get("/akun/penawaran")).text
    await advance(world.desk.engine, world.malang.schema, world.desk.tender_id, "bid_submission")
    ok(await world.desk.bid(world.bidder, 480_000_000))
    bids = await web.get("/akun/penawaran")
    assert world.ocid in bids.text
    assert "receipt" in bids.text.lower()


async def test_registering_a_company_shows_the_apis_refusal_next_to_its_field(
    web: Client, hub: AsyncEngine
) -> None:
    web.cookies.clear()
    form = await web.get("/akun/daftar")
    assert form.status_code == 200
    number = uuid.uuid4().int % 10**15
    fields = {
        "csrf": csrf_of(form),
        "name": "CV Maju Jaya",
        "npwp": "12345",
        "address": "Jl. Merdeka 1",
        "home_regency_code": "3507",
        "kbli": "41011, 42101",
        "email": f"maju.{number}@vendor.co.id",
        "user_name": "Direktur",
        "password": PASSWORD,
    }
    refused = await web.post("/akun/daftar", data=fields)
    assert refused.status_code == 400
    assert 'aria-describedby="e-npwp"' in refused.text
    assert 'value="CV Maju Jaya"' in refused.text  # what was typed is kept
    assert PASSWORD not in refused.text  # but not the password
    accepted = await web.post("/akun/daftar", data={**fields, "npwp": f"{number:015d}"})
    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith("/akun/masuk")


async def test_an_official_is_refused_and_a_visitor_sent_to_log_in(web: Client, hub: AsyncEngine) -> None:
    web.cookies.clear()
    assert (await web.get("/akun/tender")).headers["location"] == "/akun/masuk?next=%2Fakun%2Ftender"
    email = f"pokja.{uuid.uuid4().hex[:8]}@malangkab.go.id"
    async with hub_sessions(hub)() as session, session.begin():
        await create_account(session, email, "Anggota Pokja", PASSWORD, email_verified=True)
    finished = await log_in(web, email)
    assert finished.status_code == 303
    refused = await web.get("/akun")
    assert refused.status_code == 403
    assert "Khusus penyedia" in refused.text


async def test_logging_out_ends_the_session_in_every_browser(web: Client, world: World) -> None:
    web.cookies.clear()
    await log_in(web, world.email)
    page = await web.get("/akun")
    assert page.status_code == 200
    elsewhere = dict(web.cookies.items())  # the same login's cookie, as another copy would hold it
    assert (await web.post("/keluar", data={})).status_code == 403  # not without the form's token
    out = await web.post("/keluar", data={"csrf": csrf_of(page)})
    assert out.status_code == 303
    assert (await web.get("/akun")).status_code == 303
    web.cookies.clear()
    for name, value in elsewhere.items():
        web.cookies.set(name, value)
    assert (await web.get("/akun")).status_code == 303  # the family is revoked: that cookie is over
    async with hub_sessions(world.desk.engine)() as session:
        account_id = await session.scalar(select(Account.id).where(Account.email == world.email))
        live = await session.scalar(
            select(RefreshToken.id).where(
                RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None)
            )
        )
    assert live is None
