"""The ID token check the hub's own web client makes at the end of its login: the token must be
the hub's, for this client, and carry the nonce this browser's login sent (OpenID Connect Core
3.1.3.7); an access token, another client's ID token or another login's is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.oidc.tokens import TokenService
from hub.core.errors import InvalidToken
from hub.core.master_key import MasterKey
from hub.core.settings import Settings

ISSUER = "https://hub.example"


@pytest.fixture
async def tokens(hub: AsyncEngine, settings: Settings) -> TokenService:
    assert settings.master_key is not None
    service = TokenService(hub, MasterKey.parse(settings.master_key), ISSUER, 600)
    await service.refresh()
    return service


def id_token(tokens: TokenService, client_id: str = "lpse-hub-web", nonce: str = "n-1") -> str:
    return tokens.id_token("7", client_id, nonce=nonce, auth_time=None, profile={})


async def test_the_id_token_of_this_login_gives_its_subject(tokens: TokenService) -> None:
    claims = await tokens.verify_id_token(id_token(tokens), "lpse-hub-web", "n-1")
    assert claims["sub"] == "7"


@pytest.mark.parametrize(
    "made",
    [
        lambda t: id_token(t, nonce="another login's"),
        lambda t: id_token(t, client_id="e-budgeting"),
        lambda t: t.access_token("7", "lpse-hub-web", "openid")[0],
        lambda t: id_token(t)[:-4] + "AAAA",
    ],
    ids=["another nonce", "another client", "an access token", "a forged signature"],
)
async def test_any_other_token_is_refused(tokens: TokenService, made: Callable[[TokenService], str]) -> None:
    token = made(tokens)
    with pytest.raises(InvalidToken):
        await tokens.verify_id_token(token, "lpse-hub-web", "n-1")
