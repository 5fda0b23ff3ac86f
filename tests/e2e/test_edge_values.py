"""Bad bytes are refused at the edge, on every route: a 4xx problem naming the field, never a 500.

Generated from the OpenAPI document as ``test_route_policy`` is: each path and query parameter of each
operation gets, in turn, a NUL byte, a CR LF, an escape character, a number beyond 64 bits and one
beyond any budget, the other parameters and the body left well formed, sent by a person holding every
role (so that only the value can refuse it). Then the findings of issue 14, one test each.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.settings import Settings
from tests.e2e.route_world import ROUTES, Route, World, resolve, world_of_its_own

CONTROL = {"nul": "Jalan\x00Raya", "crlf": "Jalan\r\nRaya", "escape": "\x1b[31mJalan", "number-crlf": "1\r\n"}
"""Text no parameter takes: refused with a 400 naming the parameter."""
NUMBERS = {"beyond-int64": str(2**63), "beyond-budget": "1e23", "below-int64": str(-(2**63) - 1)}
"""Numbers no row holds: refused where the parameter is an integer, text like any other elsewhere."""

CASES = [
    (route, where, name, kind, value)
    for route in ROUTES
    for where, names in (
        ("path", sorted(route.path_parameters)),
        ("query", sorted(p["name"] for p in route.operation.get("parameters", ()) if p["in"] == "query")),
    )
    for name in names
    for kind, value in {**CONTROL, **NUMBERS}.items()
]


def is_text(schema: Mapping[str, Any]) -> bool:
    schema = resolve(schema)
    kinds = schema.get("type")
    options = [*schema.get("oneOf", ()), *schema.get("anyOf", ())]
    return (
        kinds == "string" or (isinstance(kinds, list) and "string" in kinds) or any(map(is_text, options))
    ) and schema.get("format") != "binary"


def text_fields(route: Route) -> list[str]:
    """The body's text fields, by name (top level: JSON objects and forms)."""
    body = route.operation.get("requestBody")
    if not body:
        return []
    media_type, described = next(iter(body["content"].items()))
    if media_type not in ("application/json", "multipart/form-data", "application/x-www-form-urlencoded"):
        return []  # a sealed bid's bundle: bytes, read strictly by tenants.sealing (field ``bundle``)
    properties = resolve(described.get("schema", {})).get("properties", {})
    return sorted(name for name, schema in properties.items() if is_text(schema))


FIELDS = [(route, name) for route in ROUTES for name in text_fields(route)]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(engine: AsyncEngine, settings: Settings) -> AsyncIterator[World]:
    async with world_of_its_own(engine, settings, role_gaps=False) as world:
        yield world


