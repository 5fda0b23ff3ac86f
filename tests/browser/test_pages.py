"""Every HTML page of the hub, in a real browser: accessible (axe-core: no serious or critical
violation), at most 100 KB on first load (the API documentation apart), rendered under its own
Content-Security-Policy, and photographed at a phone's and a desktop's width for the README
(``docs/screenshots``). The API documentation also renders with every other host unreachable.

To check a new page, add a ``Visit`` to ``PAGES``: its name (the screenshots' file names), its path,
the status it answers with, and who looks at it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Route
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, grant_role
from federation.identity.models import Account, LoginThrottle
from federation.oidc.clients import create_client
from federation.oidc.tokens import TokenService
from hub.core.database import hub_sessions
from hub.core.master_key import MasterKey
from tests.browser.page_check import check_page, fresh_context
from tests.e2e.procurement import PASSWORD as VENDOR_PASSWORD
from tests.e2e.procurement import Bidder, Client, Desk, ok, person, regency, vendor
from tests.integration.monitoring.reviews.review_scenario import Moves, today
from tests.live_server import LiveHub

PASSWORD = "rahasia-pokja-2026"
CALLBACK = "http://127.0.0.1:9/callback"


@dataclass(frozen=True)
class World:
    """Two regencies of East Java with a month of tenders; an official who logs in with a password;
    a hub admin (who reads the province's review); a third-party client that asks for consent."""

    email: str
    admin_token: str
    third_party: str
    tender: str  # the contracted tender's portal path, as the home page links it
    vendor_email: str  # a vendor's user, who bid in Malang and registered for Blitar's open tender
    vendor_tender: str  # Blitar's open tender's ocid


class Who(Enum):
    ANYONE = "anyone"
    LOGGED_IN = "an official logged in through the login form"
    HUB_ADMIN = "a hub admin, with a bearer token"
    VENDOR = "a vendor's user logged in through the workspace's OpenID login (/akun/masuk)"


@dataclass(frozen=True)
class Visit:
    name: str
    path: Callable[[World], str]
    who: Who = Who.ANYONE
    status: int = 200
    fits_phone: bool = True


def review_path(_: World) -> str:
    period = {"from": (today() - timedelta(days=30)).isoformat(), "to": today().isoformat(), "format": "html"}
    return f"/api/reviews/35?{urlencode(period)}"


def consent_path(world: World) -> str:
    request = {
        "response_type": "code",
        "client_id": world.third_party,
        "redirect_uri": CALLBACK,
        "scope": "openid profile email",
        "state": "s",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    return f"/oauth/authorize?{urlencode(request)}"


def receipt_path(world: World) -> str:
    """The receipt page of the vendor's bid to the contracted tender (its ocid ends in code-id)."""
    code, tender = world.tender.rsplit("-", 2)[-2:]
    return f"/akun/penawaran/{code}/{tender}"


PAGES = [
    Visit("login", lambda _: "/login"),
    Visit("error", lambda _: "/oauth/authorize?client_id=nobody&response_type=code", status=400),
    Visit("consent", consent_path, Who.LOGGED_IN),
    # The review is an A4 report for the province's staff; on a phone its wide tables scroll sideways.
    Visit("review", review_path, Who.HUB_ADMIN),
    # The public portal (issue 18), as anyone sees it: no login.
    Visit("home", lambda _: "/"),
    Visit("search", lambda _: "/?q=jalan&category=construction"),
    Visit("tender", lambda w: w.tender),
    Visit("lpse", lambda _: "/lpse/kab-malang"),
    Visit("lpse-index", lambda _: "/lpse"),
    Visit("data", lambda _: "/data"),
    Visit("home-en", lambda _: "/?lang=en"),
    Visit("not-found", lambda _: "/tender/ocds-nowhere-1", status=404),
    # The vendor workspace (issue 18), as a vendor's user logged in through the hub's provider sees it.
    Visit("vendor-registration", lambda _: "/akun/daftar"),
    Visit("workspace", lambda _: "/akun", Who.VENDOR),
    Visit("workspace-tenders", lambda _: "/akun/tender", Who.VENDOR),
    Visit("workspace-tender", lambda w: f"/akun/tender/{w.vendor_tender}", Who.VENDOR),
    Visit("workspace-bids", lambda _: "/akun/penawaran", Who.VENDOR),
    Visit("workspace-contracts", lambda _: "/akun/kontrak", Who.VENDOR),
    # A bid's receipt, checked in the page (receipt-check.js, which loads sealing.js, weighed apart).
    Visit("workspace-receipt", lambda w: receipt_path(w), Who.VENDOR),
    # Sealing in the browser: the signing key's page and the tender's page run bid.js (and load
    # sealing.js, weighed apart); the tender's page shows its sealing form.
    Visit("workspace-key", lambda _: "/akun/kunci", Who.VENDOR),
    Visit("workspace-refused", lambda _: "/akun", Who.LOGGED_IN, status=403),
    # The API documentation: the hub's own pages, under the same 100 KB as every page.
    Visit("schema", lambda _: "/schema"),
    Visit("schema-operation", lambda _: "/schema/op/TSlugApiTendersCreate"),
]


async def a_month_of_tenders(client: Client, engine: AsyncEngine) -> tuple[Bidder, Desk]:
    """Malang with a tender contracted today after two bids, Blitar with one announced: the review
    then has figures, charts and rows to show (as tests/e2e/test_review.py sets it up)."""
    malang = Moves(client, engine, await regency(client, engine, "kab-malang", "3507"))
    blitar = Moves(client, engine, await regency(client, engine, "kab-blitar", "3505"))
    verifier = await person(engine, "verifier", "kab-blitar")
    a, b = [await vendor(client, engine, n, "3507", verifier, "kab-blitar") for n in ("andalas", "bromo")]
    prices = {a: 950_000_000, b: 990_000_000}
    await malang.contracted(
        "Rehabilitasi Jalan Kepanjen",
        1_000_000_000,
        prices,
        950_000_000,
        days_to_contract=3,
        signed_on=today(),
    )
    puskesmas = await blitar.announced("Rehabilitasi Gedung Puskesmas", 100_000_000)
    await puskesmas.register([a])
    now, day = datetime.now(UTC), timedelta(days=1)
    moved = {  # a notice in the vendor's workspace, and at the top of the tender's page
        "stage": "bid_submission",
        "starts_at": (now + day).isoformat(),
        "ends_at": (now + 2 * day).isoformat(),
        "reason": "Addendum dokumen pemilihan",
    }
    ok(await puskesmas.post("schedule-changes", blitar.where.pokja, moved))
    return a, puskesmas


@pytest_asyncio.fixture(loop_scope="session")
async def world(clean_identity: AsyncEngine, client: Client, live: LiveHub) -> World:
    engine = clean_identity
    bidder, open_tender = await a_month_of_tenders(client, engine)
    async with hub_sessions(engine)() as session:
        vendor_email = await session.scalar(
            select(Account.email).where(Account.vendor_id == bidder.vendor_id)
        )
    assert vendor_email is not None
    email = f"pokja.{uuid.uuid4().hex[:8]}@malangkab.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        await create_account(session, email, "Anggota Pokja", PASSWORD, email_verified=True)
        admin = await create_account(
            session, f"admin.{uuid.uuid4().hex[:8]}@jatimprov.go.id", "Admin", PASSWORD, email_verified=True
        )
        await grant_role(session, admin.email, "hub_admin", None)
        budget, _ = await create_client(session, "e-Budgeting", [CALLBACK], confidential=False)
        # Other tests fail logins from 127.0.0.1: this one starts with that address's failures forgotten.
        await session.execute(delete(LoginThrottle).where(LoginThrottle.key == "address:127.0.0.1"))
    tokens = TokenService(engine, MasterKey.parse(live.master_key), live.url, token_seconds=600)
    await tokens.refresh()
    token, _ = tokens.access_token(str(admin.id), "test-client", "openid lpse")
    async with httpx.AsyncClient(base_url=live.url) as http:
        home = (await http.get("/")).text
    tender = re.search(r'href="(/tender/[^"]+)"[^>]*>Rehabilitasi Jalan Kepanjen', home)
    assert tender is not None, "the home page links the contracted tender"
    vendor_tender = f"ocds-lpsehub-3505-{open_tender.tender_id}"
    return World(email, token, budget.client_id, tender.group(1), vendor_email, vendor_tender)


async def log_in(page: Page, live: LiveHub, email: str, password: str) -> None:
    """Log in as a person does: the login page, the two fields, the button; returns once the
    hub's answer (the login page again, or where it sends the person) has loaded."""
    await page.goto(f"{live.url}/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi / Password").fill(password)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Masuk").click()


async def vendor_logs_in(page: Page, live: LiveHub, email: str) -> None:
    """The workspace's login as a vendor goes through it: "Masuk" in the header, the hub's
    provider's login form, and back to the workspace (code with PKCE, exchanged by the hub)."""
    await page.goto(f"{live.url}/")
    async with page.expect_navigation():
        await page.get_by_role("link", name="Masuk").click()
    assert page.url.startswith(f"{live.url}/login?"), page.url
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi / Password").fill(VENDOR_PASSWORD)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Masuk").click()
    assert page.url == f"{live.url}/akun", page.url


async def context_of(who: Who, browser: Browser, live: LiveHub, world: World) -> BrowserContext:
    if who is Who.HUB_ADMIN:
        return await fresh_context(
            browser, extra_http_headers={"Authorization": f"Bearer {world.admin_token}"}
        )
    context = await fresh_context(browser)
    if who is Who.VENDOR:
        page = await context.new_page()
        await vendor_logs_in(page, live, world.vendor_email)
        await page.close()
    if who is Who.LOGGED_IN:
        page = await context.new_page()
        await log_in(page, live, world.email, PASSWORD)
        assert not page.url.startswith(f"{live.url}/login"), "the good password did not log in"
        await page.close()
    return context


@pytest.mark.parametrize("visit", PAGES, ids=[v.name for v in PAGES])
async def test_the_page_is_accessible_light_and_fits_a_phone(
    visit: Visit, browser: Browser, live: LiveHub, world: World
) -> None:
    context = await context_of(visit.who, browser, live, world)
    try:
        checked = await check_page(
            await context.new_page(),
            live.url + visit.path(world),
            visit.name,
            visit.status,
            visit.fits_phone,
        )
    finally:
        await context.close()
    assert checked.text.strip(), f"{visit.name}: the page shows nothing"


async def test_the_consent_page_names_the_client_and_what_it_asks(
    browser: Browser, live: LiveHub, world: World
) -> None:
    context = await context_of(Who.LOGGED_IN, browser, live, world)
    try:
        page = await context.new_page()
        await page.goto(live.url + consent_path(world))
        assert "e-Budgeting" in await page.inner_text("body")
        assert await page.get_by_role("button", name="Izinkan / Allow").is_visible()
        assert await page.get_by_role("button", name="Tolak / Deny").is_visible()
    finally:
        await context.close()


async def test_logging_in_works_with_javascript_off(browser: Browser, live: LiveHub, world: World) -> None:
    context = await fresh_context(browser, java_script_enabled=False)
    try:
        page = await context.new_page()
        await log_in(page, live, world.email, "not the password")
        assert "Masuk / Log in" in await page.title()  # the form again, saying why
        assert await page.locator(".error").is_visible()
        assert await page.get_by_label("Email").is_visible()
        await log_in(page, live, world.email, PASSWORD)
        assert page.url == f"{live.url}/"  # sent on, where the form's `next` said
        await page.goto(live.url + consent_path(world))  # the session holds: no login asked again
        assert "Izin akses / Allow access" in await page.title()
    finally:
        await context.close()


async def test_the_api_documentation_renders_with_no_internet(browser: Browser, live: LiveHub) -> None:
    """Every request to a host other than the hub's is refused, as on a closed network, and no
    script runs: the page still shows the operations, an operation's page opens from it, and
    nothing was asked of any other host."""
    hub_host = urlsplit(live.url).netloc
    elsewhere: list[str] = []

    async def only_the_hub(route: Route) -> None:
        if urlsplit(route.request.url).netloc == hub_host:
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort("internetdisconnected")

    context = await fresh_context(browser, java_script_enabled=False)
    try:
        await context.route("**/*", only_the_hub)
        page = await context.new_page()
        await page.goto(f"{live.url}/schema", wait_until="load")
        assert await page.title() == "Referensi API · Portal Pengadaan Provinsi"
        operation = page.get_by_text("The database answers and every schema is at head").first
        await operation.wait_for(state="attached", timeout=30_000)
        await page.get_by_role("link", name="/health/ready").click()
        await page.get_by_role("heading", name="GET /health/ready").wait_for(timeout=30_000)
    finally:
        await context.close()
    assert not elsewhere, f"the API documentation asked other hosts: {elsewhere}"
