"""The grants the hub answers at its token endpoint, over authlib's: code with PKCE, refresh, machine.

What authlib decides (PKCE S256, exact redirect URIs, client authentication, error codes) stays
authlib's. What is ours:

- **Families.** Everything issued from one authorization (the code's tokens, and the refresh and
  access tokens that descend from them) is one family; access tokens carry its id (the ``family``
  claim). Revoking a family revokes its refresh tokens and, through ``RevokedFamily``, which the
  bearer check reads, every access token it issued. A family is revoked when its refresh token is
  revoked, when a rotated refresh token comes back, and when its code is presented again.
- **Refresh tokens only for ``offline_access``** (OpenID Connect Core 11): without it a grant
  issues an access token (and an ID token) and no refresh token.
- **One PKCE guess per code**: a code whose verifier did not match is deleted.
- **Machine clients** (client credentials) get only the scopes they were registered with, never
  ``offline_access``; asking for more is ``invalid_scope``.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidRequestError, InvalidScopeError, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from federation.identity.models import Account, AccountStatus
from federation.identity.policy import Scope
from federation.oidc.authlib_bridge import CapturedRequest, db
from federation.oidc.claims import profile_claims
from federation.oidc.models import AuthorizationCode, OAuthClient, RefreshToken, RevokedFamily, digest
from federation.oidc.tokens import TokenService
from hub.core.clock import utcnow

CODE_SECONDS = 60
PERSON_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
REVOCATION_MARGIN_SECONDS = 60
"""A revoked family is remembered this long past its access tokens' lifetime (clock differences)."""


def revoke_family(family_id: str, access_token_seconds: int) -> None:
    """Revoke every refresh token of the family, and every access token issued from it."""
    now = utcnow()
    db().execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db().execute(delete(RevokedFamily).where(RevokedFamily.expires_at <= now))  # few: revocations are rare
    until = now + timedelta(seconds=access_token_seconds + REVOCATION_MARGIN_SECONDS)
    db().execute(insert(RevokedFamily).values(family_id=family_id, expires_at=until).on_conflict_do_nothing())


def revoke_families_of(account_id: int, access_token_seconds: int) -> int:
    """Log the account out everywhere: revoke every token family it holds a live refresh token
    in (the hub's web sessions, the CLI, any client given ``offline_access``). Returns how many."""
    families = (
        db()
        .scalars(
            select(RefreshToken.family_id)
            .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
            .distinct()
        )
        .all()
    )
    for family in families:
        revoke_family(family, access_token_seconds)
    return len(families)


def _active_account(account_id: int | None) -> Account | None:
    account = db().get(Account, account_id) if account_id is not None else None
    return account if account is not None and account.status == AccountStatus.ACTIVE else None


class _PersonsGrant:
    """What the code and refresh grants share: tokens issued into a family, a refresh token only
    with ``offline_access``. Mixed in before authlib's grant class, whose ``generate_token`` it takes."""

    request: CapturedRequest
    server: Any  # HubAuthorizationServer (it imports this module)

    def family_id(self) -> str:
        raise NotImplementedError

    def generate_token(
        self,
        user: Account | None = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        self.request.family_id = self.family_id()
        offline = Scope.OFFLINE_ACCESS in (scope or "").split()
        token: dict[str, Any] = self.server.issue(
            self.request.client,
            user,
            scope or "",
            family=self.request.family_id,
            refresh=include_refresh_token and offline,
        )
        return token


class RequiredS256(CodeChallenge):  # type: ignore[misc]
    """PKCE on every authorization request, S256 only (authlib checks presence only at the token
    endpoint, and only for public clients; OAuth 2.1 wants it up front, for every client). A code
    gets one verifier: after a wrong one it is gone, so a guesser has one try."""

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

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        try:
            super().validate_code_verifier(grant, result)
        except OAuth2Error:
            if grant.request.form.get("code_verifier"):  # a guess, not a forgotten parameter
                db().delete(grant.request.authorization_code)
            raise


class CodeGrant(_PersonsGrant, grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = PERSON_AUTH_METHODS

    def family_id(self) -> str:
        code: AuthorizationCode = self.request.authorization_code
        return code.family_id

    def save_authorization_code(self, code: str, request: CapturedRequest) -> None:
        data = request.payload.data
        db().add(AuthorizationCode(
            code_hash=digest(code), client_id=request.client.client_id, account_id=request.user.id,
            redirect_uri=data.get("redirect_uri") or request.client.get_default_redirect_uri(),
            scope=request.client.get_allowed_scope(data.get("scope", "")), nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"), family_id=str(uuid.uuid4()),
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
            revoke_family(item.family_id, self.server.tokens.token_seconds)
            return None
        return item

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        authorization_code.used_at = utcnow()  # kept until it expires, to recognise a replay

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Account | None:
        return _active_account(authorization_code.account_id)


class RefreshGrant(_PersonsGrant, grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = PERSON_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def family_id(self) -> str:
        token: RefreshToken = self.request.refresh_token
        return token.family_id

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        item = db().scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(refresh_token)))
        if item is None:
            return None
        if item.is_revoked():
            # An old member of the family came back: whoever holds the family now, it is not safe.
            revoke_family(item.family_id, self.server.tokens.token_seconds)
            return None
        return None if item.is_expired() else item

    def authenticate_user(self, refresh_token: RefreshToken) -> Account | None:
        return _active_account(refresh_token.account_id)

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        refresh_token.rotated_at = utcnow()


class MachineGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    """A machine client acting as itself: the scopes it was registered with, or fewer; no refresh."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def validate_requested_scope(self) -> None:
        client: OAuthClient = self.request.client
        registered = [s for s in client.scope.split() if s != Scope.OFFLINE_ACCESS]
        requested = (self.request.payload.scope or "").split()
        if Scope.OFFLINE_ACCESS in requested:
            raise InvalidScopeError(
                "a machine client gets no offline_access: it asks for a new token instead"
            )
        beyond = [s for s in requested if s not in registered]
        if beyond:
            raise InvalidScopeError(f"this client was not registered for {' '.join(beyond)}")
        self.granted_scope = " ".join(requested or registered)

    def create_token_response(self) -> tuple[int, dict[str, Any], Any]:
        token = self.server.issue(self.request.client, None, self.granted_scope, family=None, refresh=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class IdTokens:
    """authlib grant extension: an ID token beside the access token when ``openid`` was asked for."""

    def __init__(self, tokens: TokenService) -> None:
        self.tokens = tokens

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_create_token_response", self.add_id_token)

    def add_id_token(self, grant: Any, response: tuple[int, dict[str, Any], Any]) -> None:
        _, token, _ = response
        user: Account | None = grant.request.user
        scopes = str(token.get("scope", "")).split()
        if user is None or Scope.OPENID not in scopes:
            return
        code = grant.request.authorization_code
        token["id_token"] = self.tokens.id_token(
            str(user.id), grant.request.client.client_id,
            nonce=code.nonce if code is not None else None,
            auth_time=code.auth_time if code is not None else None,
            profile=profile_claims(user, scopes),
        )  # fmt: skip
