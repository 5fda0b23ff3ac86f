"""The hub's web pages as a client of the hub's own OpenID provider (issue 18, the vendor workspace).

The workspace logs people in as any other client would: authorization code with PKCE (S256), a
``state`` that ties the answer to this browser, a ``nonce`` checked in the ID token. So there is one
login for every regency and every client, the upstream provider's button included, and the
provider's rules (an active account, codes used once, one PKCE guess) hold for the web too.

Choices, and why:

- **The client is registered by the hub itself** (``ensure_web_client``), with a fixed id and the
  redirect URI ``{issuer}/akun/masuk/kembali``, at the first login after a start: no operator step,
  every replica finds the same row, and a changed issuer URL updates it. It is first-party (no
  consent page) and public (no secret: PKCE proves the code's requester).
- **The code is exchanged in-process**, through the same authorization server object that answers
  ``/oauth/token``: the same grant code, without an HTTP round trip to itself (which behind a proxy
  may not even reach itself).
- **The session cookie holds no token.** It holds the account id and the token *family* the login
  was issued; the family's refresh token (asked for with ``offline_access``) stays in the database,
  hashed. A workspace page accepts the session while that family is alive, so logging out
  everywhere (revoking every family of the account) ends every browser's session too, though the
  cookies are held by the browsers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import State
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.oidc.authlib_bridge import CapturedRequest
from federation.oidc.clients import ensure_first_party_client
from federation.oidc.models import RefreshToken
from federation.oidc.server import HubAuthorizationServer
from federation.oidc.tokens import TokenService
from hub.core.clock import utcnow
from hub.core.database import hub_sessions
from hub.core.errors import InvalidInput, InvalidToken
from hub.web.sessions import PENDING_WEB_LOGIN

WEB_CLIENT_ID = "lpse-hub-web"
WEB_CLIENT_NAME = "Portal Pengadaan (web)"
CALLBACK_PATH = "/akun/masuk/kembali"
WEB_SCOPES = ("openid", "profile", "email", "offline_access")
"""``offline_access``: the login's family then has a refresh token, which is what a workspace page
checks (alive) and what logging out everywhere finds (``revoke_families_of``). The token itself is
never used: the pages call the services directly, as the account."""


def redirect_uri(state: State) -> str:
    issuer: str = state.tokens.issuer
    return issuer + CALLBACK_PATH


async def ensure_web_client(state: State) -> str:
    """The web client's id, once it is registered (once per process; idempotent across replicas)."""
    if getattr(state, "web_client_ready", False):
        return WEB_CLIENT_ID
    async with hub_sessions(state.engine)() as session, session.begin():
        await ensure_first_party_client(
            session, WEB_CLIENT_ID, WEB_CLIENT_NAME, redirect_uri(state), WEB_SCOPES
        )
    state.web_client_ready = True
    return WEB_CLIENT_ID


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start_login(request: Request[Any, Any, State], next_url: str) -> str:
    """The authorization request's URL (a path of this hub); its state, nonce and PKCE verifier
    kept in the session cookie (encrypted: ``hub.web.sessions``) for the callback."""
    pending = {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
        "next": next_url,
    }
    session = dict(request.session) if request.scope.get("session") else {}
    request.set_session({**session, PENDING_WEB_LOGIN: pending})
    query = {
        "response_type": "code",
        "client_id": WEB_CLIENT_ID,
        "redirect_uri": redirect_uri(request.app.state),
        "scope": " ".join(WEB_SCOPES),
        "state": pending["state"],
        "nonce": pending["nonce"],
        "code_challenge": _challenge(pending["verifier"]),
        "code_challenge_method": "S256",
    }
    return "/oauth/authorize?" + urlencode(query)


@dataclass(frozen=True, slots=True)
class Login:
    account_id: int
    family: str
    next_url: str


async def finish_login(request: Request[Any, Any, State], code: str, returned_state: str) -> Login:
    """The code exchanged at the token endpoint's grant, in-process, and the ID token checked;
    ``InvalidInput`` when the answer is not of the login this browser started (a forged or stale
    callback), ``InvalidToken`` when the tokens do not hold."""
    state: State = request.app.state
    pending = request.session.get(PENDING_WEB_LOGIN) if request.scope.get("session") else None
    if not isinstance(pending, dict) or not hmac.compare_digest(
        str(pending.get("state", "")), returned_state
    ):
        raise InvalidInput(
            "this login was not started in this browser, or it expired; start again", field="state"
        )
    server: HubAuthorizationServer = state.oauth
    tokens: TokenService = state.tokens
    form = {
        "grant_type": ["authorization_code"],
        "code": [code],
        "redirect_uri": [redirect_uri(state)],
        "client_id": [WEB_CLIENT_ID],
        "code_verifier": [str(pending["verifier"])],
    }
    exchange = CapturedRequest(
        "POST",
        str(request.base_url).rstrip("/") + "/oauth/token",  # as the browser reached the hub
        {"content-type": "application/x-www-form-urlencoded"},
        {},
        form,
    )
    status, body, _ = await server.run(lambda: server.create_token_response(exchange))
    if status != 200 or not isinstance(body, dict) or "id_token" not in body:
        detail = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
        raise InvalidToken(f"the login could not be finished: {detail or 'the code was refused'}")
    claims = await tokens.verify_id_token(str(body["id_token"]), WEB_CLIENT_ID, str(pending["nonce"]))
    access = await tokens.verify(str(body["access_token"]))
    if access.family is None or access.caller.account_id != int(claims["sub"]):
        raise InvalidToken("the login's tokens do not name one person")
    return Login(int(claims["sub"]), access.family, str(pending.get("next") or "/akun"))


async def family_alive(session: AsyncSession, family: str) -> bool:
    """Whether the login's token family still holds a refresh token, neither revoked nor expired:
    a session whose family was revoked (logged out everywhere, a replayed code) is over."""
    alive = (
        select(RefreshToken.id)
        .where(
            RefreshToken.family_id == family,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > utcnow(),
        )
        .limit(1)
    )
    return (await session.scalar(alive)) is not None
