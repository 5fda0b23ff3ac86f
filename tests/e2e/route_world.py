"""Every route of the hub, read from its OpenAPI document, and a world to call them in.

The route tests do not list routes: ``ROUTES`` is the document's operations, each with the action its
handler declares (``opt["action"]``, the key of ``federation.identity.policy.POLICY``). A route added
to the app is tested the day it is added, and a route whose path parameter the world cannot fill
fails its tests (``LookupError``) instead of being skipped.

The world is three tenants, built once per test module through the services and the API, as
``tests.e2e.procurement`` builds its regencies:

- A (Kabupaten Malang, also served on its own host): a tender carried to contract, with a document,
  an answered clarification, three bids, an answered objection with a file and a milestone of its
  contract, and a direct procurement;
- B (Kabupaten Blitar): no tender at all, and an official holding every role there;
- C (Kota Batu): suspended;
- and a peer hub that this one follows (``jatim``, never synced).

People: ``everyone`` holds every role in A, B and C, hub-wide roles and a vendor; ``without[action]``
holds in A (and hub-wide) every role except those the action needs.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.peers import add_peer
from federation.identity.accounts import create_account, grant_role
from federation.identity.models import Role
from federation.identity.policy import ANY_ROLE, POLICY, SUPPORTED_SCOPES, Action
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.openapi import BEARER
from tenants.agencies import add_agency
from tenants.registry import suspend_tenant
from tests.conftest import _remove_all_tenants, _remove_identity, make_tenant
from tests.e2e.conftest import registry_heard
from tests.e2e.procurement import (
    PASSWORD,
    PDF,
    Bidder,
    Client,
    Desk,
    Regency,
    advance,
    bearer,
    end_objection_period,
    ok,
    package,
    person,
    schedule_with_clarification,
    vendor,
)

METHODS = ("get", "put", "post", "patch", "delete")
TENANT_PREFIX = "/t/{slug}/"
ALL_SCOPES = " ".join(SUPPORTED_SCOPES)
HPS = 2_400_000_000
A_HOST = "lpse.malangkab.go.id"
TENANT_OWNED = frozenset(
    {"tender_id", "clarification_id", "document_id", "objection_id", "file_id", "milestone_id", "rup_code"}
)
"""Path parameters naming a tenant's own rows: through another tenant's path they name nothing."""


@dataclass(frozen=True)
class Route:
    """One operation of the OpenAPI document: ``(method, path)``, its description, its action."""

    method: str
    path: str
    operation: Mapping[str, Any] = field(repr=False)
    action: Action | None
    by_host: bool
    """A tenant's route reached on the tenant's own host name (without the ``/t/{slug}`` prefix)."""

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def secured(self) -> bool:
        return any(BEARER in requirement for requirement in self.operation.get("security") or ())

    @property
    def scopes(self) -> set[str]:
        """The scopes the document says the route accepts (any one of them)."""
        requirements = self.operation.get("security") or ()
        return {scope for requirement in requirements for scope in requirement.get(BEARER, ())}

    @property
    def in_tenant(self) -> bool:
        return self.path.startswith(TENANT_PREFIX)

    @property
    def path_parameters(self) -> set[str]:
        return {p["name"] for p in self.operation.get("parameters", ()) if p["in"] == "path"}

    @property
    def needs_roles(self) -> bool:
        return self.action is not None and bool(POLICY[self.action].roles)


def document_app() -> Litestar:
    """The app as the document describes it; no database is reached to build it."""
    return create_app(
        Settings(database_url="postgresql://document@127.0.0.1/document", master_key=MasterKey.generate())
    )


def routes_of(app: Litestar) -> tuple[dict[str, Any], list[Route]]:
    """The app's OpenAPI document and its operations, each with its handler's action."""
    document = app.openapi_schema.to_schema()
    actions: dict[tuple[str, str], Action | None] = {}
    paths = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            paths.add(route.path_format)
            for handler in route.route_handlers:
                for method in handler.http_methods:
                    actions[(method.upper(), route.path_format)] = handler.opt.get("action")
    routes = [
        Route(
            method.upper(),
            path,
            operation,
            actions.get((method.upper(), path)),
            by_host=not path.startswith("/t/") and TENANT_PREFIX.rstrip("/") + path in paths,
        )
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    return document, routes


DOCUMENT, ROUTES = routes_of(document_app())


# -- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    client: Client
    a: Regency
    a_host: str
    b_slug: str
    c_slug: str
    everyone: int
    b_official: int
    without: dict[Action, int]
    values: dict[str, str]
    """A's objects, by the name of the path parameter that names them."""
    tokens: dict[tuple[int, str], str] = field(default_factory=dict)

    def headers(self, account_id: int, scopes: str = ALL_SCOPES) -> dict[str, str]:
        key = (account_id, scopes)
        if key not in self.tokens:
            self.tokens[key] = self.client.app.state.tokens.access_token(
                str(account_id), "route-tests", scopes
            )[0]
        return {"Authorization": f"Bearer {self.tokens[key]}"}

    def url(self, route: Route, slug: str | None = None) -> str:
        """The route's path with its parameters filled from A's objects (and ``slug``)."""
        values = {**self.values, "slug": slug or self.a.slug}
        missing = route.path_parameters - values.keys()
        if missing:
            raise LookupError(f"the route world cannot fill {sorted(missing)} of {route.id}: add them")
        return route.path.format(**values)

    def request(
        self, route: Route, slug: str | None = None, headers: Mapping[str, str] = {}
    ) -> dict[str, Any]:
        """The keyword arguments of ``client.request`` for a well-formed call of ``route``: a body and
        the required query parameters that the document accepts, so what refuses it is not the input."""
        sent: dict[str, Any] = {
            "method": route.method,
            "url": self.url(route, slug),
            "headers": dict(headers),
        }
        if route.by_host:
            sent["headers"]["Host"] = self.a_host
        query = {
            p["name"]: example(p.get("schema", {}), p["name"])
            for p in route.operation.get("parameters", ())
            if p["in"] == "query" and p.get("required")
        }
        if query:
            sent["params"] = query
        body = route.operation.get("requestBody")
        if body:
            sending = body_of(body["content"])
            sent["headers"].update(sending.pop("headers", {}))
            sent.update(sending)
        return sent


