"""What the OpenID provider's JSON endpoints answer: its metadata, its keys, tokens, userinfo, and
the OAuth error body (RFC 6749, section 5.2) of the token and revocation endpoints."""

from __future__ import annotations

from typing import Any

import msgspec


class ProviderMetadata(msgspec.Struct, frozen=True):
    """OpenID Provider Metadata (OpenID Connect Discovery 1.0, section 3)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    revocation_endpoint: str
    jwks_uri: str
    scopes_supported: list[str]
    """Every scope a client may be registered for; what each allows is on the consent page."""
    response_types_supported: list[str]
    grant_types_supported: list[str]
    subject_types_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    code_challenge_methods_supported: list[str]
    """PKCE is required of every client, S256 only."""
    token_endpoint_auth_methods_supported: list[str]
    claims_supported: list[str]


class JsonWebKey(msgspec.Struct, frozen=True, omit_defaults=True):
    """A public key (RFC 7517) that verifies the hub's tokens: EC P-256, ES256."""

    kty: str
    kid: str
    crv: str | None = None
    x: str | None = None
    y: str | None = None
    alg: str | None = None
    use: str | None = None
    """``sig``: the key signs, it never encrypts."""


class JsonWebKeySet(msgspec.Struct, frozen=True):
    """The signing key and every retired key whose tokens may still be alive."""

    keys: list[JsonWebKey]

    @classmethod
    def of(cls, jwks: dict[str, Any]) -> JsonWebKeySet:
        return msgspec.convert(jwks, cls)


class TokenResponse(msgspec.Struct, frozen=True, omit_defaults=True):
    """A successful token response (RFC 6749, section 5.1; OpenID Connect Core 3.1.3.3)."""

    access_token: str
    """A signed JWT (RFC 9068): subject, client, scopes; never roles, looked up at each request."""
    token_type: str
    expires_in: int
    """Seconds until the access token expires."""
    scope: str
    """The scopes granted, space-separated: perhaps fewer than those asked for."""
    refresh_token: str | None = None
    """Only when ``offline_access`` was granted to a person. Rotated at each use; an old one presented
    again revokes every token of its family."""
    id_token: str | None = None
    """Only when ``openid`` was granted to a person."""

    @classmethod
    def of(cls, body: dict[str, Any]) -> TokenResponse:
        return msgspec.convert(body, cls)


class Revoked(msgspec.Struct, frozen=True):
    """Empty: the revocation endpoint answers 200 whether or not it knew the token (RFC 7009, 2.2)."""

    @classmethod
    def of(cls, body: dict[str, Any]) -> Revoked:
        return cls()


class OAuthError(msgspec.Struct, frozen=True, omit_defaults=True):
    """An OAuth error response (RFC 6749, section 5.2), as the token and revocation endpoints send it."""

    error: str
    """``invalid_request``, ``invalid_client``, ``invalid_grant``, ``unauthorized_client``,
    ``unsupported_grant_type``, ``invalid_scope`` or (revocation) ``unsupported_token_type``."""
    error_description: str | None = None
    """A sentence for the developer, not for the person at the browser."""
    error_uri: str | None = None

    @classmethod
    def of(cls, body: dict[str, Any]) -> OAuthError:
        return msgspec.convert(body, cls)


class UserInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    """Claims about the person behind the token (OpenID Connect Core 5.3.2), each only under the
    scope that releases it."""

    sub: str
    """The person's account number at the hub."""
    name: str | None = None
    """With ``profile``."""
    email: str | None = None
    """With ``email``."""
    email_verified: bool | None = None
    """With ``email``."""
    vendor_id: int | None = None
    """With ``lpse``, for a vendor's user: the vendor the person acts for."""

    @classmethod
    def of(cls, claims: dict[str, Any]) -> UserInfo:
        return msgspec.convert(claims, cls)
