"""Who is calling: the account behind a request's bearer access token.

``provide_caller`` is the dependency for routes that need a logged-in caller; it raises
``Unauthenticated`` (401) without a valid token. Authorisation (the caller's roles in the tenant of
the path) is a separate step: ``federation.identity.authorization.require_role``.
"""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import State
from sqlalchemy import select

from federation.identity.caller import Caller
from federation.identity.models import Account, AccountStatus
from federation.oidc.models import RevokedAccessToken
from federation.oidc.tokens import TokenService
from hub.core.database import hub_sessions
from hub.core.errors import Unauthenticated


async def provide_caller(request: Request[object, object, State], state: State) -> Caller:
    """The caller of a route that needs one: a valid, unrevoked access token of an active account."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("this needs an access token: Authorization: Bearer <token>")
    tokens: TokenService = state.tokens
    await tokens.refresh_if_stale()
    caller = (await tokens.verify(token.strip())).caller
    # One round trip: is the token revoked, and is the account (if any) still active?
    revoked = select(RevokedAccessToken.jti).where(RevokedAccessToken.jti == caller.token_id).exists()
    query = select(revoked.label("revoked"))
    if caller.account_id is not None:
        query = query.add_columns(
            select(Account.status).where(Account.id == caller.account_id).scalar_subquery().label("status")
        )
    async with hub_sessions(state.engine)() as session:
        row = (await session.execute(query)).one()
    if row.revoked:
        raise Unauthenticated("the access token was revoked")
    if caller.account_id is not None and row.status != AccountStatus.ACTIVE:
        raise Unauthenticated("the account behind this token is disabled or gone")
    return caller


async def provide_optional_caller(request: Request[object, object, State], state: State) -> Caller | None:
    """The caller when a token is sent (and then it must be valid); ``None`` for the public."""
    if not request.headers.get("authorization"):
        return None
    return await provide_caller(request, state)
