"""Upstream federation: people of another provider (here: a second hub, in its own database) log in."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account
from federation.oidc.clients import create_client
from hub.core.database import create_engine, hub_sessions
from hub.core.master_key import MasterKey
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from tests.conftest import _admin, _asyncpg_dsn
from tests.live_server import LiveHub, free_port, live_hub

PASSWORD = "kata-sandi-nasional-1"


@dataclass(frozen=True)
class Federation:
    upstream: LiveHub
    hub: LiveHub
    linked_email: str
    stranger_email: str
    hub_client: str


async def _prepare_upstream(url: str, hub_callback: str, emails: list[str]) -> str:
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
        async with hub_sessions(engine)() as session, session.begin():
            for email in emails:
                await create_account(session, email, "Budi Santoso", PASSWORD, email_verified=True)
            client, secret = await create_client(
                session, "Hub Jawa Timur", [hub_callback], confidential=True, first_party=True
            )
    finally:
        await engine.dispose()
    return f"{client.client_id}:{secret}"


@pytest.fixture(scope="module")
def federation(
    engine: AsyncEngine, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Federation]:
    assert settings.database_url is not None
    upstream_db = f"upstream_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(settings.database_url, f'CREATE DATABASE "{upstream_db}"'))
    upstream_url = _asyncpg_dsn(settings.database_url, upstream_db)
    hub_port = free_port()
    callback = f"http://127.0.0.1:{hub_port}/login/upstream/callback"
    linked, stranger = (
        f"budi.{uuid.uuid4().hex[:6]}@example.go.id",
        f"asing.{uuid.uuid4().hex[:6]}@example.go.id",
    )
    client_id, secret = asyncio.run(_prepare_upstream(upstream_url, callback, [linked, stranger])).split(
        ":", 1
    )
    try:
        with (
            live_hub(
                upstream_url, tmp_path_factory.mktemp("up"), MASTER_KEY=MasterKey.generate()
            ) as upstream,
            live_hub(
                settings.database_url,
                tmp_path_factory.mktemp("hub"),
                port=hub_port,
                UPSTREAM_ISSUER=upstream.url,
                UPSTREAM_CLIENT_ID=client_id,
                UPSTREAM_CLIENT_SECRET=secret,
                UPSTREAM_NAME="SSO Nasional",
            ) as hub,
        ):
            hub_client = asyncio.run(_prepare_hub(replace(settings), hub.url, linked))
            yield Federation(upstream, hub, linked, stranger, hub_client)
    finally:
        asyncio.run(_admin(settings.database_url, f'DROP DATABASE IF EXISTS "{upstream_db}" WITH (FORCE)'))


async def _prepare_hub(settings: Settings, hub_url: str, email: str) -> str:
    engine = create_engine(settings)
    try:
        async with hub_sessions(engine)() as session, session.begin():
            await create_account(
                session, email, "Budi Santoso", None, email_verified=True
            )  # no password here
            client, _ = await create_client(
                session, "Hub UI", ["http://127.0.0.1:9/cb"], confidential=False, first_party=True
            )
    finally:
        await engine.dispose()
    return client.client_id


def upstream_login(fed: Federation, email: str) -> tuple[httpx.Client, httpx.Response]:
    """A browser: start at the hub, log in at the upstream, come back."""
    browser = httpx.Client(follow_redirects=False)
    to_upstream = browser.get(fed.hub.url + "/login/upstream", params={"next": "/"})
    assert to_upstream.headers["location"].startswith(fed.upstream.url + "/oauth/authorize")
    to_login = browser.get(to_upstream.headers["location"])
    next_url = parse_qs(urlsplit(to_login.headers["location"]).query)["next"][0]
    page = browser.get(fed.upstream.url + "/login", params={"next": next_url})
    csrf = re.search(r'name=csrf value="([^"]+)"', page.text)
    assert csrf is not None
    logged = browser.post(
        fed.upstream.url + "/login",
        data={"email": email, "password": PASSWORD, "csrf": csrf.group(1), "next": next_url},
    )
    back = browser.get(fed.upstream.url + logged.headers["location"])
    assert back.headers["location"].startswith(fed.hub.url + "/login/upstream/callback")
    return browser, browser.get(back.headers["location"])


def test_a_verified_email_links_the_upstream_identity_and_logs_in(federation: Federation) -> None:
    browser, answer = upstream_login(federation, federation.linked_email)
    assert answer.status_code == 303, answer.text
    # the browser now has a hub session: authorising a hub client needs no further login
    params = {
        "response_type": "code",
        "client_id": federation.hub_client,
        "redirect_uri": "http://127.0.0.1:9/cb",
        "scope": "openid email",
        "code_challenge": create_s256_code_challenge("c" * 50),
        "code_challenge_method": "S256",
    }
    authorized = browser.get(federation.hub.url + "/oauth/authorize", params=params)
    code = parse_qs(urlsplit(authorized.headers["location"]).query)["code"][0]
    token = httpx.post(
        federation.hub.url + "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://127.0.0.1:9/cb",
            "client_id": federation.hub_client,
            "code_verifier": "c" * 50,
        },
    ).json()
    userinfo = httpx.get(
        federation.hub.url + "/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    ).json()
    assert userinfo["email"] == federation.linked_email


def test_an_identity_with_no_hub_account_is_refused(federation: Federation) -> None:
    _, answer = upstream_login(federation, federation.stranger_email)
    assert answer.status_code == 403
    assert "lpse-hub account link" in answer.text


def test_a_callback_not_started_here_is_refused(federation: Federation) -> None:
    answer = httpx.get(
        federation.hub.url + "/login/upstream/callback", params={"code": "x", "state": "forged"}
    )
    assert answer.status_code == 400
