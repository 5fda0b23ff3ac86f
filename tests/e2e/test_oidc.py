"""The hub as an OpenID provider, driven over HTTP by authlib's own OAuth 2 client against a live server."""

from __future__ import annotations

import html
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, grant_role
from federation.identity.policy import SCOPE_MEANINGS, SUPPORTED_SCOPES, Scope
from federation.oidc.clients import create_client
from federation.oidc.models import SigningKey
from federation.oidc.signing_keys import rotate_signing_keys
from federation.oidc.tokens import TokenService
from hub.core.clock import utcnow
from hub.core.database import hub_sessions
from hub.core.errors import InvalidInput
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tests.conftest import make_tenant
from tests.e2e.procurement import Client
from tests.live_server import LiveHub, live_hub

PASSWORD = "rahasia-negara-2026"
CALLBACK = "http://127.0.0.1:9/callback"
REVIEWER_NAME = "Rakor <Jatim> & Co"
FULL_SCOPE = "openid profile email offline_access lpse"


@pytest.fixture(scope="module")
def server(
    engine: AsyncEngine, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    assert settings.database_url is not None
    # KEY_REFRESH_SECONDS=0: the server reloads its keys at each request, so a rotation reaches it at
    # once, with no waiting (when it reloads otherwise is timed on a manual clock in
    # tests/integration/federation/oidc/test_signing_key_reloads.py).
    with live_hub(settings.database_url, tmp_path_factory.mktemp("live"), KEY_REFRESH_SECONDS="0") as hub:
        yield hub


@dataclass
class World:
    email: str
    first_party: str
    third_party: str
    machine_id: str
    machine_secret: str
    reviewer: str
    """A third-party client registered for ``openid review:read``, its name full of HTML."""


@pytest.fixture
async def world(hub: AsyncEngine) -> World:
    """Two regencies; an official who is tenant_admin in Malang only; four clients."""
    await make_tenant(hub, "kab-malang", "3507")
    await make_tenant(hub, "kab-blitar", "3505")
    email = f"ppk.{uuid.uuid4().hex[:8]}@malangkab.go.id"
    async with hub_sessions(hub)() as session, session.begin():
        await create_account(session, email, "Siti Rahayu", PASSWORD, email_verified=True)
        await grant_role(session, email, "tenant_admin", "kab-malang")
        ui, _ = await create_client(session, "Hub UI", [CALLBACK], confidential=False, first_party=True)
        budget, _ = await create_client(session, "e-Budgeting", [CALLBACK], confidential=False)
        machine, secret = await create_client(session, "e-Monev", [], confidential=True, scopes=["lpse"])
        reviewer, _ = await create_client(
            session, REVIEWER_NAME, [CALLBACK], confidential=False, scopes=["openid", "review:read"]
        )
    assert secret is not None
    return World(email, ui.client_id, budget.client_id, machine.client_id, secret, reviewer.client_id)


class Browser:
    """A person at a browser: follows the hub's pages by hand, keeps its cookies."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, follow_redirects=False)

    def login_page(self, next_url: str) -> tuple[str, str]:
        page = self.http.get("/login", params={"next": next_url})
        csrf = re.search(r'name=csrf value="([^"]+)"', page.text)
        assert csrf is not None, page.text
        return csrf.group(1), next_url

    def log_in(self, email: str, password: str, next_url: str = "/") -> httpx.Response:
        csrf, _ = self.login_page(next_url)
        return self.http.post(
            "/login", data={"email": email, "password": password, "csrf": csrf, "next": next_url}
        )

    def authorize(self, url: str, email: str, password: str = PASSWORD) -> httpx.Response:
        """Open the authorization URL, log in when asked, and return the hub's final answer."""
        first = self.http.get(url)
        if first.status_code == 302 and first.headers["location"].startswith("/login"):
            next_url = parse_qs(urlsplit(first.headers["location"]).query)["next"][0]
            assert self.log_in(email, password, next_url).status_code == 303
            return self.http.get(next_url)
        return first


def oauth_client(server: LiveHub, client_id: str, scope: str = FULL_SCOPE) -> OAuth2Client:
    return OAuth2Client(
        client_id=client_id,
        redirect_uri=CALLBACK,
        scope=scope,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )


def code_flow(
    server: LiveHub, world: World, browser: Browser | None = None, scope: str = FULL_SCOPE
) -> tuple[OAuth2Client, dict[str, str]]:
    """The whole authorization-code + PKCE flow of the first-party client; its client and token."""
    client = oauth_client(server, world.first_party, scope)
    verifier = secrets.token_urlsafe(48)
    url, _state = client.create_authorization_url(
        server.url + "/oauth/authorize", code_verifier=verifier, nonce="n-0S6_WzA2Mj"
    )
    answer = (browser or Browser(server.url)).authorize(url, world.email)
    assert answer.status_code == 302, answer.text
    callback = answer.headers["location"]
    assert callback.startswith(CALLBACK)
    assert "code=" in callback
    token = client.fetch_token(
        server.url + "/oauth/token", authorization_response=callback, code_verifier=verifier
    )
    return client, token


def bearer(token: dict[str, str] | str) -> dict[str, str]:
    value = token if isinstance(token, str) else token["access_token"]
    return {"Authorization": f"Bearer {value}"}


def test_the_provider_describes_itself(server: LiveHub) -> None:
    meta = httpx.get(server.url + "/.well-known/openid-configuration").json()
    assert meta["issuer"] == server.url
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["scopes_supported"] == list(SUPPORTED_SCOPES)  # the policy's scopes, no other list
    keys = httpx.get(meta["jwks_uri"]).json()["keys"]
    assert keys
    assert all(k["kty"] == "EC" and "d" not in k for k in keys)


async def test_code_flow_with_pkce_gives_tokens_that_open_the_tenant_apis(
    server: LiveHub, world: World
) -> None:
    _client, token = code_flow(server, world)
    assert {"access_token", "refresh_token", "id_token"} <= set(token)
    keys = KeySet.import_key_set(httpx.get(server.url + "/oauth/jwks").json())
    id_token = jwt.decode(token["id_token"], keys, algorithms=["ES256"])
    assert id_token.claims["aud"] == world.first_party
    assert id_token.claims["nonce"] == "n-0S6_WzA2Mj"
    assert id_token.claims["email"] == world.email
    assert id_token.claims["iss"] == server.url
    access = jwt.decode(token["access_token"], keys, algorithms=["ES256"]).claims
    assert "roles" not in access
    assert "tenants" not in access
    assert access["family"]  # the authorization it descends from, revoked as a whole

    me = httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(token)).json()
    assert me["roles"] == ["tenant_admin"]
    added = httpx.post(
        server.url + "/t/kab-malang/api/agencies", json={"name": "Dinas Kominfo"}, headers=bearer(token)
    )
    assert added.status_code == 201, added.text
    userinfo = httpx.get(server.url + "/oauth/userinfo", headers=bearer(token)).json()
    assert userinfo["email"] == world.email
    assert userinfo["name"] == "Siti Rahayu"


