"""The authorization server: authlib's grants and endpoints over our records.

authlib's server code is synchronous. It runs inside ``AsyncSession.run_sync``, which hands it a
synchronous ``Session`` whose queries still go through asyncpg (SQLAlchemy's greenlet bridge); the
session is reached through a context variable set per call, so one server object serves every
request. What authlib decides (grants, PKCE S256, exact redirect URIs, client authentication,
error codes) stays authlib's; what is ours is storage, token format, rotation and reuse detection.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import InvalidRequestError, grants
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from federation.identity.models import Account, AccountStatus
from federation.oidc.models import AuthorizationCode, OAuthClient, RefreshToken, RevokedAccessToken, digest
from federation.oidc.tokens import MACHINE_SUBJECT_PREFIX, TokenService
from hub.core.clock import utcnow
from hub.core.database import hub_sessions

SCOPES = ["openid", "profile", "email", "offline_access", "lpse"]
CODE_SECONDS = 60
T = TypeVar("T")
_db: ContextVar[Session] = ContextVar("authlib_session")


def db() -> Session:
    return _db.get()


class FormPayload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._values.items() if values}

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._values


class CapturedRequest(OAuth2Request):  # type: ignore[misc]
    """An HTTP request, read in full by the async controller, as authlib wants to see it."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], query: dict[str, list[str]],
                 form: dict[str, list[str]]) -> None:  # fmt: skip
        super().__init__(method, uri, headers=headers)
        self._query, self._form = query, form
        self.payload = FormPayload({**query, **form})

    @property
    def args(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._query.items() if v}

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._form.items() if v}


def profile_claims(account: Account, scope: str) -> dict[str, Any]:
    scopes = set(scope.split())
    claims: dict[str, Any] = {}
    if "profile" in scopes:
        claims["name"] = account.name
    if "email" in scopes:
        claims.update(email=account.email, email_verified=account.email_verified)
    if account.vendor_id is not None and "lpse" in scopes:
        claims["vendor_id"] = account.vendor_id
    return claims


def _active_account(account_id: int | None) -> Account | None:
    account = db().get(Account, account_id) if account_id is not None else None
    return account if account is not None and account.status == AccountStatus.ACTIVE else None


