"""Who is calling, and may they ask this: the bearer token checked against the policy table.

A route that not everybody may use declares its action: ``@post("/", **requires(Action.X))``. The
route's guard then, before anything is read from the request or the database:

- refuses a request without a valid, unrevoked access token of an active account (401, with an RFC
  6750 ``WWW-Authenticate`` challenge);
- refuses a token that was not granted a scope the action accepts (403, ``insufficient_scope``);
- refuses a machine client's token where a person must act (403).

A route declared ``requires(Action.X, standing=IN_TRANSACTION)`` (the bid route, where a deadline
rush makes every round trip count, and a tender's steps from its package to its contract) has its
guard make the token's checks that need no query (signature, expiry, scope, a person's) and leaves
the rest to the request's own transaction: whether the token is revoked, the account active and the
role held are read by the transaction's first statement (``TokenStanding``) and refused there, before
anything else of the request is judged, with the same answers; but after the body was received, so a
revoked token can still send one. Such a route's ``actor`` is judged so (``provide_actor_in_transaction``):
its token's check takes no pool connection of its own (issue 20).

Whether the person holds the role is the service's check, in the transaction of the change
(``federation.identity.policy.require``): both read the same rule. ``requires`` also describes the
route in the OpenAPI document: its security requirement and its problem responses.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import BigInteger, ColumnElement, Select, String, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.identity.actor import Actor
from federation.identity.caller import Caller
from federation.identity.models import Account, AccountStatus, Membership, Role
from federation.identity.policy import Action, check_scopes, role_for, rule_of
from federation.oidc.models import RevokedAccessToken, RevokedFamily
from federation.oidc.tokens import TokenService, VerifiedToken
from hub.core.direct import first_row
from hub.core.errors import Forbidden, InvalidToken, Unauthenticated
from hub.web.openapi import BEARER, problem_responses
from tenants.registry import TenantRef
from tenants.tenders.bidding.bidder import CheckOfEach

_CALLER = "lpse_hub_caller"
_UNJUDGED = "lpse_hub_unjudged_token"
"""A token the guard verified and left to the handler to judge (``token_standing``)."""


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Caller:
    """The caller behind the request's bearer token, verified once per request (then remembered)."""
    remembered = connection.state.get(_CALLER)
    if isinstance(remembered, Caller):
        return remembered
    verified = await _verified(connection)
    # One round trip: is the token (or its family) revoked, is the account (if any) still active,
    # and its roles. One statement needs no transaction of its own: in autocommit it reads one
    # snapshot as it did between BEGIN and ROLLBACK, without those two round trips (issue 20).
    family, person = verified.family is not None, verified.caller.account_id is not None
    query = _standing_query(family=family, person=person)
    engine: AsyncEngine = connection.app.state.engine
    async with engine.connect() as database:
        await database.execution_options(isolation_level="AUTOCOMMIT")
        row = (await database.execute(query, _standing_parameters(verified))).one()
    caller = _stood(verified.caller, row)
    connection.state[_CALLER] = caller
    return caller


