"""Who is calling, and may they ask this: the bearer token checked against the policy table.

A route that not everybody may use declares its action: ``@post("/", **requires(Action.X))``. The
route's guard then, before anything is read from the request or the database:

- refuses a request without a valid, unrevoked access token of an active account (401, with an RFC
  6750 ``WWW-Authenticate`` challenge);
- refuses a token that was not granted a scope the action accepts (403, ``insufficient_scope``);
- refuses a machine client's token where a person must act (403).

Whether the person holds the role is the service's check, in the transaction of the change
(``federation.identity.policy.require``): both read the same rule. ``requires`` also describes the
route in the OpenAPI document: its security requirement and its problem responses.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import BigInteger, ColumnElement, Select, String, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.caller import Caller
from federation.identity.models import Account, AccountStatus, Membership, Role
from federation.identity.policy import Action, check_scopes, rule_of
from federation.oidc.models import RevokedAccessToken, RevokedFamily
from federation.oidc.tokens import TokenService
from hub.core.errors import Forbidden, InvalidToken, Unauthenticated
from hub.web.openapi import BEARER, problem_responses

_CALLER = "lpse_hub_caller"


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    """The caller behind the request's bearer token, verified once per request (then remembered)."""
    remembered = connection.state.get(_CALLER)
    if isinstance(remembered, Caller):
        return remembered
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("this needs an access token: Authorization: Bearer <token>")
    state: State = connection.app.state
    tokens: TokenService = state.tokens
    await tokens.refresh_if_stale()
    verified = await tokens.verify(token.strip())
    caller = verified.caller
    # One round trip: is the token (or its family) revoked, is the account (if any) still active,
    # and its roles. One statement needs no transaction of its own: in autocommit it reads one
    # snapshot as it did between BEGIN and ROLLBACK, without those two round trips (issue 20: 4 round
    # trips and 15% of the hub's CPU per bid in a deadline rush, now 2).
    query = _standing_query(family=verified.family is not None, person=caller.account_id is not None)
    parameters = {"jti": caller.token_id, "family": verified.family, "account_id": caller.account_id}
    engine: AsyncEngine = state.engine
    async with engine.connect() as database:
        await database.execution_options(isolation_level="AUTOCOMMIT")
        row = (await database.execute(query, parameters)).one()
    if row.revoked:
        raise InvalidToken("the access token was revoked")
    if caller.account_id is not None:
        if row.status != AccountStatus.ACTIVE:
            raise InvalidToken("the account behind this token is disabled or gone")
        held = frozenset((tenant_id, Role(role)) for tenant_id, role in row.roles or ())
        caller = replace(caller, memberships=held)
    connection.state[_CALLER] = caller
    return caller


@functools.cache
def _standing_query(*, family: bool, person: bool) -> Select[Any]:
    """``authenticate``'s query, built once per process for each of its four shapes (every request
    with a token runs it, and building a statement costs more CPU than running it): whether the
    token ``:jti`` (or, with ``family``, the family ``:family``) is revoked, and for a ``person``
    the status and roles of the account ``:account_id``."""
    revoked: ColumnElement[bool] = (
        select(RevokedAccessToken.jti)
        .where(RevokedAccessToken.jti == bindparam("jti", type_=String))
        .exists()
    )
    if family:
        revoked_family = select(RevokedFamily.family_id).where(
            RevokedFamily.family_id == bindparam("family", type_=String)
        )
        revoked = or_(revoked, revoked_family.exists())
    query = select(revoked.label("revoked"))
    if person:
        account_id = bindparam("account_id", type_=BigInteger)
        status = select(Account.status).where(Account.id == account_id).scalar_subquery()
        roles = (
            select(func.json_agg(func.json_build_array(Membership.tenant_id, Membership.role)))
            .where(Membership.account_id == account_id)
            .scalar_subquery()
        )
        query = query.add_columns(status.label("status"), roles.label("roles"))
    return query


def authorize(caller: Caller, action: Action) -> None:
    """What the token alone decides: a person where one is needed, and the scope."""
    if caller.account_id is None and not rule_of(action).machines:
        raise Forbidden("this needs a person's token, not a machine client's")
    check_scopes(action, caller.scopes)


async def policy_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Litestar guard of every route declared with ``requires``."""
    authorize(await authenticate(connection), handler.opt["action"])


def requires(action: Action, *, errors: tuple[int, ...] = ()) -> dict[str, Any]:
    """The route arguments of a route that takes ``action``: its guard and its OpenAPI description,
    with the problem responses it can give beyond 401 and 403 (``errors``)."""
    rule = rule_of(action)
    return {
        "guards": [policy_guard],
        "opt": {"action": action},
        "security": [{BEARER: [scope.value for scope in rule.scopes]}],
        "responses": problem_responses(401, 403, *errors),
    }


async def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The caller, for a route that needs one (its guard has already checked it)."""
    return await authenticate(request)


async def provide_optional_caller(request: Request[Any, Any, Any]) -> Caller | None:
    """The caller when a token is sent (and then it must be valid); ``None`` for the public."""
    if not request.headers.get("authorization"):
        return None
    return await authenticate(request)