async def test_a_role_in_one_tenant_grants_nothing_in_another(server: LiveHub, world: World) -> None:
    _, token = code_flow(server, world)
    assert httpx.get(server.url + "/t/kab-blitar/api/me", headers=bearer(token)).json()["roles"] == []
    refused = httpx.post(server.url + "/t/kab-blitar/api/agencies", json={"name": "X"}, headers=bearer(token))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_tenant_apis_refuse_a_missing_or_forged_token(server: LiveHub, world: World) -> None:
    missing = httpx.post(server.url + "/t/kab-malang/api/agencies", json={"name": "X"})
    assert missing.status_code == 401
    assert "Bearer" in missing.headers["www-authenticate"]
    forged = httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer("eyJhbGciOiJub25lIn0.e30."))
    assert forged.status_code == 401


async def test_refresh_rotates_and_reuse_of_an_old_token_revokes_the_family_and_its_access_tokens(
    server: LiveHub, world: World
) -> None:
    client, token = code_flow(server, world)
    first_refresh = token["refresh_token"]
    rotated = client.refresh_token(server.url + "/oauth/token", refresh_token=first_refresh)
    assert rotated["refresh_token"] != first_refresh
    assert "id_token" in rotated
    _, bystander = code_flow(server, world)  # the same person's other login: another family
    for access in (token, rotated, bystander):
        assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(access)).status_code == 200
    reuse = httpx.post(
        server.url + "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first_refresh, "client_id": world.first_party},
    )
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    # the thief's replay also cost the legitimate holder its newer token: the whole family is gone
    after = httpx.post(
        server.url + "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": rotated["refresh_token"],
            "client_id": world.first_party,
        },
    )
    assert after.json()["error"] == "invalid_grant"
    for access in (token, rotated):  # what the family issued stops at once, not when it expires
        stopped = httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(access))
        assert stopped.status_code == 401
        assert 'error="invalid_token"' in stopped.headers["www-authenticate"]
    assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(bystander)).status_code == 200