class RequiredS256(CodeChallenge):  # type: ignore[misc]
    """PKCE on every authorization request, S256 only (authlib checks presence only at the token
    endpoint, and only for public clients; OAuth 2.1 wants it up front, for every client)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__(required=True)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    def save_authorization_code(self, code: str, request: CapturedRequest) -> None:
        data = request.payload.data
        db().add(AuthorizationCode(
            code_hash=digest(code), client_id=request.client.client_id, account_id=request.user.id,
            redirect_uri=data.get("redirect_uri") or request.client.get_default_redirect_uri(),
            scope=request.client.get_allowed_scope(data.get("scope", "")), nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            auth_time=int(getattr(request, "auth_time", time.time())),
            expires_at=utcnow() + timedelta(seconds=CODE_SECONDS),
        ))  # fmt: skip

    def query_authorization_code(self, code: str, client: OAuthClient) -> AuthorizationCode | None:
        item: AuthorizationCode | None = db().scalar(
            select(AuthorizationCode).where(
                AuthorizationCode.code_hash == digest(code), AuthorizationCode.client_id == client.client_id
            )
        )
        if item is None or item.expires_at <= utcnow():
            return None
        if item.used_at is not None:
            # A code used twice was stolen or replayed: the tokens issued for it go too (RFC 6749 4.1.2).
            _revoke_families(client.client_id, item.account_id, since=item.used_at)
            return None
        return item

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        authorization_code.used_at = utcnow()

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Account | None:
        return _active_account(authorization_code.account_id)


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        item = db().scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token)))
        if item is None:
            return None
        if item.is_revoked():
            # An old member of the family came back: whoever holds the family now, it is not safe.
            _revoke_family(item.family_id)
            return None
        return None if item.is_expired() else item

    def authenticate_user(self, refresh_token: RefreshToken) -> Account | None:
        return _active_account(refresh_token.account_id)

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        refresh_token.rotated_at = utcnow()


class MachineGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012


def _revoke_family(family_id: str) -> None:
    db().execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _revoke_families(client_id: str, account_id: int, since: datetime) -> None:
    db().execute(update(RefreshToken).where(
        RefreshToken.client_id == client_id, RefreshToken.account_id == account_id,
        RefreshToken.issued_at >= since - timedelta(seconds=1), RefreshToken.revoked_at.is_(None),
    ).values(revoked_at=utcnow()))  # fmt: skip


@dataclass(frozen=True, slots=True)
class AccessTokenRecord:
    """A presented access token, as the revocation endpoint sees it."""

    jti: str
    client_id: str
    expires_at: int

    def check_client(self, client: OAuthClient) -> bool:
        return self.client_id == client.client_id


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    def __init__(self, server: HubAuthorizationServer) -> None:
        super().__init__(server)
        self.tokens = server.tokens

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        item = db().scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token_string)))
        if item is not None:
            return item
        try:
            claims = self.tokens._decode(token_string).claims
        except Exception:  # not ours, malformed or expired: nothing to revoke (RFC 7009 answers 200)
            return None
        return AccessTokenRecord(str(claims["jti"]), str(claims.get("client_id")), int(claims["exp"]))

    def revoke_token(self, token: Any, request: CapturedRequest) -> None:
        if isinstance(token, RefreshToken):
            _revoke_family(token.family_id)
        elif db().get(RevokedAccessToken, token.jti) is None:
            db().add(
                RevokedAccessToken(jti=token.jti, expires_at=datetime.fromtimestamp(token.expires_at, UTC))
            )


class IdTokens:
    """authlib grant extension: an ID token beside the access token when ``openid`` was asked for."""

    def __init__(self, tokens: TokenService) -> None:
        self.tokens = tokens

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_create_token_response", self.add_id_token)

    def add_id_token(self, grant: Any, response: tuple[int, dict[str, Any], Any]) -> None:
        _, token, _ = response
        user: Account | None = grant.request.user
        if user is None or "openid" not in str(token.get("scope", "")).split():
            return
        code = grant.request.authorization_code
        token["id_token"] = self.tokens.id_token(
            str(user.id), grant.request.client.client_id,
            nonce=code.nonce if code is not None else None,
            auth_time=code.auth_time if code is not None else None,
            profile=profile_claims(user, str(token["scope"])),
        )  # fmt: skip


class HubAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, engine: AsyncEngine, tokens: TokenService, refresh_days: int) -> None:
        super().__init__(scopes_supported=SCOPES)
        self.engine, self.tokens, self.refresh_days = engine, tokens, refresh_days
        self.register_token_generator("default", self._generate_token)
        self.register_grant(CodeGrant, [RequiredS256(), IdTokens(tokens)])
        self.register_grant(RefreshGrant, [IdTokens(tokens)])
        self.register_grant(MachineGrant)
        self.register_endpoint(Revocation(self))

    async def run(self, work: Callable[[], T]) -> T:
        """Run authlib's synchronous ``work`` with a database session, and commit what it wrote."""

        def with_session(session: Session) -> T:
            token = _db.set(session)
            try:
                return work()
            finally:
                _db.reset(token)

        await self.tokens.refresh_if_stale()
        async with hub_sessions(self.engine)() as session:
            result = await session.run_sync(with_session)
            await session.commit()  # an error response may still have written (reuse detection)
            return result

    def query_client(self, client_id: str) -> OAuthClient | None:
        return db().scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))

    def save_token(self, token: dict[str, Any], request: CapturedRequest) -> None:
        if "refresh_token" not in token:
            return
        previous: RefreshToken | None = getattr(request, "refresh_token", None)
        db().add(RefreshToken(
            token_hash=digest(token["refresh_token"]),
            family_id=previous.family_id if previous is not None else str(uuid.uuid4()),
            client_id=request.client.client_id, account_id=request.user.id if request.user else None,
            scope=token.get("scope", ""), expires_at=utcnow() + timedelta(days=self.refresh_days),
        ))  # fmt: skip

    def _generate_token(self, grant_type: str, client: OAuthClient, user: Account | None = None,
                        scope: str | None = None, expires_in: int | None = None,
                        include_refresh_token: bool = True) -> dict[str, Any]:  # fmt: skip
        subject = str(user.id) if user is not None else MACHINE_SUBJECT_PREFIX + client.client_id
        access_token, _ = self.tokens.access_token(subject, client.client_id, scope or "")
        token: dict[str, Any] = {"token_type": "Bearer", "access_token": access_token,
                                 "expires_in": self.tokens.token_seconds, "scope": scope or ""}  # fmt: skip
        if include_refresh_token and user is not None:
            token["refresh_token"] = secrets.token_urlsafe(48)
        return token

    def create_oauth2_request(self, request: CapturedRequest) -> CapturedRequest:
        return request

    def create_json_request(self, request: CapturedRequest) -> CapturedRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers or [])

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None
