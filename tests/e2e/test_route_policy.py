"""Every route holds the edge: the same five refusals, generated for each operation of the document.

As NetBox's ``APIViewTestCases`` give every model the same API tests from a few declarations, these
tests give every route the same refusals from the OpenAPI document and the policy table, each route
its own test id (``METHOD /path``):

- without a token, a secured route answers 401 with an RFC 6750 challenge;
- with a token granted only ``openid``, or every scope but those the route declares, 403
  ``insufficient_scope``, even for a person holding every role;
- with the scope but none of the roles the route's action needs, 403;
- on a suspended tenant, every tenant route answers 503;
- a tenant's object (a tender, its document, clarification, objection, file) reached through another
  tenant's path is not there (404), though the caller holds the right role in that other tenant.

Each call is well formed (a body and the query the document accepts, objects that exist in tenant A),
so what refuses it is the edge, not the input.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.policy import POLICY, SUPPORTED_SCOPES, Scope
from hub.core.settings import Settings
from tests.e2e.route_world import ROUTES, TENANT_OWNED, Route, World, world_of_its_own

SECURED = [r for r in ROUTES if r.secured]
ROLE_BOUND = [r for r in SECURED if r.needs_roles]
IN_TENANT = [r for r in ROUTES if r.in_tenant]
FOREIGN = [r for r in IN_TENANT if r.path_parameters & TENANT_OWNED]


def each(routes: list[Route]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("route", routes, ids=[r.id for r in routes])


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(engine: AsyncEngine, settings: Settings) -> AsyncIterator[World]:
    """Tenants A, B and C and their people, built once for every route's tests."""
    async with world_of_its_own(engine, settings) as world:
        yield world


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, f"{response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


def test_the_secured_routes_are_found_in_the_document() -> None:
    secured = {r.id for r in SECURED}
    assert secured
    assert {"POST /t/{slug}/api/tenders", "POST /t/{slug}/api/agencies", "GET /t/{slug}/api/audit"} <= secured


def test_a_route_with_an_action_declares_the_scopes_its_rule_accepts() -> None:
    declared = {r.id: r.scopes for r in SECURED}
    expected = {r.id: {s.value for s in POLICY[r.action].scopes} for r in ROUTES if r.action is not None}
    assert {route: declared.get(route) for route in expected} == expected


def test_every_tenant_route_is_also_served_on_the_tenants_host() -> None:
    on_host = {r.id for r in ROUTES if r.by_host}
    assert {r.id.replace("/t/{slug}", "", 1) for r in IN_TENANT} == on_host


@each(SECURED)
async def test_without_a_token_the_route_answers_401(world: World, route: Route) -> None:
    response = await world.client.request(**world.request(route))
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer ")


async def assert_refused_for_its_scope(world: World, route: Route, scopes: set[str]) -> None:
    headers = world.headers(world.everyone, " ".join(sorted(scopes)))
    response = await world.client.request(**world.request(route, headers=headers))
    problem = assert_problem(response, 403)
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert set(problem["scopes"]) == route.scopes


@each([r for r in SECURED if Scope.OPENID not in r.scopes])
async def test_a_token_granted_only_openid_is_refused(world: World, route: Route) -> None:
    """The token of a person holding every role, granted only ``openid`` (all but the OpenID
    provider's own routes, which ask for that scope)."""
    await assert_refused_for_its_scope(world, route, {Scope.OPENID.value})


@each(SECURED)
async def test_a_token_with_every_scope_but_the_routes_is_refused(world: World, route: Route) -> None:
    """The token of a person holding every role, granted every scope except those the route declares:
    no other scope opens it."""
    await assert_refused_for_its_scope(world, route, set(SUPPORTED_SCOPES) - route.scopes)


@each(ROLE_BOUND)
async def test_a_person_without_the_actions_roles_is_refused(world: World, route: Route) -> None:
    assert route.action is not None
    headers = world.headers(world.without[route.action])
    response = await world.client.request(**world.request(route, headers=headers))
    problem = assert_problem(response, 403)
    assert problem["type"].endswith(":forbidden"), problem  # the role, not the token's scope
    assert "role" in problem["detail"], problem


@each(IN_TENANT)
async def test_a_suspended_tenant_answers_503(world: World, route: Route) -> None:
    headers = world.headers(world.everyone)
    response = await world.client.request(**world.request(route, world.c_slug, headers))
    assert_problem(response, 503)
    assert response.headers["retry-after"]


@each(FOREIGN)
async def test_another_tenants_object_is_not_found(world: World, route: Route) -> None:
    seen_in_b = await world.client.request(
        **world.request(route, world.b_slug, world.headers(world.b_official))
    )
    assert_problem(seen_in_b, 404)
    seen_in_a = await world.client.request(**world.request(route, headers=world.headers(world.everyone)))
    assert seen_in_a.status_code != 404, seen_in_a.text  # the object is there, in its own tenant