@asynccontextmanager
async def world_of_its_own(
    engine: AsyncEngine, settings: Settings, *, role_gaps: bool = True
) -> AsyncIterator[World]:
    """A world for one test module, in a database left without tenants or accounts before and after
    (the world lives longer than one test, so the per-test ``hub`` fixture cannot clean up for it)."""
    await _remove_all_tenants(engine)
    await _remove_identity(engine)
    try:
        async with AsyncTestClient(app=create_app(settings)) as client:
            yield await build_world(client, engine, settings, role_gaps=role_gaps)
    finally:
        await _remove_all_tenants(engine)
        await _remove_identity(engine)


async def build_world(
    client: Client, engine: AsyncEngine, settings: Settings, *, role_gaps: bool = True
) -> World:
    """The world; ``role_gaps``: with the ``without`` people (an account per action, each a password
    hash to compute), for the tests that need them."""
    a = await _regency(client, engine, "kab-malang", "3507", A_HOST)
    b = await make_tenant(engine, "kab-blitar", "3505")
    c = await make_tenant(engine, "kota-batu", "3579")
    verifier = await person(engine, "verifier", a.slug)
    names = ("andalas", "bromo", "cendana")
    bidders = [await vendor(client, engine, name, "3507", verifier, a.slug) for name in names]
    spare = await vendor(client, engine, "dhoho", "3505", verifier, a.slug)
    values = await _contracted_tender(client, engine, a, bidders)
    values["ocid"] = f"{settings.ocid_prefix}-{a.code}-{values['tender_id']}"
    values["province"] = "35"
    async with hub_sessions(engine)() as session, session.begin():
        values["peer"] = (await add_peer(session, "jatim", "https://lpse.jatimprov.go.id")).name
    values["key_id"] = bidders[2].key_id  # the winner's signing key
    values["slot"] = 0  # a share of a committee-held tender key (this world's tenders are hub-held)
    values["rup_code"] = await _plan_item(client, a)
    direct = await package(
        client,
        a,
        "Pengadaan Komputer",
        owner_estimate=150_000_000,
        method="direct_procurement",
        category="goods",
    )
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    invitation = {"package_id": direct["id"], "vendor_id": bidders[1].vendor_id, "offer_deadline": deadline}
    ok(await client.post(f"{a.base}/direct-procurements", headers=a.officer, json=invitation))
    async with hub_sessions(engine)() as session, session.begin():
        await suspend_tenant(session, c.slug, "Pemeliharaan server LPSE")
    await registry_heard(client)
    everyone = await _holder(engine, {a.slug: ANY_ROLE, b.slug: ANY_ROLE, c.slug: ANY_ROLE}, spare.vendor_id)
    without = {
        action: await _holder(engine, {a.slug: tuple(r for r in ANY_ROLE if r not in rule.roles)})
        for action, rule in POLICY.items()
        if rule.roles and role_gaps
    }
    b_official = await _holder(engine, {b.slug: ANY_ROLE}, spare.vendor_id)
    strings = {k: str(v) for k, v in values.items()}
    return World(client, a, A_HOST, b.slug, c.slug, everyone, b_official, without, strings)


