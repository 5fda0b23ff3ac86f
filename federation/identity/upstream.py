"""Logging in through an upstream OpenID provider (a national SSO, or another province's hub).

An upstream identity is its (issuer, subject). It logs in as the hub account it is linked to; the
first time, a link is made to the account with the same email if the upstream says that email is
verified. Otherwise an operator links it explicitly (``lpse-hub account link``): the hub never
creates accounts for strangers, because accounts carry roles.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.accounts import find_account, get_account
from federation.identity.models import Account, AccountLink, AccountStatus
from hub.core.errors import Conflict, Forbidden, Unauthenticated

METADATA_SECONDS = 300


@dataclass
class UpstreamProvider:
    """One configured upstream issuer; its metadata and keys are fetched and cached as needed."""

    name: str
    issuer: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    _metadata: dict[str, Any] = field(default_factory=dict)
    _keys: KeySet | None = None
    _fetched_at: float = 0.0

    async def metadata(self) -> dict[str, Any]:
        if not self._metadata or time.monotonic() - self._fetched_at > METADATA_SECONDS:
            async with httpx.AsyncClient(timeout=10) as http:
                meta = (
                    (await http.get(f"{self.issuer}/.well-known/openid-configuration"))
                    .raise_for_status()
                    .json()
                )
                jwks = (await http.get(meta["jwks_uri"])).raise_for_status().json()
            self._metadata, self._keys, self._fetched_at = meta, KeySet.import_key_set(jwks), time.monotonic()
        return self._metadata

    def client(self) -> Any:
        """authlib's OAuth 2 client for the upstream (an ``httpx.AsyncClient``)."""
        with warnings.catch_warnings():  # authlib 1.9 announces a move to httpx2 on import
            warnings.simplefilter("ignore")
            from authlib.integrations.httpx_client import AsyncOAuth2Client
        return AsyncOAuth2Client(
            client_id=self.client_id, client_secret=self.client_secret, redirect_uri=self.redirect_uri,
            scope="openid email profile", code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.client_secret else "none",
        )  # fmt: skip

    async def verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of an ID token this upstream issued for us, checked in full."""
        await self.metadata()
        assert self._keys is not None
        try:
            claims = jwt.decode(id_token, self._keys).claims
            JWTClaimsRegistry(
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                nonce={"essential": True, "value": nonce},
                sub={"essential": True},
                exp={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError) as exc:
            raise Unauthenticated(f"the ID token from {self.name} is not valid: {exc}") from exc
        return dict(claims)


async def account_for_upstream(session: AsyncSession, issuer: str, claims: dict[str, Any]) -> Account:
    """The hub account an upstream identity logs in as, linking it by verified email the first time."""
    subject = str(claims["sub"])
    link = await session.get(AccountLink, (issuer, subject))
    if link is not None:
        account = await session.get(Account, link.account_id)
    else:
        email = claims.get("email")
        account = (
            await find_account(session, email) if email and claims.get("email_verified") is True else None
        )
        if account is None:
            raise Forbidden(
                "no hub account is linked to this identity; ask your LPSE's operator to link it "
                "(lpse-hub account link)"
            )
        session.add(AccountLink(issuer=issuer, subject=subject, account_id=account.id))
        await session.flush()
    if account is None or account.status != AccountStatus.ACTIVE:
        raise Forbidden("the hub account linked to this identity is disabled")
    return account


async def link_account(session: AsyncSession, email: str, issuer: str, subject: str) -> AccountLink:
    account = await get_account(session, email)
    existing = await session.scalar(
        select(AccountLink).where(AccountLink.issuer == issuer, AccountLink.subject == subject)
    )
    if existing is not None:
        raise Conflict(f"{subject} at {issuer} is linked to an account already")
    link = AccountLink(issuer=issuer.rstrip("/"), subject=subject, account_id=account.id)
    session.add(link)
    await session.flush()
    return link
