"""The OpenID provider's records in ``hub``: clients, codes, refresh tokens, keys, login records.

The classes implement authlib's model protocols (``ClientMixin``, ``AuthorizationCodeMixin``,
``TokenMixin``), so authlib's grants can read them directly. Codes and tokens are stored as
SHA-256 hashes: a database reader cannot replay them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Identity, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.clock import utcnow
from hub.core.database import HubBase


def digest(secret: str) -> str:
    """How codes, tokens and client secrets are stored: high-entropy values, so SHA-256 suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClient(HubBase, ClientMixin):  # type: ignore[misc]
    """An application that asks for tokens: the hub's web UI, the CLI, e-budgeting, a machine client."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str | None] = mapped_column(String(128))
    """``None`` for a public client (a browser app, the CLI): it proves itself with PKCE alone."""
    redirect_uris: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    grant_types: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    scope: Mapped[str] = mapped_column(Text)
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    """First-party clients (the hub's own UI and CLI) skip the consent page."""
    tenant_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("hub.tenants.id", ondelete="CASCADE")
    )
    """The one tenant a machine client's own tokens act in (an e-planning, e-budgeting or e-monev
    system of that regency); ``None``: no tenant, as for every client that is not a machine."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def confidential(self) -> bool:
        return self.secret_hash is not None

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str) -> str:
        if not scope:
            return ""
        allowed = set(scope_to_list(self.scope))
        return str(list_to_scope([s for s in scope_to_list(scope) if s in allowed]))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris  # exact match, as OAuth 2.1 requires

    def check_client_secret(self, client_secret: str) -> bool:
        return self.secret_hash is not None and hmac.compare_digest(self.secret_hash, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.confidential:
            return method in ("client_secret_basic", "client_secret_post")
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types

    def to_dict(self) -> dict[str, object]:
        return {
            "client_id": self.client_id,
            "name": self.name,
            "confidential": self.confidential,
            "first_party": self.first_party,
            "redirect_uris": list(self.redirect_uris),
            "grant_types": list(self.grant_types),
            "scope": self.scope,
            "tenant_id": self.tenant_id,
        }


class AuthorizationCode(HubBase, AuthorizationCodeMixin):  # type: ignore[misc]
    """A code a person's consent produced: exchanged once, within a minute, with its PKCE verifier."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("hub.accounts.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(8))
    family_id: Mapped[str] = mapped_column(String(36))
    """The family of every token issued from this code: revoked whole if the code is replayed."""
    auth_time: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


class RefreshToken(HubBase, TokenMixin):  # type: ignore[misc]
    """An opaque refresh token (only for a grant with ``offline_access``). Each use rotates it; a
    family is every token descended from one authorization: this token, its successors, and the
    access tokens issued with any of them (they carry the family's id)."""

    __tablename__ = "oauth_refresh_tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(36))
    client_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("hub.accounts.id", ondelete="CASCADE")
    )
    scope: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def check_client(self, client: OAuthClient) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return max(0, int((self.expires_at - utcnow()).total_seconds()))

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or self.rotated_at is not None


class RevokedAccessToken(HubBase):
    """An access token (by ``jti``) revoked before its expiry; kept until it would have expired."""

    __tablename__ = "revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RevokedFamily(HubBase):
    """A token family revoked (its refresh token revoked, an old one replayed, its code replayed):
    the access tokens issued from it are refused too. Kept until the last of them has expired."""

    __tablename__ = "oauth_revoked_families"

    family_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SigningKey(HubBase):
    """A key that signs ID and access tokens. The private half is encrypted under the master key."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When it stopped signing (a newer key took over)."""
    published_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """It stays in the JWKS until the last token it signed has expired."""
