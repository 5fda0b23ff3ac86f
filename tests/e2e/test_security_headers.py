"""Every response says how a browser may treat it: never framed, never sniffed, no referrer, and a
strict Content-Security-Policy that lets the hub's HTML pages load nothing but their own style."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import pytest_asyncio
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, grant_role
from federation.oidc.clients import create_client
from hub.core.database import hub_sessions
from hub.core.settings import Settings
from hub.web.app import create_app
from tests.conftest import make_tenant
from tests.e2e.procurement import Client, bearer, person

PASSWORD = "rahasia-negara-2026"
CALLBACK = "https://ebudgeting.jatimprov.go.id/oauth/callback"
CLIENT_ORIGIN = "https://ebudgeting.jatimprov.go.id"
EVERY_RESPONSE = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}
STRICT = (
    "default-src 'self'",
    "script-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
)


def policy(response: httpx.Response) -> dict[str, str]:
    """The response's Content-Security-Policy, directive by directive."""
    directives = (d.strip().partition(" ") for d in response.headers["content-security-policy"].split(";"))
    return {name: sources for name, _, sources in directives}


def assert_strict_page(response: httpx.Response) -> dict[str, str]:
    """An HTML page under the strict policy: every header, no script, and each of its inline styles
    named by its hash (so the browser applies it)."""
    assert response.headers["content-type"].startswith("text/html"), response.headers
    for name, value in EVERY_RESPONSE.items():
        assert response.headers[name] == value, name
    csp = response.headers["content-security-policy"]
    for directive in STRICT:
        assert directive in csp, csp
    assert "<script" not in response.text.lower()
    styles = re.findall(r"<style>(.*?)</style>", response.text, flags=re.S)
    assert styles, "the hub's pages carry their style inline"
    for style in styles:
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy(response)["style-src"].split()
    assert "'unsafe-inline'" not in csp
    return policy(response)


@pytest_asyncio.fixture(loop_scope="session")
async def browser(hub: AsyncEngine, settings: Settings) -> AsyncIterator[Client]:
    """A browser reaching the hub over https, as the OAuth pages require (RFC 6749, 3.1)."""
    async with AsyncTestClient(app=create_app(settings), base_url="https://lpse.jatimprov.go.id") as client:
        yield client


@dataclass
class Flow:
    authorize_url: str
    email: str


@pytest.fixture
async def flow(hub: AsyncEngine) -> Flow:
    """An official, and a third-party client whose authorization request needs the consent page."""
    email = f"ppk.{uuid.uuid4().hex[:8]}@malangkab.go.id"
    await make_tenant(hub, "kab-malang", "3507")
    async with hub_sessions(hub)() as session, session.begin():
        await create_account(session, email, "Siti Rahayu", PASSWORD, email_verified=True)
        await grant_role(session, email, "tenant_admin", "kab-malang")
        budget, _ = await create_client(session, "e-Budgeting", [CALLBACK], confidential=False)
    query = {
        "response_type": "code",
        "client_id": budget.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid",
        "state": "s-1",
        "code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256",
    }
    return Flow("/oauth/authorize?" + urlencode(query), email)


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name=csrf value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


async def test_the_login_and_consent_pages_cannot_be_framed_and_post_only_towards_the_client(
    browser: Client, flow: Flow
) -> None:
    client = browser
    to_login = await client.get(flow.authorize_url, follow_redirects=False)
    assert to_login.status_code == 302
    next_url = parse_qs(urlsplit(to_login.headers["location"]).query)["next"][0]
    login = await client.get("/login", params={"next": next_url})
    assert login.status_code == 200
    # The login continues an authorization request: its form ends in a redirect to the client.
    assert assert_strict_page(login)["form-action"].split() == ["'self'", CLIENT_ORIGIN]
    wrong = await client.post(
        "/login", data={"email": flow.email, "password": "salah", "csrf": csrf_of(login), "next": next_url}
    )
    assert wrong.status_code == 401
    assert assert_strict_page(wrong)["form-action"].split() == ["'self'", CLIENT_ORIGIN]
    logged_in = await client.post(
        "/login",
        data={"email": flow.email, "password": PASSWORD, "csrf": csrf_of(wrong), "next": next_url},
        follow_redirects=False,
    )
    assert logged_in.status_code == 303, logged_in.text
    consent = await client.get(next_url)
    assert consent.status_code == 200
    assert "e-Budgeting" in consent.text
    assert assert_strict_page(consent)["form-action"].split() == ["'self'", CLIENT_ORIGIN]


