"""The authorization server: authlib's endpoints over our records, our token format and storage.

The grants are in ``federation.oidc.grants``; how authlib's synchronous code reaches the request
and the database is in ``federation.oidc.authlib_bridge``. Here: the server object (one per
process), the tokens it issues, what it stores, and the revocation endpoint (RFC 7009).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc7009 import RevocationEndpoint
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from federation.identity.models import Account
from federation.identity.policy import SUPPORTED_SCOPES
from federation.oidc.access_token_check import UnacceptableToken
from federation.oidc.authlib_bridge import CapturedRequest, db, session_of_call
from federation.oidc.grants import (
    CodeGrant,
    IdTokens,
    MachineGrant,
    RefreshGrant,
    RequiredS256,
    revoke_family,
)
from federation.oidc.models import OAuthClient, RefreshToken, RevokedAccessToken, digest
from federation.oidc.tokens import MACHINE_SUBJECT_PREFIX, TokenService
from hub.core.clock import utcnow
from hub.core.database import hub_sessions

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AccessTokenRecord:
    """A presented access token, as the revocation endpoint sees it."""

    jti: str
    client_id: str
    expires_at: int

    def check_client(self, client: OAuthClient) -> bool:
        return self.client_id == client.client_id


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009. A refresh token revokes its whole family (its access tokens included); an access
    token revokes itself."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    def __init__(self, server: HubAuthorizationServer) -> None:
        super().__init__(server)
        self.tokens = server.tokens

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        item = db().scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token_string)))
        if item is not None:
            return item
        try:
            claims = self.tokens.access_token_claims(token_string)
        except UnacceptableToken:  # not ours, malformed or expired: nothing to revoke (RFC 7009: 200)
            return None
        return AccessTokenRecord(str(claims["jti"]), str(claims.get("client_id")), int(claims["exp"]))

    def revoke_token(self, token: Any, request: CapturedRequest) -> None:
        if isinstance(token, RefreshToken):
            revoke_family(token.family_id, self.tokens.token_seconds)
        elif db().get(RevokedAccessToken, token.jti) is None:
            db().add(
                RevokedAccessToken(jti=token.jti, expires_at=datetime.fromtimestamp(token.expires_at, UTC))
            )


class HubAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, engine: AsyncEngine, tokens: TokenService, refresh_days: int) -> None:
        super().__init__(scopes_supported=list(SUPPORTED_SCOPES))
        self.engine, self.tokens, self.refresh_days = engine, tokens, refresh_days
        self.register_grant(CodeGrant, [RequiredS256(), IdTokens(tokens)])
        self.register_grant(RefreshGrant, [IdTokens(tokens)])
        self.register_grant(MachineGrant)
        self.register_endpoint(Revocation(self))

    async def run(self, work: Callable[[], T]) -> T:
        """Run authlib's synchronous ``work`` with a database session, and commit what it wrote."""

        def with_session(session: Session) -> T:
            token = session_of_call.set(session)
            try:
                return work()
            finally:
                session_of_call.reset(token)

        await self.tokens.refresh_if_stale()
        async with hub_sessions(self.engine)() as session:
            result = await session.run_sync(with_session)
            # An error response may still have written: reuse detection, a code spent on a wrong guess.
            await session.commit()
            return result

    def query_client(self, client_id: str) -> OAuthClient | None:
        return db().scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))

    def issue(
        self, client: OAuthClient, user: Account | None, scope: str, *, family: str | None, refresh: bool
    ) -> dict[str, Any]:
        """The token response's body: an access token in ``family`` (``None`` for a machine client's),
        and a refresh token when ``refresh`` (a person's grant with ``offline_access``)."""
        subject = str(user.id) if user is not None else MACHINE_SUBJECT_PREFIX + client.client_id
        tenant_id = client.tenant_id if user is None else None  # a machine acting as itself, in its tenant
        access_token, _ = self.tokens.access_token(
            subject, client.client_id, scope, family=family, tenant_id=tenant_id
        )
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": access_token,
            "expires_in": self.tokens.token_seconds,
            "scope": scope,
        }
        if refresh and user is not None:
            token["refresh_token"] = secrets.token_urlsafe(48)
        return token

    def save_token(self, token: dict[str, Any], request: CapturedRequest) -> None:
        if "refresh_token" not in token:
            return
        assert request.family_id is not None, "a refresh token is issued into a family"
        db().add(RefreshToken(
            token_hash=digest(token["refresh_token"]), family_id=request.family_id,
            client_id=request.client.client_id, account_id=request.user.id if request.user else None,
            scope=token.get("scope", ""), expires_at=utcnow() + timedelta(days=self.refresh_days),
        ))  # fmt: skip

    def create_oauth2_request(self, request: CapturedRequest) -> CapturedRequest:
        return request

    def create_json_request(self, request: CapturedRequest) -> CapturedRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers or [])

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None
