"""The hub's JWTs: access tokens (RFC 9068 profile) and OpenID ID tokens, signed ES256.

One ``TokenService`` per process. It keeps the current signing key and the published public keys
in memory (refreshed every ``key_refresh_seconds`` and whenever a token names an unknown key), and
remembers tokens it has verified until they expire, so a client that sends the same token with
every request pays for the signature check once; that first check goes through
``access_token_check`` (the signature by ``cryptography``, the claims against the injected wall
clock), signing and ID tokens through joserfc. Access tokens carry the subject and scopes,
never roles or tenants: authorisation looks the memberships up at each request. A person's access
token also carries its ``family``: the authorization it descends from, revoked as a whole
(``federation.oidc.grants``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.caller import Caller
from federation.oidc.access_token_check import AccessTokenCheck, UnacceptableToken, UnknownSigningKey
from federation.oidc.signing_keys import ALGORITHM, ensure_signing_key, private_key, published_keys
from hub.core.clock import SYSTEM_CLOCK, Clock
from hub.core.database import hub_sessions
from hub.core.errors import InvalidToken
from hub.core.master_key import MasterKey

VERIFIED_CACHE_SIZE = 10_000
MACHINE_SUBJECT_PREFIX = "client:"
TENANT_CLAIM = "lpse_tenant"
"""The claim of a machine client's token that names the one tenant it acts in (its id)."""


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    caller: Caller
    expires_at: int
    family: str | None = None
    """The token family it was issued into; ``None`` for a machine client's token."""