async def _contracted_tender(
    client: Client, engine: AsyncEngine, a: Regency, bidders: list[Bidder]
) -> dict[str, Any]:
    """A tender carried to contract with a document, a clarification and an objection with a file:
    their ids, and the winner's, by the names of the path parameters that name them."""
    desk = await _announced(client, engine, a)
    upload = {"file": ("dokumen-pemilihan.pdf", b"%PDF-1.7 dokumen", PDF)}
    document = ok(await client.post(f"{desk.url}/documents", headers=a.pokja, files=upload))
    await desk.register(bidders)
    await advance(engine, a.schema, desk.tender_id, "clarification")
    asked = {"question": "Apakah SBU kualifikasi kecil diterima?"}
    clarification = ok(await desk.post("clarifications", bidders[0].headers, asked))
    answered = {"answer": "Ya, sesuai LDP."}
    ok(await desk.post(f"clarifications/{clarification['id']}/answer", a.pokja, answered))
    await advance(engine, a.schema, desk.tender_id, "bid_submission")
    for bidder, price in zip(bidders, (2_300_000_000, 2_350_000_000, 2_280_000_000), strict=True):
        ok(await desk.bid(bidder, price))
    await desk.open()
    await desk.pass_all(*bidders)
    winner = {"vendor_id": bidders[2].vendor_id}
    ok(await desk.post("qualification-verifications", a.pokja, {**winner, "passed": True}))
    ok(await desk.post("award", a.pokja, winner))
    ok(await desk.post("award-announcement", a.pokja))
    grounds = {"grounds": "Pengalaman kerja pemenang tidak sesuai dengan syarat kualifikasi di LDP."}
    evidence = {"files": ("bukti.pdf", b"%PDF-1.7 bukti", PDF)}
    objection = ok(
        await client.post(f"{desk.url}/objections", headers=bidders[0].headers, data=grounds, files=evidence)
    )
    answer = {"answer": "Pengalaman pemenang telah diverifikasi sesuai LDP.", "upheld": False}
    ok(await desk.post(f"objections/{objection['id']}/answer", a.pokja, answer))
    await end_objection_period(engine, a.schema, desk.tender_id)
    ok(await desk.post("award-letter", a.ppk, {"number": "SPPBJ/3507/001"}))
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()
    signed = {"signed_on": today.isoformat(), "starts_on": today.isoformat()}
    ends = (today + timedelta(days=90)).isoformat()
    ok(
        await desk.post(
            "contract", a.ppk, {"number": "HK/3507/1", "value": 2_280_000_000, **signed, "ends_on": ends}
        )
    )
    due = {"title": "Serah terima pekerjaan", "due_on": ends}
    milestone = ok(await client.post(f"{desk.url}/contract/milestones", headers=a.ppk, json=due))
    return {
        "tender_id": desk.tender_id,
        "milestone_id": milestone["id"],
        "document_id": document["id"],
        "clarification_id": clarification["id"],
        "objection_id": objection["id"],
        "file_id": objection["files"][0]["id"],
        **winner,
    }


async def _plan_item(client: Client, a: Regency) -> str:
    """A plan item (RUP) of A's agency, recorded by its commitment officer."""
    item = {
        "rup_code": "40123456", "agency_id": a.agency_id, "fiscal_year": 2026, "name": "Jalan Desa",
        "ceiling": 9_000_000_000, "funding_source": "APBD", "budget_line": "5.2.04.01.01.0012",
        "category": "construction", "method": "tender", "selection_from": "2026-03",
    }  # fmt: skip
    ok(await client.post(f"{a.base}/plans", headers=a.ppk, json=[item]))
    return "40123456"


async def _regency(client: Client, engine: AsyncEngine, slug: str, code: str, host: str) -> Regency:
    """``procurement.regency``, with the tenant also served on its own host name."""
    tenant = await make_tenant(engine, slug, code, host)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        agency = await add_agency(session, "Dinas Pekerjaan Umum dan Penataan Ruang")
    roles = ("commitment_officer", "selection_committee", "procurement_officer", "tenant_admin")
    ppk, pokja, officer, admin = [bearer(client, await person(engine, role, slug)) for role in roles]
    return Regency(slug, code, agency.id, ppk, pokja, officer, admin)