async def test_revoking_a_refresh_token_stops_every_access_token_of_its_family(
    server: LiveHub, world: World
) -> None:
    client, token = code_flow(server, world)
    rotated = client.refresh_token(server.url + "/oauth/token", refresh_token=token["refresh_token"])
    _, bystander = code_flow(server, world)
    revoked = httpx.post(
        server.url + "/oauth/revoke",
        data={
            "token": rotated["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": world.first_party,
        },
    )
    assert revoked.status_code == 200
    assert revoked.json() == {}
    for access in (token, rotated):
        assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(access)).status_code == 401
        assert httpx.post(server.url + "/oauth/userinfo", headers=bearer(access)).status_code == 401
    assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(bystander)).status_code == 200
    refresh = httpx.post(
        server.url + "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": rotated["refresh_token"],
            "client_id": world.first_party,
        },
    )
    assert refresh.json()["error"] == "invalid_grant"


async def test_a_refresh_token_is_issued_only_with_offline_access(server: LiveHub, world: World) -> None:
    _, online = code_flow(server, world, scope="openid lpse")
    assert "refresh_token" not in online
    assert {"access_token", "id_token"} <= set(online)
    assert online["scope"] == "openid lpse"
    assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(online)).status_code == 200

    _, offline = code_flow(server, world, scope="openid offline_access lpse")
    assert "refresh_token" in offline
    # a refresh that narrows the grant below offline_access ends the family's refreshing
    narrowed = httpx.post(
        server.url + "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": offline["refresh_token"],
            "scope": "openid lpse",
            "client_id": world.first_party,
        },
    )
    assert narrowed.status_code == 200, narrowed.text
    assert "refresh_token" not in narrowed.json()
    assert narrowed.json()["scope"] == "openid lpse"
    again = httpx.post(
        server.url + "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": offline["refresh_token"],
            "client_id": world.first_party,
        },
    )
    assert again.json()["error"] == "invalid_grant"  # it was rotated away, and nothing replaced it