async def _verified(connection: ASGIConnection[Any, Any, Any, Any]) -> VerifiedToken:
    """The request's bearer token verified (signature, issuer, expiry; its scopes read): no query."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("this needs an access token: Authorization: Bearer <token>")
    tokens: TokenService = connection.app.state.tokens
    await tokens.refresh_if_stale()
    return await tokens.verify(token.strip())


def _standing_parameters(verified: VerifiedToken) -> dict[str, Any]:
    caller = verified.caller
    return {"jti": caller.token_id, "family": verified.family, "account_id": caller.account_id}


def _stood(caller: Caller, row: Any) -> Caller:
    """The caller with its roles, if the standing read in ``row`` (``_standing_columns``) holds:
    the token and its family unrevoked, the account active; ``InvalidToken`` otherwise."""
    if row.revoked:
        raise InvalidToken("the access token was revoked")
    if caller.account_id is not None:
        if row.status != AccountStatus.ACTIVE:
            raise InvalidToken("the account behind this token is disabled or gone")
        held = frozenset((tenant_id, Role(role)) for tenant_id, role in row.roles or ())
        caller = replace(caller, memberships=held)
    return caller


@functools.cache
def _standing_query(*, family: bool, person: bool) -> Select[Any]:
    """``authenticate``'s query, built once per process for each of its four shapes (every request
    with a token runs it, and building a statement costs more CPU than running it)."""
    return select(*_standing_columns(family=family, person=person))


@functools.cache
def _standing_columns(*, family: bool, person: bool) -> tuple[ColumnElement[Any], ...]:
    """What ``authenticate`` reads, as self-contained subqueries that another statement can read
    too (``TokenStanding``): whether the token ``:jti`` (or, with ``family``, the family
    ``:family``) is revoked, and for a ``person`` the status and roles of the account
    ``:account_id``. Built once per shape, as ``_standing_query``."""
    return _standing_columns_over(
        bindparam("jti", type_=String),
        bindparam("family", type_=String) if family else None,
        bindparam("account_id", type_=BigInteger) if person else None,
    )


def _standing_columns_over(
    jti: ColumnElement[str], family: ColumnElement[str] | None, account_id: ColumnElement[int] | None
) -> tuple[ColumnElement[Any], ...]:
    """``_standing_columns`` of the token, family and account these name: parameters (one token), or
    a batch's columns (``_standing_of_each``: each bid's token, a family ``NULL`` if it has none)."""
    revoked: ColumnElement[bool] = (
        select(RevokedAccessToken.jti).where(RevokedAccessToken.jti == jti).exists()
    )
    if family is not None:
        revoked_family = select(RevokedFamily.family_id).where(RevokedFamily.family_id == family)
        revoked = or_(revoked, revoked_family.exists())
    columns: tuple[ColumnElement[Any], ...] = (revoked.label("revoked"),)
    if account_id is not None:
        # Its own accounts, never the enclosing statement's (the bid path's reads an account too).
        status = (
            select(Account.status).where(Account.id == account_id).correlate_except(Account).scalar_subquery()
        )
        roles = (
            select(func.json_agg(func.json_build_array(Membership.tenant_id, Membership.role)))
            .where(Membership.account_id == account_id)
            .scalar_subquery()
        )
        columns += (status.label("status"), roles.label("roles"))
    return columns


def _standing_of_each(values: Mapping[str, ColumnElement[Any]]) -> tuple[ColumnElement[Any], ...]:
    return _standing_columns_over(values["jti"], values["family"], values["account_id"])


_STANDING_OF_EACH = CheckOfEach((("jti", String()), ("family", String())), _standing_of_each)
"""``TokenStanding.of_each``: every bid's token and family (``NULL``: none), its account the bid's."""


@dataclass(frozen=True, slots=True)
class TokenStanding:
    """The token's standing, judged in the request's own transaction, for a route declared with
    ``requires(..., standing=IN_TRANSACTION)``: its guard verified the token (signature, expiry,
    scope, a person's) without a query, and left this to the handler.

    The bid path reads ``columns`` with its first statement (``tenants.tenders.bidding.CallerCheck``;
    a batch of bids, ``of_each`` over each bid's token) and ``judge`` refuses before anything of the
    bid is judged: a revoked token or a disabled
    account (401), no role for the route's action in the tenant (403). A bid so takes one pool
    checkout and one round trip fewer than with ``authenticate`` (issue 20)."""

    verified: VerifiedToken
    action: Action
    tenant_id: int

    @property
    def account_id(self) -> int:
        """The person the token speaks for (the guard let no machine client's token through)."""
        assert self.verified.caller.account_id is not None
        return self.verified.caller.account_id

    @property
    def columns(self) -> tuple[ColumnElement[Any], ...]:
        return _standing_columns(family=self.verified.family is not None, person=True)

    @property
    def query(self) -> Select[Any]:
        """``columns`` alone, one row (``provide_actor_in_transaction``)."""
        return _standing_query(family=self.verified.family is not None, person=True)

    @property
    def parameters(self) -> dict[str, Any]:
        return _standing_parameters(self.verified)

    @property
    def of_each(self) -> CheckOfEach:
        return _STANDING_OF_EACH

    def judge(self, row: Any) -> None:
        self.caller_of(row)

    def caller_of(self, row: Any) -> Caller:
        """The caller with its roles, if the token stands (``row``: ``columns`` read) and a role for
        ``action`` is held here; ``InvalidToken`` (401) or ``Forbidden`` (403) otherwise."""
        caller = _stood(self.verified.caller, row)
        role_for(self.action, caller.roles_in(self.tenant_id) or frozenset())
        return caller


def token_standing(connection: ASGIConnection[Any, Any, Any, Any], tenant_id: int) -> TokenStanding:
    """What the guard of a route declared ``standing=IN_TRANSACTION`` left to judge, in the tenant
    ``tenant_id``; ``RuntimeError`` on any other route (its guard judged already, or no guard)."""
    verified = connection.state.get(_UNJUDGED)
    if not isinstance(verified, VerifiedToken):
        raise RuntimeError("token_standing is for routes declared requires(..., standing=IN_TRANSACTION)")
    return TokenStanding(verified, connection.route_handler.opt["action"], tenant_id)


async def provide_actor_in_transaction(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantRef],
    transaction: NamedDependency[AsyncSession],
) -> Actor:
    """The ``actor`` of a route declared ``requires(..., standing=IN_TRANSACTION)``: the token's
    standing (revoked? the account active? its roles) read by the first statement of the request's
    transaction, on its connection, and judged before the handler runs, with the answers
    ``authenticate`` and ``hub.web.dependencies.provide_actor`` give (401, then 403 without a role for
    the route's action here: someone without one learns nothing of the tenant's data). Read so, the
    token's check takes no pool connection of its own: one checkout fewer a request (issue 20)."""
    standing = token_standing(request, tenant.id)
    row = await first_row(transaction, standing.query, standing.parameters)
    assert row is not None  # a SELECT of subqueries without FROM reads one row
    caller = standing.caller_of(row)
    return Actor(standing.account_id, tenant, caller.roles_in(tenant.id) or frozenset())


def authorize(caller: Caller, action: Action) -> None:
    """What the token alone decides: a person where one is needed, and the scope."""
    if caller.account_id is None and not rule_of(action).machines:
        raise Forbidden("this needs a person's token, not a machine client's")
    check_scopes(action, caller.scopes)


async def policy_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Litestar guard of every route declared with ``requires``."""
    action = handler.opt["action"]
    if handler.opt.get("standing") != IN_TRANSACTION:
        authorize(await authenticate(connection), action)
        return
    verified = await _verified(connection)
    authorize(verified.caller, action)
    if verified.caller.account_id is None:  # as ``provide_actor`` refuses it
        raise Forbidden("this needs a person's token, not a machine client's")
    connection.state[_UNJUDGED] = verified


IN_TRANSACTION = "in_transaction"
"""``requires(..., standing=IN_TRANSACTION)``: the guard checks the token without a query, and the
handler has its standing judged in the request's transaction (``token_standing``)."""


def requires(action: Action, *, errors: tuple[int, ...] = (), standing: str | None = None) -> dict[str, Any]:
    """The route arguments of a route that takes ``action``: its guard and its OpenAPI description,
    with the problem responses it can give beyond 401 and 403 (``errors``). ``standing``:
    ``IN_TRANSACTION`` for a handler that judges the token's standing itself (``token_standing``) or
    takes its ``actor`` judged in its ``transaction`` (``provide_actor_in_transaction``)."""
    rule = rule_of(action)
    route: dict[str, Any] = {
        "guards": [policy_guard],
        # A route whose standing is judged in its transaction (the bid, a tender's steps) takes a
        # bearer token only, as every API route (the guard reads no cookie): no cookie session to
        # load or write back (``skip_session``, the session middleware's opt key).
        "opt": {"action": action} | ({"standing": standing, "skip_session": True} if standing else {}),
        "security": [{BEARER: [scope.value for scope in rule.scopes]}],
        "responses": problem_responses(401, 403, *errors),
    }
    if standing == IN_TRANSACTION:
        route["dependencies"] = {"actor": Provide(provide_actor_in_transaction)}
    return route


async def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The caller, for a route that needs one (its guard has already checked it)."""
    return await authenticate(request)


async def provide_optional_caller(request: Request[Any, Any, Any]) -> Caller | None:
    """The caller when a token is sent (and then it must be valid); ``None`` for the public."""
    if not request.headers.get("authorization"):
        return None
    return await authenticate(request)
