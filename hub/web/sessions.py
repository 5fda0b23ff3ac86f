"""The browser session of the hub's own pages (login, consent): an encrypted, signed cookie.

It holds only the logged-in account's id, when it logged in, and a CSRF token for the forms.
The cookie's key is derived from the master key, so every replica reads every cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from litestar import Request
from litestar.middleware.session.client_side import CookieBackendConfig

from hub.core.errors import Forbidden
from hub.core.master_key import MasterKey


def session_config(master: MasterKey, issuer: str) -> CookieBackendConfig:
    """Cookies ignore ports: the name carries a digest of the issuer, so two hubs on one host
    (a developer's machine, a test) keep their sessions apart."""
    secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lpse-hub session cookie").derive(
        master.key
    )
    return CookieBackendConfig(
        secret=secret,
        key="lpse_session_" + hashlib.sha256(issuer.encode()).hexdigest()[:8],
        max_age=8 * 3600,
        httponly=True,
        secure=issuer.startswith("https://"),
        samesite="lax",
    )


def account_in_session(request: Request[Any, Any, Any]) -> int | None:
    account_id = request.session.get("account_id") if request.scope.get("session") else None
    return int(account_id) if account_id is not None else None


PENDING_WEB_LOGIN = "web_login"
"""The hub's own web client's authorization request in progress (state, nonce, PKCE verifier):
kept across the password login it waits for, so the login can finish it."""


def log_in(request: Request[Any, Any, Any], account_id: int, family: str | None = None) -> None:
    """A new session for ``account_id`` (a new CSRF token: nothing of the anonymous session's
    carries over but a pending web login). ``family``: the token family the hub's web client was
    issued at this login, which logging out everywhere revokes (``hub.web.controllers.account``)."""
    session: dict[str, Any] = {
        "account_id": account_id,
        "auth_time": int(time.time()),
        "csrf": secrets.token_urlsafe(24),
    }
    pending = request.session.get(PENDING_WEB_LOGIN) if request.scope.get("session") else None
    if pending is not None and family is None:
        session[PENDING_WEB_LOGIN] = pending
    if family is not None:
        session["family"] = family
    request.set_session(session)


def log_out(request: Request[Any, Any, Any]) -> None:
    request.clear_session()


def csrf_token(request: Request[Any, Any, Any]) -> str:
    session = dict(request.session) if request.scope.get("session") else {}
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
        request.set_session(session)
    return str(session["csrf"])


def check_csrf(request: Request[Any, Any, Any], submitted: str) -> None:
    expected = request.session.get("csrf", "") if request.scope.get("session") else ""
    if not expected or not hmac.compare_digest(str(expected), submitted):
        raise Forbidden("the form expired or did not come from this site; reload it and try again")