async def test_authorization_refusals_name_the_oauth_error(server: LiveHub, world: World) -> None:
    browser = Browser(server.url)
    assert browser.log_in(world.email, PASSWORD).status_code == 303
    base = {"response_type": "code", "client_id": world.first_party, "scope": "openid", "state": "s1"}
    challenge = create_s256_code_challenge("v" * 50)

    wrong_redirect = browser.http.get(
        "/oauth/authorize",
        params={
            **base,
            "redirect_uri": "https://evil.example/cb",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert wrong_redirect.status_code == 400  # never redirected to an unregistered URI

    no_pkce = browser.http.get("/oauth/authorize", params={**base, "redirect_uri": CALLBACK})
    assert no_pkce.status_code == 302
    assert parse_qs(urlsplit(no_pkce.headers["location"]).query)["error"] == ["invalid_request"]

    plain = browser.http.get(
        "/oauth/authorize",
        params={
            **base,
            "redirect_uri": CALLBACK,
            "code_challenge": "v" * 50,
            "code_challenge_method": "plain",
        },
    )
    assert "error=" in plain.headers["location"]

    unknown_client = browser.http.get(
        "/oauth/authorize",
        params={**base, "client_id": "nobody", "redirect_uri": CALLBACK, "code_challenge": challenge},
    )
    assert unknown_client.status_code == 400


def fresh_code(
    server: LiveHub, world: World, verifier: str, browser: Browser | None = None
) -> dict[str, str]:
    """A new code of the first-party client for ``verifier``'s challenge: the token request without
    its verifier."""
    params = {
        "response_type": "code",
        "client_id": world.first_party,
        "scope": "openid offline_access lpse",
        "redirect_uri": CALLBACK,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    url = server.url + "/oauth/authorize?" + str(httpx.QueryParams(params))
    answer = (browser or Browser(server.url)).authorize(url, world.email)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": world.first_party,
    }


async def test_token_refusals_name_the_oauth_error(server: LiveHub, world: World) -> None:
    browser = Browser(server.url)
    verifier = "v" * 50
    exchange = fresh_code(server, world, verifier, browser)
    missing = httpx.post(server.url + "/oauth/token", data=exchange)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert missing.headers["cache-control"] == "no-store"
    good = httpx.post(server.url + "/oauth/token", data={**exchange, "code_verifier": verifier})
    assert good.status_code == 200, good.text  # a forgotten verifier is not a guess: the code lives
    reused = httpx.post(server.url + "/oauth/token", data={**exchange, "code_verifier": verifier})
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    # a replayed code means it leaked: what was issued for it is revoked too (RFC 6749 4.1.2)
    leaked_refresh = httpx.post(
        server.url + "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": good.json()["refresh_token"],
            "client_id": world.first_party,
        },
    )
    assert leaked_refresh.json()["error"] == "invalid_grant"
    leaked_access = httpx.get(
        server.url + "/t/kab-malang/api/me", headers=bearer(good.json()["access_token"])
    )
    assert leaked_access.status_code == 401
    bad_grant = httpx.post(
        server.url + "/oauth/token", data={"grant_type": "password", "client_id": world.first_party}
    )
    assert bad_grant.json()["error"] == "unsupported_grant_type"
    assert set(bad_grant.json()) <= {"error", "error_description", "error_uri"}  # RFC 6749 5.2


async def test_a_code_is_dead_after_a_wrong_pkce_verifier(server: LiveHub, world: World) -> None:
    verifier = "v" * 50
    exchange = fresh_code(server, world, verifier)
    wrong = httpx.post(server.url + "/oauth/token", data={**exchange, "code_verifier": "w" * 50})
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    right = httpx.post(server.url + "/oauth/token", data={**exchange, "code_verifier": verifier})
    assert right.status_code == 400  # a guesser gets one try, and so does the client
    assert right.json()["error"] == "invalid_grant"

    malformed = fresh_code(server, world, verifier)
    assert (
        httpx.post(server.url + "/oauth/token", data={**malformed, "code_verifier": "short"}).status_code
        == 400
    )
    late = httpx.post(server.url + "/oauth/token", data={**malformed, "code_verifier": verifier})
    assert late.json()["error"] == "invalid_grant"


async def test_revoked_expired_and_foreign_tokens_are_refused(
    server: LiveHub, world: World, hub: AsyncEngine
) -> None:
    _client, token = code_flow(server, world)
    assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(token)).status_code == 200
    revoked = httpx.post(
        server.url + "/oauth/revoke", data={"token": token["access_token"], "client_id": world.first_party}
    )
    assert revoked.status_code == 200
    assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(token)).status_code == 401

    master = MasterKey.parse(server.master_key)
    expired = TokenService(hub, master, server.url, token_seconds=-60)
    await expired.refresh()
    old, _ = expired.access_token("1", world.first_party, "openid")
    assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(old)).status_code == 401

    foreign = TokenService(hub, master, "https://another-hub.example", token_seconds=600)
    await foreign.refresh()
    other, _ = foreign.access_token("1", world.first_party, "openid")
    assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(other)).status_code == 401


