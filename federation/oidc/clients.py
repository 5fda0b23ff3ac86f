"""Registering OAuth clients: the hub's own UI and CLI, e-government systems, machine clients.

A client is registered with the scopes it may ask for (``federation.identity.policy.Scope``): a
person consents to a subset of them, and a machine client's tokens carry no more than them. The
hub's own first-party clients may ask for every scope; any other client, unless told otherwise,
only for who the person is (``openid profile email``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.policy import SUPPORTED_SCOPES, Scope
from federation.oidc.models import OAuthClient, digest
from hub.core.errors import InvalidInput

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
THIRD_PARTY_SCOPES: tuple[str, ...] = (Scope.OPENID, Scope.PROFILE, Scope.EMAIL)
"""What a client that is not the hub's own may ask for when registered without ``scopes``."""


def check_scopes(scopes: Sequence[str]) -> list[str]:
    """The scopes in the order of ``Scope``, each once; ``InvalidInput`` for one the hub does not know."""
    unknown = [s for s in scopes if s not in SUPPORTED_SCOPES]
    if unknown:
        raise InvalidInput(
            f"unknown scope {unknown[0]!r}: choose from {', '.join(SUPPORTED_SCOPES)}", field="scope"
        )
    return [s for s in SUPPORTED_SCOPES if s in scopes]


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
    scopes: Sequence[str] | None = None,
    tenant_id: int | None = None,
) -> tuple[OAuthClient, str | None]:
    """The new client and, for a confidential one, its secret: shown this once, stored hashed.

    ``scopes`` are those it may ask for; by default every scope for a first-party client, and
    ``THIRD_PARTY_SCOPES`` for any other. ``tenant_id``: the one tenant a confidential client's own
    tokens act in (an e-planning or e-monev system of that regency); only a confidential client has
    tokens of its own."""
    if not name.strip():
        raise InvalidInput("a client needs a name", field="name")
    if scopes is None:
        scopes = SUPPORTED_SCOPES if first_party else THIRD_PARTY_SCOPES
    allowed = check_scopes(scopes)
    if not allowed:
        raise InvalidInput("a client needs at least one scope", field="scope")
    uris = [check_redirect_uri(u) for u in redirect_uris]
    grant_types = ["authorization_code", "refresh_token"] if uris else []
    if confidential:
        grant_types.append("client_credentials")
    if not grant_types:
        raise InvalidInput("a public client needs at least one --redirect-uri", field="redirect_uri")
    if tenant_id is not None and not confidential:
        raise InvalidInput("only a confidential client acts as itself in a tenant", field="tenant")
    secret = secrets.token_urlsafe(32) if confidential else None
    client = OAuthClient(
        client_id=secrets.token_urlsafe(16),
        name=name.strip(),
        secret_hash=digest(secret) if secret else None,
        redirect_uris=uris,
        grant_types=grant_types,
        scope=" ".join(allowed),
        first_party=first_party,
        tenant_id=tenant_id,
    )
    session.add(client)
    await session.flush()
    return client, secret


async def ensure_first_party_client(
    session: AsyncSession, client_id: str, name: str, redirect_uri: str, scopes: Sequence[str]
) -> OAuthClient:
    """The hub's own public client ``client_id`` (its web pages), registered if missing and its
    redirect URI kept to ``redirect_uri``: the hub's issuer URL may change between starts, and the
    client must follow it. Not ``create_client``: its id is fixed, so every replica and every
    restart finds the same client, and its redirect URI is the hub's own (``check_redirect_uri``'s
    rule is for other people's clients; a hub served over plain http on a LAN is the operator's
    choice)."""
    values = {
        "client_id": client_id,
        "name": name,
        "secret_hash": None,
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "scope": " ".join(check_scopes(scopes)),
        "first_party": True,
    }
    kept = {"redirect_uris": [redirect_uri], "first_party": True, "scope": values["scope"]}
    upsert = insert(OAuthClient).values(values)  # two replicas starting at once: one row
    await session.execute(upsert.on_conflict_do_update(index_elements=[OAuthClient.client_id], set_=kept))
    client: OAuthClient | None = await session.scalar(
        select(OAuthClient).where(OAuthClient.client_id == client_id)
    )
    assert client is not None
    return client
