"""Registering OAuth clients: the hub's own UI and CLI, e-government systems, machine clients."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from federation.oidc.models import OAuthClient, digest
from federation.oidc.server import SCOPES
from hub.core.errors import InvalidInput

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def check_redirect_uri(uri: str) -> str:
    """Absolute https, or http on the loopback interface (RFC 8252, native apps); no fragment."""
    parts = urlsplit(uri)
    loopback = parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS
    if not (parts.scheme == "https" or loopback) or not parts.netloc or parts.fragment:
        raise InvalidInput(
            f"invalid redirect URI {uri!r}: use https://..., or http:// on 127.0.0.1 or localhost",
            field="redirect_uri",
        )
    return uri


async def create_client(
    session: AsyncSession,
    name: str,
    redirect_uris: list[str],
    *,
    confidential: bool,
    first_party: bool = False,
) -> tuple[OAuthClient, str | None]:
    """The new client and, for a confidential one, its secret: shown this once, stored hashed."""
    if not name.strip():
        raise InvalidInput("a client needs a name", field="name")
    uris = [check_redirect_uri(u) for u in redirect_uris]
    grant_types = ["authorization_code", "refresh_token"] if uris else []
    if confidential:
        grant_types.append("client_credentials")
    if not grant_types:
        raise InvalidInput("a public client needs at least one --redirect-uri", field="redirect_uri")
    secret = secrets.token_urlsafe(32) if confidential else None
    client = OAuthClient(
        client_id=secrets.token_urlsafe(16),
        name=name.strip(),
        secret_hash=digest(secret) if secret else None,
        redirect_uris=uris,
        grant_types=grant_types,
        scope=" ".join(SCOPES),
        first_party=first_party,
    )
    session.add(client)
    await session.flush()
    return client, secret
