"""When a hub process picks up a rotated signing key: every ``key_refresh_seconds``, or at once
(at most once a second) for a token signed by a key it has not loaded. Timed on a manual clock."""

from __future__ import annotations

import pytest
from joserfc.jws import extract_compact
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.oidc.signing_keys import rotate_signing_keys
from federation.oidc.tokens import TokenService
from hub.core.database import hub_sessions
from hub.core.errors import InvalidToken
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tests.manual_clock import ManualClock

ISSUER = "https://hub.example"


def kid_of(token: str) -> str:
    return str(extract_compact(token.encode()).headers()["kid"])


async def rotate(engine: AsyncEngine, master: MasterKey) -> str:
    """Rotate the keys as the CLI does from another process; the new key's ``kid``."""
    async with hub_sessions(engine)() as session, session.begin():
        return (await rotate_signing_keys(session, master, 600)).kid


async def test_a_process_signs_with_a_rotated_key_once_its_keys_are_key_refresh_seconds_old(
    hub: AsyncEngine, settings: Settings
) -> None:
    assert settings.master_key is not None
    master, clock = MasterKey.parse(settings.master_key), ManualClock()
    tokens = TokenService(hub, master, ISSUER, 600, key_refresh_seconds=30, clock=clock)
    await tokens.refresh()
    old = kid_of(tokens.access_token("1", "client", "openid")[0])
    new = await rotate(hub, master)

    await clock.advance(29.9)
    await tokens.refresh_if_stale()
    assert kid_of(tokens.access_token("1", "client", "openid")[0]) == old  # not reloaded yet
    assert new not in {k["kid"] for k in tokens.jwks()["keys"]}

    await clock.advance(0.1)
    await tokens.refresh_if_stale()
    assert kid_of(tokens.access_token("1", "client", "openid")[0]) == new
    assert {old, new} <= {k["kid"] for k in tokens.jwks()["keys"]}  # the old key's tokens still verify


async def test_a_token_of_a_key_not_yet_loaded_reloads_the_keys_at_most_once_a_second(
    hub: AsyncEngine, settings: Settings
) -> None:
    assert settings.master_key is not None
    master, clock = MasterKey.parse(settings.master_key), ManualClock()
    tokens = TokenService(hub, master, ISSUER, 600, key_refresh_seconds=30, clock=clock)
    await tokens.refresh()
    await rotate(hub, master)
    elsewhere = TokenService(hub, master, ISSUER, 600)  # another replica, which has the new key
    await elsewhere.refresh()
    token, _ = elsewhere.access_token("1", "client", "openid")

    await clock.advance(0.9)
    with pytest.raises(InvalidToken):  # the keys were loaded less than a second ago: no reload
        await tokens.verify(token)
    await clock.advance(0.1)
    assert (await tokens.verify(token)).caller.account_id == 1  # reloaded, and the key is there