async def test_machine_clients_get_only_the_scopes_they_were_registered_with(
    server: LiveHub, world: World
) -> None:
    machine = OAuth2Client(client_id=world.machine_id, client_secret=world.machine_secret, scope="lpse")
    token = machine.fetch_token(server.url + "/oauth/token", grant_type="client_credentials")
    assert token["scope"] == "lpse"
    assert "refresh_token" not in token
    assert (
        "family"
        not in jwt.decode(
            token["access_token"],
            KeySet.import_key_set(httpx.get(server.url + "/oauth/jwks").json()),
            ["ES256"],
        ).claims
    )
    me = httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(token)).json()
    assert me["account_id"] is None
    assert me["roles"] == []
    assert httpx.get(server.url + "/oauth/userinfo", headers=bearer(token)).status_code == 403

    def ask(scope: str | None) -> httpx.Response:
        data = {"grant_type": "client_credentials", **({"scope": scope} if scope is not None else {})}
        return httpx.post(
            server.url + "/oauth/token", data=data, auth=(world.machine_id, world.machine_secret)
        )

    assert ask(None).json()["scope"] == "lpse"  # no scope asked: the ones it was registered with
    for beyond in ("review:read", "lpse audit:read", "offline_access", "lpse offline_access"):
        refused = ask(beyond)
        assert refused.status_code == 400, beyond
        assert refused.json()["error"] == "invalid_scope"
    unknown = ask("root")
    assert unknown.json()["error"] == "invalid_scope"
    wrong_secret = httpx.post(
        server.url + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(world.machine_id, "not-the-secret"),
    )
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"] == "invalid_client"


async def test_a_machine_client_of_one_tenant_gets_tokens_of_that_tenant_only(
    server: LiveHub, hub: AsyncEngine
) -> None:
    malang = await make_tenant(hub, "kab-malang", "3507")
    async with hub_sessions(hub)() as session, session.begin():
        monev, secret = await create_client(
            session, "e-Monev Malang", [], confidential=True, scopes=["monev:write"], tenant_id=malang.id
        )
    machine = OAuth2Client(client_id=monev.client_id, client_secret=secret, scope="monev:write")
    token = machine.fetch_token(server.url + "/oauth/token", grant_type="client_credentials")
    keys = KeySet.import_key_set(httpx.get(server.url + "/oauth/jwks").json())
    assert jwt.decode(token["access_token"], keys, ["ES256"]).claims["lpse_tenant"] == malang.id

    tokens = TokenService(hub, MasterKey.parse(server.master_key), server.url, token_seconds=60)
    await tokens.refresh()
    assert (await tokens.verify(token["access_token"])).caller.tenant_id == malang.id
    forged, _ = tokens.access_token("1", monev.client_id, "lpse", tenant_id=malang.id)
    assert (await tokens.verify(forged)).caller.tenant_id is None  # a person acts by roles, never a claim


async def test_only_a_confidential_client_is_registered_for_a_tenant(hub: AsyncEngine) -> None:
    malang = await make_tenant(hub, "kab-malang", "3507")
    async with hub_sessions(hub)() as session, session.begin():
        with pytest.raises(InvalidInput, match="confidential"):
            await create_client(session, "e-Planning", [CALLBACK], confidential=False, tenant_id=malang.id)


def consent_form(page: httpx.Response) -> dict[str, str]:
    """The hidden fields of a consent page and its CSRF token, as the browser would post them."""
    fields = dict(re.findall(r'<input type=hidden name="([^"]+)" value="([^"]*)">', page.text))
    csrf = re.search(r'name=csrf value="([^"]+)"', page.text)
    assert csrf is not None, page.text
    return {**{k: html.unescape(v) for k, v in fields.items()}, "csrf": csrf.group(1)}


