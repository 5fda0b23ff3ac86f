"""Login throttling and forwarded headers, over HTTP against live hubs: one trusting no proxy (the
default), one trusting 127.0.0.1 as its proxy, as an ingress controller would be."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account
from federation.identity.login_throttle import ADDRESS, STRANGERS
from federation.identity.models import LoginThrottle
from hub.core.database import hub_sessions
from hub.core.settings import Settings
from tests.live_server import LiveHub, live_hub

PASSWORD = "rahasia-pokja-2026"


@pytest.fixture(scope="module")
def direct(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    """A hub reached directly: it trusts no proxy."""
    assert settings.database_url is not None
    with live_hub(settings.database_url, tmp_path_factory.mktemp("direct")) as hub:
        yield hub


@pytest.fixture(scope="module")
def proxied(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    """A hub behind a proxy at 127.0.0.1 (``LPSE_HUB_TRUSTED_PROXIES``)."""
    assert settings.database_url is not None
    with live_hub(
        settings.database_url, tmp_path_factory.mktemp("proxied"), TRUSTED_PROXIES="127.0.0.1"
    ) as hub:
        yield hub


@pytest_asyncio.fixture(autouse=True)
async def forget_the_test_machine(engine: AsyncEngine) -> AsyncIterator[None]:
    """Every test here fails logins from 127.0.0.1, as the rest of the suite does and logs in from
    it: each starts and leaves with that address's failures forgotten."""

    async def forget() -> None:
        async with hub_sessions(engine)() as session, session.begin():
            await session.execute(delete(LoginThrottle).where(LoginThrottle.key == "address:127.0.0.1"))

    await forget()
    yield
    await forget()


async def official(engine: AsyncEngine) -> str:
    email = f"pokja.{uuid.uuid4().hex[:8]}@malangkab.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        await create_account(session, email, "Anggota Pokja", PASSWORD, email_verified=True)
    return email


class Browser:
    """A browser that keeps its cookies, behind whatever address ``X-Forwarded-For`` claims."""

    def __init__(self, hub: LiveHub, forwarded_for: str | None = None) -> None:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        self.http = httpx.Client(base_url=hub.url, headers=headers)

    def log_in(self, email: str, password: str, accept: str = "text/html") -> httpx.Response:
        page = self.http.get("/login")
        csrf = re.search(r'name=csrf value="([^"]+)"', page.text)
        assert csrf is not None, page.text
        data = {"email": email, "password": password, "csrf": csrf.group(1), "next": "/"}
        return self.http.post("/login", data=data, headers={"Accept": accept})


def test_failed_logins_from_one_peer_meet_the_address_limit_whatever_x_forwarded_for_says(
    direct: LiveHub,
) -> None:
    answers = [
        Browser(direct, f"198.51.100.{n}").log_in(f"nobody{n}.{uuid.uuid4().hex[:6]}@example.go.id", "x")
        for n in range(24)
    ]
    codes = [a.status_code for a in answers]
    assert codes[: ADDRESS.free + 1] == [401] * (ADDRESS.free + 1)
    assert set(codes[ADDRESS.free + 1 :]) == {429}
    limited = answers[-1]
    assert int(limited.headers["retry-after"]) >= 1
    assert "Terlalu banyak percobaan masuk yang gagal" in limited.text
    assert f"dalam {limited.headers['retry-after']} detik" in limited.text
    scrape = httpx.get(direct.url + "/metrics").text
    assert re.search(r'^lpsehub_login_refusals_total\{reason="throttled"\} [1-9]', scrape, re.M)
    assert re.search(r'^lpsehub_login_refusals_total\{reason="wrong_credentials"\} [1-9]', scrape, re.M)


def test_a_program_is_told_to_wait_in_problem_json_with_retry_after(direct: LiveHub) -> None:
    email, robot = f"nobody.{uuid.uuid4().hex[:6]}@example.go.id", Browser(direct)
    answers = [robot.log_in(email, "x", accept="application/json") for _ in range(STRANGERS.free + 2)]
    assert [a.status_code for a in answers[:-1]] == [401] * (STRANGERS.free + 1)
    limited = answers[-1]
    assert limited.status_code == 429
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["status"] == 429
    assert limited.json()["detail"].startswith("too many failed logins")


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(proxied: LiveHub) -> None:
    codes = {
        Browser(proxied, f"203.0.113.{n}")
        .log_in(f"nobody{n}.{uuid.uuid4().hex[:6]}@example.go.id", "x")
        .status_code
        for n in range(ADDRESS.free + 4)
    }
    assert codes == {401}  # each a client of its own, none over its address's free failures


async def test_an_attacker_cannot_keep_an_official_from_logging_in(
    proxied: LiveHub, engine: AsyncEngine
) -> None:
    email = await official(engine)
    laptop = Browser(proxied, "198.51.100.7")  # the official, at the office
    assert laptop.log_in(email, PASSWORD).status_code == 303
    attacker = Browser(proxied, "203.0.113.66")
    codes = [attacker.log_in(email, f"tebakan-{n}").status_code for n in range(STRANGERS.free + 3)]
    assert codes[-1] == 429
    assert attacker.log_in(email, PASSWORD).status_code == 429  # strangers wait, even knowing it
    laptop.http.headers["X-Forwarded-For"] = "192.0.2.44"  # the same laptop, at home: its cookie
    assert laptop.log_in(email, "salah ketik").status_code == 401
    assert laptop.log_in(email, PASSWORD).status_code == 303
    colleague_pc = Browser(proxied, "198.51.100.7")  # no cookie, but the office's address
    assert colleague_pc.log_in(email, PASSWORD).status_code == 303
