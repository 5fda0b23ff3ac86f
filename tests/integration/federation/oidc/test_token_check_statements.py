"""What an authenticated request costs the database: one statement for the token check, whether
the process meets the token for the first time or has verified it before (then from memory).

The statement answers, in one round trip, whether the token or its family is revoked, whether the
account is still active, and its roles: a token remembered from an earlier request is refused
the moment it is revoked or its account is disabled. Timed on a manual clock, so the signing keys
are not reloaded in the middle (a reload is two statements more, every ``key_refresh_seconds``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar, Request
from litestar.datastructures import State
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account
from federation.identity.models import Account, AccountStatus
from federation.oidc.models import RevokedAccessToken
from federation.oidc.tokens import TokenService
from hub.core.clock import utcnow
from hub.core.database import hub_sessions
from hub.core.errors import InvalidToken
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from hub.web.auth import authenticate
from tests.manual_clock import ManualClock
from tests.statement_count import statements

ISSUER = "https://hub.example"
STATEMENTS_PER_TOKEN_CHECK = 1


def request_with(app: Litestar, token: str) -> Request[Any, Any, Any]:
    """A request to ``app`` carrying ``token``, as the route's guard receives it."""
    scope = {
        "type": "http", "litestar_app": app, "method": "GET", "path": "/me", "query_string": b"",
        "state": {}, "headers": [(b"authorization", f"Bearer {token}".encode())],
    }  # fmt: skip
    return Request(scope)  # type: ignore[arg-type]


async def world(hub: AsyncEngine, settings: Settings) -> tuple[Litestar, TokenService, int]:
    assert settings.master_key is not None
    tokens = TokenService(hub, MasterKey.parse(settings.master_key), ISSUER, 600, clock=ManualClock())
    await tokens.refresh()
    async with hub_sessions(hub)() as session, session.begin():
        account = await create_account(session, "pokja@malangkab.go.id", "Pokja", None)
    app = Litestar(state=State({"tokens": tokens, "engine": hub}))
    return app, tokens, account.id


async def test_a_token_seen_first_and_seen_again_each_cost_one_statement(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    app, tokens, account_id = await world(clean_identity, settings)
    token, _ = tokens.access_token(str(account_id), "portal", "openid lpse", family="f1")
    with statements(clean_identity) as first_sight:
        caller = await authenticate(request_with(app, token))
    assert caller.account_id == account_id
    assert caller.memberships == frozenset()
    with statements(clean_identity) as seen_before:  # a later request of the same session
        assert (await authenticate(request_with(app, token))).account_id == account_id
    assert len(first_sight) == len(seen_before) == STATEMENTS_PER_TOKEN_CHECK


async def test_a_machine_clients_token_costs_one_statement_too(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    app, tokens, _ = await world(clean_identity, settings)
    token, _ = tokens.access_token("client:exporter", "exporter", "lpse")
    with statements(clean_identity) as seen:
        assert (await authenticate(request_with(app, token))).account_id is None
    assert len(seen) == STATEMENTS_PER_TOKEN_CHECK


async def test_a_remembered_token_is_refused_once_revoked_or_once_its_account_is_disabled(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    app, tokens, account_id = await world(clean_identity, settings)
    revoked, jti = tokens.access_token(str(account_id), "portal", "openid lpse")
    disabled, _ = tokens.access_token(str(account_id), "portal", "openid lpse")
    for token in (revoked, disabled):  # verified, and remembered
        await authenticate(request_with(app, token))
    async with hub_sessions(clean_identity)() as session, session.begin():
        session.add(RevokedAccessToken(jti=jti, expires_at=utcnow() + timedelta(minutes=10)))
    with pytest.raises(InvalidToken):
        await authenticate(request_with(app, revoked))
    await authenticate(request_with(app, disabled))
    async with hub_sessions(clean_identity)() as session, session.begin():
        await session.execute(
            update(Account).where(Account.id == account_id).values(status=AccountStatus.DISABLED)
        )
    with pytest.raises(InvalidToken):
        await authenticate(request_with(app, disabled))