async def test_third_party_clients_ask_for_consent(server: LiveHub, world: World) -> None:
    browser = Browser(server.url)
    verifier = "x" * 50
    client = oauth_client(server, world.third_party)
    url, _ = client.create_authorization_url(server.url + "/oauth/authorize", code_verifier=verifier)
    page = browser.authorize(url, world.email)
    assert page.status_code == 200
    assert "e-Budgeting" in page.text
    form = consent_form(page)
    denied = browser.http.post("/oauth/authorize", data={**form, "decision": "deny"})
    assert parse_qs(urlsplit(denied.headers["location"]).query)["error"] == ["access_denied"]
    allowed = browser.http.post("/oauth/authorize", data={**form, "decision": "allow"})
    assert "code=" in allowed.headers["location"]
    forged = browser.http.post("/oauth/authorize", data={**form, "csrf": "forged", "decision": "allow"})
    assert forged.status_code == 403


async def test_a_third_party_client_gets_only_the_scopes_it_was_registered_for(
    server: LiveHub, world: World
) -> None:
    browser = Browser(server.url)
    verifier = "x" * 50
    client = oauth_client(server, world.third_party)  # asks for lpse and offline_access too
    url, _ = client.create_authorization_url(server.url + "/oauth/authorize", code_verifier=verifier)
    page = browser.authorize(url, world.email)
    meanings = {scope: SCOPE_MEANINGS[scope][0] for scope in Scope}
    shown = {scope for scope, indonesian in meanings.items() if html.escape(indonesian) in page.text}
    assert shown == {Scope.OPENID, Scope.PROFILE, Scope.EMAIL}  # the default of a third party
    allowed = browser.http.post("/oauth/authorize", data={**consent_form(page), "decision": "allow"})
    token = client.fetch_token(
        server.url + "/oauth/token",
        authorization_response=allowed.headers["location"],
        code_verifier=verifier,
    )
    assert token["scope"] == "openid profile email"
    assert "refresh_token" not in token
    refused = httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(token))
    assert refused.status_code == 403  # neither lpse nor any read scope: nothing in procurement


async def test_the_consent_page_says_what_each_scope_allows_in_indonesian_then_english(
    server: LiveHub, world: World
) -> None:
    browser = Browser(server.url)
    client = oauth_client(server, world.reviewer, scope="openid review:read")
    url, _ = client.create_authorization_url(server.url + "/oauth/authorize", code_verifier="x" * 50)
    page = browser.authorize(url, world.email)
    assert page.status_code == 200
    assert "<script" not in page.text.lower()  # plain HTML: readable without JavaScript
    assert html.escape(REVIEWER_NAME) in page.text
    assert REVIEWER_NAME not in page.text  # never as markup
    for scope in (Scope.OPENID, Scope.REVIEW_READ):
        indonesian, english = (html.escape(text) for text in SCOPE_MEANINGS[scope])
        assert indonesian in page.text, scope
        assert english in page.text, scope
        assert page.text.index(indonesian) < page.text.index(english)
    assert html.escape(SCOPE_MEANINGS[Scope.PROCUREMENT][0]) not in page.text  # not asked for


async def test_userinfo_answers_post_with_the_token_in_the_authorization_header(
    server: LiveHub, world: World
) -> None:
    _, token = code_flow(server, world)
    by_get = httpx.get(server.url + "/oauth/userinfo", headers=bearer(token))
    by_post = httpx.post(server.url + "/oauth/userinfo", headers=bearer(token))
    assert by_get.status_code == by_post.status_code == 200
    assert by_post.json() == by_get.json()
    assert by_post.json()["email"] == world.email
    assert httpx.post(server.url + "/oauth/userinfo").status_code == 401

    _, without_openid = code_flow(server, world, scope="lpse")
    refused = httpx.post(server.url + "/oauth/userinfo", headers=bearer(without_openid))
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    _, only_openid = code_flow(server, world, scope="openid")
    assert httpx.post(server.url + "/oauth/userinfo", headers=bearer(only_openid)).json() == {
        "sub": by_get.json()["sub"]
    }  # no claim the scopes did not release


