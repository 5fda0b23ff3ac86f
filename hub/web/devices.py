"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

A browser that logged in to an account gets a cookie naming a random device id, the account's
email and when it was issued, signed with a key derived from the master key (so every replica
reads it). Presented again with that email, it makes the login count under the device's own
backoff, apart from strangers' failures (``federation.identity.login_throttle``). It grants
nothing else: it is not a session and opens no account without the password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from litestar import Request, Response
from litestar.datastructures import Cookie

from federation.identity.login_throttle import account_key
from hub.core.master_key import MasterKey

LIFETIME_SECONDS = 90 * 24 * 3600


class DeviceCookies:
    """Issues and reads the device cookie of one hub (its name carries the issuer, as the session's)."""

    def __init__(self, master: MasterKey, issuer: str) -> None:
        self._secret = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"lpse-hub device cookie"
        ).derive(master.key)
        self.name = "lpse_device_" + hashlib.sha256(issuer.encode()).hexdigest()[:8]
        self._secure = issuer.startswith("https://")

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self._secret, payload, hashlib.sha256).hexdigest()

    def device_for(self, request: Request[Any, Any, Any], email: str) -> str | None:
        """The device id in the request's cookie, if it is genuine, unexpired and for ``email``."""
        return self.read(request.cookies.get(self.name, ""), email)

    def issue(self, response: Response[Any], email: str) -> None:
        """Give the browser a new device cookie for ``email`` (after a successful login)."""
        response.set_cookie(
            Cookie(
                key=self.name,
                value=self.new_value(email),
                max_age=LIFETIME_SECONDS,
                path="/login",
                httponly=True,
                secure=self._secure,
                samesite="strict",
            )
        )

    def new_value(self, email: str, now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        payload = f"{secrets.token_urlsafe(16)}|{issued}|{account_key(email)}".encode()
        encoded = base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")  # no '=' in a cookie
        return encoded + "." + self._sign(payload)

    def read(self, value: str, email: str, now: float | None = None) -> str | None:
        encoded, _, signature = value.partition(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            device, issued, owner = payload.decode().split("|", 2)
            age = (time.time() if now is None else now) - int(issued)
        except (ValueError, UnicodeError):  # binascii.Error is a ValueError
            return None
        genuine = hmac.compare_digest(self._sign(payload), signature)
        return device if genuine and 0 <= age < LIFETIME_SECONDS and owner == account_key(email) else None