async def _announced(client: Client, engine: AsyncEngine, a: Regency) -> Desk:
    """A tender of A announced with every stage ahead, clarification included."""
    created = await package(client, a, "Rehabilitasi Jalan Kepanjen - Gondanglegi", owner_estimate=HPS)
    body = {
        "package_id": created["id"],
        "evaluation": "lowest_price",
        "schedule": schedule_with_clarification(),
    }
    desk = Desk(client, engine, a)
    desk.tender_id = ok(await client.post(f"{a.base}/tenders", headers=a.pokja, json=body))["id"]
    desk.tender_key = ok(await client.post(f"{desk.url}/announcement", headers=a.pokja))["tender_key"]
    return desk


async def _holder(
    engine: AsyncEngine, roles: Mapping[str, tuple[Role, ...]], vendor_id: int | None = None
) -> int:
    """An account holding ``roles`` in each tenant (hub roles hub-wide, once), acting for the vendor."""
    email = f"holder.{uuid.uuid4().hex[:10]}@example.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        account = await create_account(
            session, email, "Pemegang", PASSWORD, email_verified=True, vendor_id=vendor_id
        )
        granted: set[tuple[Role, str | None]] = set()
        for slug, held in roles.items():
            for role in held:
                where = None if role.is_hub_role else slug
                if (role, where) not in granted:
                    granted.add((role, where))
                    await grant_role(session, email, role.value, where)
    return account.id


# -- well-formed inputs, from the document ------------------------------------------------------

_TEXT = "Isian yang cukup panjang untuk setiap aturan panjang minimum"


def resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example(schema: Mapping[str, Any], name: str = "") -> Any:
    """A value the schema accepts, chosen to pass the rules too where the document cannot say them
    (a deadline in the future, a text long enough)."""
    schema = resolve(schema)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [o for o in schema[key] if resolve(o).get("type") != "null"]
            return example(options[0], name)
    if "allOf" in schema:
        return example(schema["allOf"][0], name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", ())
        return {
            key: example(value, key) for key, value in schema.get("properties", {}).items() if key in required
        }
    if kind == "array":
        return [example(schema.get("items", {}), name)] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(1, schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "number":
        return float(max(1, schema.get("minimum", 1)))
    if kind == "boolean":
        return True
    if kind == "string":
        return _string(schema, name)
    return None


def _string(schema: Mapping[str, Any], name: str) -> str:
    fmt = schema.get("format")
    soon = datetime.now(UTC) + timedelta(days=2)
    if fmt == "date-time":
        return soon.isoformat()
    if fmt == "date":
        return soon.date().isoformat()
    if fmt == "email":
        return f"{name or 'orang'}.{uuid.uuid4().hex[:6]}@example.go.id"
    low: int = schema.get("minLength", 0)
    high: int | None = schema.get("maxLength")
    text = (_TEXT * (1 + low // len(_TEXT)))[: high or max(len(_TEXT), low)]
    pattern = schema.get("pattern")
    if pattern is None:
        return text
    for candidate in (text, *_PATTERNED):
        if re.search(pattern, candidate) and low <= len(candidate) <= (high or len(candidate)):
            return str(candidate)
    raise LookupError(f"no example of {name!r} matches {pattern!r}: add one to _PATTERNED")


_PATTERNED = ("Isian-yang_cukup0", ":".join(["0a1b"] * 8), "012345678901234", "3507", "A" * 86)
"""Strings for the patterns of the document: base64url, a key fingerprint, an NPWP, a region code, an
Ed25519 signature in base64url."""

_FILE = ("berkas.pdf", b"%PDF-1.7 berkas", PDF)


def _is_file(schema: Mapping[str, Any]) -> bool:
    schema = resolve(schema)
    if schema.get("type") == "array":
        return _is_file(schema.get("items", {}))
    return schema.get("format") == "binary"


def body_of(content: Mapping[str, Any]) -> dict[str, Any]:
    """``client.request`` arguments sending a body the document accepts, in its first media type."""
    media_type, described = next(iter(content.items()))
    schema = resolve(described.get("schema", {}))
    if media_type == "multipart/form-data":
        required = schema.get("required", ())
        properties = schema.get("properties", {}).items()
        return {
            "files": [(key, _FILE) for key, value in properties if _is_file(value)],
            "data": {k: str(example(v, k)) for k, v in properties if k in required and not _is_file(v)},
        }
    if media_type == "application/x-www-form-urlencoded":
        return {"data": {k: str(v) for k, v in example(schema).items()}}
    if media_type.endswith("json"):
        return {"content": json.dumps(example(schema)).encode(), "headers": {"Content-Type": media_type}}
    return {"content": b"%PDF-1.7 berkas", "headers": {"Content-Type": media_type}}