async def test_the_oauth_endpoints_answers_are_described_in_the_openapi_document(server: LiveHub) -> None:
    document = httpx.get(server.url + "/schema/openapi.json").json()
    schemas = document["components"]["schemas"]

    def body(path: str, method: str, status: str) -> str:
        content = document["paths"][path][method]["responses"][status]["content"]
        return str(next(iter(content.values()))["schema"]["$ref"]).rsplit("/", 1)[-1]

    assert body("/.well-known/openid-configuration", "get", "200") == "ProviderMetadata"
    assert body("/oauth/jwks", "get", "200") == "JsonWebKeySet"
    assert body("/oauth/token", "post", "200") == "TokenResponse"
    assert body("/oauth/userinfo", "get", "200") == body("/oauth/userinfo", "post", "200") == "UserInfo"
    for path in ("/oauth/token", "/oauth/revoke"):
        assert body(path, "post", "400") == body(path, "post", "401") == "OAuthError"
    assert set(schemas["OAuthError"]["properties"]) >= {"error", "error_description"}
    assert schemas["OAuthError"]["required"] == ["error"]
    assert "refresh_token" not in schemas["TokenResponse"]["required"]


async def test_login_failures_are_rate_limited_and_do_not_tell_which_part_was_wrong(
    server: LiveHub, world: World
) -> None:
    browser = Browser(server.url)
    unknown = browser.log_in(f"nobody.{uuid.uuid4().hex[:6]}@example.go.id", PASSWORD)
    wrong = browser.log_in(world.email, "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert re.search(r'class="error">([^<]+)<', unknown.text).group(1) == re.search(  # type: ignore[union-attr]
        r'class="error">([^<]+)<', wrong.text
    ).group(1)  # type: ignore[union-attr]
    for _ in range(4):
        browser.log_in(world.email, "still not it")
    limited = browser.log_in(world.email, PASSWORD)  # even the right password waits now
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert PASSWORD not in limited.text


async def test_a_rotated_key_keeps_verifying_its_tokens_until_they_expire(
    server: LiveHub, world: World, hub: AsyncEngine
) -> None:
    _, before = code_flow(server, world)
    old_kid = jwt.decode(
        before["access_token"],
        KeySet.import_key_set(httpx.get(server.url + "/oauth/jwks").json()),
        algorithms=["ES256"],
    ).header["kid"]
    async with hub_sessions(hub)() as session, session.begin():
        new = await rotate_signing_keys(session, MasterKey.parse(server.master_key), 600)
    assert httpx.get(server.url + "/t/kab-malang/api/me", headers=bearer(before)).status_code == 200
    published = {k["kid"] for k in httpx.get(server.url + "/oauth/jwks").json()["keys"]}
    assert {old_kid, new.kid} <= published
    _, after = code_flow(server, world)
    assert extract_compact(after["access_token"].encode()).headers()["kid"] == new.kid

    async with hub_sessions(hub)() as session, session.begin():  # the old key's tokens have all expired
        await session.execute(
            update(SigningKey).where(SigningKey.kid == old_kid).values(published_until=utcnow())
        )
    assert old_kid not in {k["kid"] for k in httpx.get(server.url + "/oauth/jwks").json()["keys"]}


async def test_the_oauth_endpoints_over_plain_http_on_a_public_host_are_refused_with_a_problem(
    client: Client,
) -> None:
    """authlib refuses http except on loopback; that refusal was a 500 (issue 14: never a 500)."""
    for answer in (
        await client.get("http://lpse.jatimprov.go.id/oauth/authorize?client_id=x&response_type=code"),
        await client.post("http://lpse.jatimprov.go.id/oauth/token", data={"grant_type": "refresh_token"}),
    ):
        assert answer.status_code == 400
        assert answer.headers["content-type"] == "application/problem+json"
        assert "HTTPS" in answer.json()["detail"]