class TokenService:
    def __init__(
        self,
        engine: AsyncEngine,
        master: MasterKey,
        issuer: str,
        token_seconds: int,
        key_refresh_seconds: int = 30,
        clock: Clock = SYSTEM_CLOCK,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock`` times the keys' reloads; ``wall_clock`` (seconds since the epoch) is the time
        tokens are issued at and judged by (``exp``, ``nbf``, ``iat``)."""
        self._engine = engine
        self._clock = clock
        self._wall_clock = wall_clock
        self._master = master
        self.issuer = issuer
        self.token_seconds = token_seconds
        self.key_refresh_seconds = key_refresh_seconds
        self._signer: ECKey | None = None
        self._public = KeySet([])
        self._loaded_at: float | None = None
        self._check = AccessTokenCheck({}, issuer, wall_clock)
        self._verified: dict[str, VerifiedToken] = {}

    async def refresh(self) -> None:
        """Reload the signer and the published keys from the database."""
        async with hub_sessions(self._engine)() as session, session.begin():
            signer = await ensure_signing_key(session, self._master)
            keys = await published_keys(session)
        self._signer = private_key(signer, self._master)
        self._public = KeySet([ECKey.import_key(k.public_jwk) for k in keys])
        self._check = AccessTokenCheck(
            {str(key.kid): key.public_key for key in self._public.keys if isinstance(key, ECKey)},
            self.issuer,
            self._wall_clock,
        )
        self._loaded_at = self._clock.monotonic()

    async def refresh_if_stale(self) -> None:
        """Reload the keys if they were loaded ``key_refresh_seconds`` ago or more (0: every time)."""
        if self._keys_age() >= self.key_refresh_seconds:
            await self.refresh()

    def _keys_age(self) -> float:
        """Seconds since the keys were loaded (infinite before the first load)."""
        if self._loaded_at is None:
            return float("inf")
        return self._clock.monotonic() - self._loaded_at

    def jwks(self) -> dict[str, Any]:
        return dict(self._public.as_dict(private=False))

    def _sign(self, claims: dict[str, Any], typ: str) -> str:
        if self._signer is None:
            raise RuntimeError("TokenService.refresh() must run before tokens are signed")
        header = {"alg": ALGORITHM, "kid": self._signer.kid, "typ": typ}
        return jwt.encode(header, claims, self._signer, algorithms=[ALGORITHM])

    def access_token(
        self,
        subject: str,
        client_id: str,
        scope: str,
        *,
        family: str | None = None,
        tenant_id: int | None = None,
    ) -> tuple[str, str]:
        """A signed access token and its ``jti``; ``family`` is the token family it belongs to;
        ``tenant_id`` the one tenant a machine client acts in (claim ``lpse_tenant``)."""
        now = int(self._wall_clock())
        jti = uuid.uuid4().hex
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.issuer, "sub": subject, "client_id": client_id, "scope": scope,
            "iat": now, "exp": now + self.token_seconds, "jti": jti,
        }  # fmt: skip
        if family is not None:
            claims["family"] = family
        if tenant_id is not None:
            claims[TENANT_CLAIM] = tenant_id
        return self._sign(claims, "at+jwt"), jti

    def id_token(self, subject: str, client_id: str, *, nonce: str | None, auth_time: int | None,
                 profile: dict[str, Any]) -> str:  # fmt: skip
        now = int(self._wall_clock())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": client_id, "sub": subject, "iat": now, "exp": now + self.token_seconds,
            **profile,
        }  # fmt: skip
        if nonce:
            claims["nonce"] = nonce
        if auth_time:
            claims["auth_time"] = auth_time
        return self._sign(claims, "JWT")

    async def verify_id_token(self, token: str, client_id: str, nonce: str) -> dict[str, Any]:
        """The claims of an ID token this hub issued to ``client_id`` for the login that sent
        ``nonce`` (OpenID Connect Core 3.1.3.7): a token issued for another client, or replayed
        into another login, is ``InvalidToken``. Used by the hub's own web pages, a client of it."""
        await self.refresh_if_stale()
        rules = JWTClaimsRegistry(
            now=lambda: int(self._wall_clock()),
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            decoded = jwt.decode(token, self._public, algorithms=[ALGORITHM])
            if decoded.header.get("typ") != "JWT":
                raise ValueError("not an ID token")
            rules.validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise InvalidToken("the ID token is invalid, expired or not of this login") from exc
        return dict(decoded.claims)

    async def verify(self, token: str) -> VerifiedToken:
        """The caller an access token speaks for; ``InvalidToken`` unless it is one of ours, valid.

        A token verified before is taken from memory, keyed by its exact text, until its ``exp``:
        nothing can be forged through the memory, and revocation is not decided here but by the
        caller's per-request lookup (``hub.web.auth.authenticate``)."""
        remembered = self._verified.get(token)
        if remembered is not None and remembered.expires_at > self._wall_clock():
            return remembered
        try:
            claims = self._check.claims(token)
        except UnknownSigningKey as exc:
            # Perhaps signed by a key published since we last looked: reload, at most once a second.
            if self._keys_age() < 1:
                raise InvalidToken("the access token is invalid or expired") from exc
            await self.refresh()
            try:
                claims = self._check.claims(token)
            except UnacceptableToken as again:
                raise InvalidToken("the access token is invalid or expired") from again
        except UnacceptableToken as exc:
            raise InvalidToken("the access token is invalid or expired") from exc
        return self._remember(token, claims)

    def access_token_claims(self, token: str) -> dict[str, Any]:
        """The claims of an access token of ours that is valid now, checked afresh (no memory, no
        reload of the keys); ``UnacceptableToken`` otherwise. What the revocation endpoint asks."""
        return self._check.claims(token)

    def _remember(self, token: str, claims: dict[str, Any]) -> VerifiedToken:
        subject = str(claims["sub"])
        caller = Caller(
            account_id=None if subject.startswith(MACHINE_SUBJECT_PREFIX) else int(subject),
            client_id=str(claims.get("client_id", "")),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            token_id=str(claims["jti"]),
            tenant_id=_tenant_of(claims),
        )
        family = claims.get("family")
        verified = VerifiedToken(caller, int(claims["exp"]), str(family) if family is not None else None)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = verified
        return verified


def _tenant_of(claims: dict[str, Any]) -> int | None:
    """A machine token's tenant; ``None`` for a person's token (a person's claim would be ignored:
    a person acts by the roles read with the token, never by a claim)."""
    tenant = claims.get(TENANT_CLAIM)
    if not str(claims["sub"]).startswith(MACHINE_SUBJECT_PREFIX) or not isinstance(tenant, int):
        return None
    return tenant