def assert_problem(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, f"{response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == response.status_code
    return problem


def is_integer(route: Route, name: str) -> bool:
    parameters = route.operation.get("parameters", ())
    return any(
        p["name"] == name and resolve(p.get("schema", {})).get("type") == "integer" for p in parameters
    )


def with_value(world: World, route: Route, where: str, name: str, value: str) -> dict[str, Any]:
    sent = world.request(route, headers=world.headers(world.everyone))
    if where == "path":
        template = route.path.replace("{" + name + "}", quote(value, safe=""))
        values = {**world.values, "slug": world.a.slug}
        sent["url"] = template.format(**{k: v for k, v in values.items() if k != name})
    else:
        sent["params"] = {**sent.get("params", {}), name: value}
    return sent


@pytest.mark.parametrize(
    ("route", "where", "name", "kind", "value"),
    CASES,
    ids=[f"{r.id} {where}:{name} {kind}" for r, where, name, kind, _ in CASES],
)
async def test_a_bad_value_in_a_parameter_is_refused_naming_it(
    world: World, route: Route, where: str, name: str, kind: str, value: str
) -> None:
    response = await world.client.request(**with_value(world, route, where, name, value))
    if is_integer(route, name):  # refused by its parser (an int path segment that is not one: 404)
        refused_as_input = kind.endswith("int64") or kind == "number-crlf"  # int("1\r\n") is 1
        assert_problem(response, 400) if refused_as_input else assert_problem(response, 400, 404)
    elif kind in CONTROL:
        assert assert_problem(response, 400)["field"] == name
    else:  # a number is a text like any other (a search for it, a slug that names no tenant)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert_problem(response, response.status_code)


@pytest.mark.parametrize(("route", "name"), FIELDS, ids=[f"{r.id} body:{name}" for r, name in FIELDS])
async def test_a_nul_byte_in_a_body_field_is_refused_naming_it(world: World, route: Route, name: str) -> None:
    sent = world.request(route, headers=world.headers(world.everyone))
    if "content" in sent:
        sent["content"] = json.dumps({**json.loads(sent["content"]), name: "Isian\x00ini"}).encode()
    else:
        sent["data"] = {**sent.get("data", {}), name: "Isian\x00ini"}
    response = await world.client.request(**sent)
    assert assert_problem(response, 400)["field"] == name


async def test_a_nul_byte_in_the_catalogue_search_is_refused_naming_q(world: World) -> None:
    response = await world.client.get("/api/catalogue", params={"q": "jalan\x00"})
    assert assert_problem(response, 400)["field"] == "q"


@pytest.mark.parametrize("bound", ["budget_min", "budget_max"])
async def test_a_budget_beyond_64_bits_is_refused(world: World, bound: str) -> None:
    response = await world.client.get("/api/catalogue", params={bound: "1e23"})
    assert_problem(response, 400)
    response = await world.client.get("/api/catalogue", params={bound: str(2**63)})
    assert_problem(response, 400)


async def test_a_budget_of_1e23_in_a_body_is_refused_naming_it(world: World) -> None:
    package = {
        "agency_id": world.a.agency_id,
        "title": "Jalan desa",
        "fiscal_year": 2026,
        "category": "construction",
        "method": "tender",
        "budget": 1e23,
        "owner_estimate": 90_000_000,
    }
    response = await world.client.post(f"{world.a.base}/packages", headers=world.a.ppk, json=package)
    assert assert_problem(response, 400)["field"] == "budget"


async def test_a_tender_number_beyond_64_bits_is_refused(world: World) -> None:
    response = await world.client.get(f"{world.a.base}/tenders/9223372036854775808")
    assert_problem(response, 400)


@pytest.mark.parametrize("where", ["slug", "ocid"])
async def test_a_nul_byte_in_a_slug_or_an_ocid_is_refused_naming_it(world: World, where: str) -> None:
    url = "/t/kab-malang%00/api/agencies" if where == "slug" else "/api/catalogue/ocds-x%00y"
    assert assert_problem(await world.client.get(url), 400)["field"] == where


async def test_a_nul_byte_in_the_login_email_is_refused_naming_it(world: World) -> None:
    login = await world.client.get("/login")
    csrf = re.search(r'name=csrf value="([^"]+)"', login.text)
    assert csrf is not None, login.text
    form = {"email": "pokja\x00@example.go.id", "password": "x", "csrf": csrf.group(1)}
    response = await world.client.post("/login", data=form)
    assert assert_problem(response, 400)["field"] == "email"


async def test_a_nul_byte_in_a_question_is_refused_naming_it(world: World) -> None:
    url = f"{world.a.base}/tenders/{world.values['tender_id']}/clarifications"
    asked = {"question": "Apakah SBU\x00 kecil diterima?"}
    response = await world.client.post(url, headers=world.headers(world.everyone), json=asked)
    assert assert_problem(response, 400)["field"] == "question"


async def test_a_question_keeps_its_line_breaks_and_tabs(world: World) -> None:
    """Free text keeps them: the question is refused for its stage (409), not for its characters."""
    url = f"{world.a.base}/tenders/{world.values['tender_id']}/clarifications"
    asked = {"question": "Apakah SBU kecil diterima?\r\n\tMohon penjelasan."}
    response = await world.client.post(url, headers=world.headers(world.everyone), json=asked)
    assert response.status_code != 400, response.text


async def test_a_schedule_beyond_year_9999_in_utc_is_refused(world: World) -> None:
    now = datetime.now(UTC)
    ordinary = {"starts_at": now.isoformat(), "ends_at": (now + timedelta(days=1)).isoformat()}
    last = {"starts_at": now.isoformat(), "ends_at": "9999-12-31T23:59:59.999999-14:00"}
    stages = ("announcement", "document_download", "bid_submission", "bid_opening")
    schedule = {stage: ordinary for stage in stages} | {"bid_opening": last}
    body = {"package_id": 1, "evaluation": "lowest_price", "schedule": schedule}
    response = await world.client.post(f"{world.a.base}/tenders", headers=world.a.pokja, json=body)
    problem = assert_problem(response, 400)
    assert "ends_at" in json.dumps(problem), problem
    assert "bid_opening" in json.dumps(problem), problem
    assert all(error["key"] != "slug" for error in problem["errors"]), problem  # Litestar's, not ours


async def test_json_nested_1000_deep_is_refused_anonymously_before_it_is_parsed(world: World) -> None:
    body = b'{"name":' + b"[" * 1000 + b"]" * 1000 + b"}"
    headers = {"Content-Type": "application/json"}
    response = await world.client.post("/api/vendors", content=body, headers=headers)
    problem = assert_problem(response, 400)
    assert problem["field"] == "body", problem


async def test_a_header_with_a_control_character_is_refused_naming_it(world: World) -> None:
    response = await world.client.get("/api/tenants", headers={"X-Request-Note": "a\x00b"})
    assert assert_problem(response, 400)["field"] == "x-request-note"


async def test_a_path_that_is_not_utf8_is_refused(world: World) -> None:
    response = await world.client.get("/api/catalogue/ocds-%ff%fe")
    assert assert_problem(response, 400)["field"] == "path"
