"""A browser's session with the hub's own pages, for the end-to-end tests of the vendor workspace
and the officials' office: the hub served at an https issuer (as deployments are: the OAuth
endpoints answer over TLS only, and the session cookie is ``Secure``), and the whole login through
the hub's OpenID provider as a browser follows it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.models import Account
from hub.core.database import hub_sessions
from tests.e2e.procurement import PASSWORD, Client

ISSUER = "https://lpse.jatimprov.go.id"
CALLBACK = f"{ISSUER}/akun/masuk/kembali"


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="?csrf"? value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


async def log_in(web: Client, email: str, password: str = PASSWORD, start: str = "/akun") -> httpx.Response:
    """The whole flow as a browser follows it, step by step; the callback's answer."""
    to_start = await web.get(start)
    assert to_start.status_code == 303
    assert to_start.headers["location"] == f"/akun/masuk?next={start.replace('/', '%2F')}"
    authorize = await web.get(to_start.headers["location"])
    assert authorize.status_code == 302
    to_login = await web.get(authorize.headers["location"])
    assert to_login.status_code == 302
    form_page = await web.get(to_login.headers["location"])
    next_url = parse_qs(urlsplit(to_login.headers["location"]).query)["next"][0]
    fields = {"email": email, "password": password, "csrf": csrf_of(form_page), "next": next_url}
    logged_in = await web.post("/login", data=fields)
    assert logged_in.status_code == 303, logged_in.text
    back = await web.get(logged_in.headers["location"])
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith(CALLBACK + "?")
    return await web.get(back.headers["location"])


async def email_of_account(engine: AsyncEngine, account_id: int) -> str:
    async with hub_sessions(engine)() as session:
        email = await session.scalar(select(Account.email).where(Account.id == account_id))
    assert email is not None
    return email