@pytest.mark.parametrize(
    "next_url",
    [
        "/",
        "/oauth/authorize?client_id=nobody&redirect_uri=https://evil.example/cb&response_type=code",
        "/oauth/authorize?redirect_uri=https://evil.example/x;script-src%20*",
    ],
    ids=["a page", "an unknown client", "a directive smuggled in the redirect URI"],
)
async def test_a_login_page_names_no_origin_the_authorization_server_did_not_check(
    client: Client, hub: AsyncEngine, next_url: str
) -> None:
    page = await client.get("/login", params={"next": next_url})
    directives = assert_strict_page(page)
    assert directives["form-action"] == "'self'"
    assert directives["script-src"] == "'none'"


async def test_every_html_page_of_the_hub_is_under_the_strict_policy(
    browser: Client, hub: AsyncEngine
) -> None:
    """The login page, the error page, and the review page (the hub's other inline style)."""
    client = browser
    await make_tenant(hub, "kab-malang", "3507")
    admin = bearer(client, await person(hub, "hub_admin", None))
    period = {"from": (date.today() - timedelta(days=30)).isoformat(), "to": date.today().isoformat()}
    pages = {
        "login": await client.get("/login"),
        "error": await client.get(
            "/oauth/authorize", params={"client_id": "nobody", "response_type": "code"}
        ),
        "review": await client.get("/api/reviews/35", params={**period, "format": "html"}, headers=admin),
    }
    assert [page.status_code for page in pages.values()] == [200, 400, 200]
    for page in pages.values():
        assert_strict_page(page)


@pytest.mark.parametrize(
    "path", ["/health/live", "/no/such/route", "/api/tenants", "/t/nowhere/api/agencies"], ids=str
)
async def test_every_response_carries_the_headers(client: Client, hub: AsyncEngine, path: str) -> None:
    """JSON answers, problems and unknown routes alike."""
    response = await client.get(path)
    for name, value in EVERY_RESPONSE.items():
        assert response.headers[name] == value, (path, name)
    for directive in STRICT:
        assert directive in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/schema", "/schema/op/ApiTenantsIndex", "/schema/op/NoSuchOperation"])
async def test_the_api_documentation_is_under_the_portals_policy(
    client: Client, hub: AsyncEngine, path: str
) -> None:
    """Its pages are the portal's kind: the hub's stylesheet, no script, nothing from another host."""
    docs = await client.get(path)
    assert docs.status_code == (404 if "NoSuch" in path else 200)
    assert docs.headers["content-type"].startswith("text/html")
    for name, value in EVERY_RESPONSE.items():
        assert docs.headers[name] == value, name
    directives = policy(docs)
    assert directives["script-src"] == "'none'"
    assert directives["style-src"].split()[0] == "'self'"  # the portal's stylesheet
    assert "'unsafe-inline'" not in docs.headers["content-security-policy"]
    assert "img-src" not in directives
    assert "<script" not in docs.text
    assert not re.findall(r"(?:https?:)?//[^\s\"'<>]+", docs.text), "the page names another host"
    for asset in re.findall(r'<link rel="stylesheet" href="(/[^"]+)"', docs.text):
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert "max-age=31536000" in served.headers["cache-control"]  # its address changes with its bytes


async def test_the_openapi_document_is_under_the_strict_policy(client: Client, hub: AsyncEngine) -> None:
    document = await client.get("/schema/openapi.json")
    assert document.status_code == 200
    for directive in STRICT:
        assert directive in document.headers["content-security-policy"]
