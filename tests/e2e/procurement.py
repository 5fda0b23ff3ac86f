"""The people and the moves of a procurement, over HTTP, for the end-to-end tests.

``Regency`` is one tenant with its officials; ``Bidder`` a vendor's user. ``Desk`` drives one
tender through the API the way its officials and vendors would. The database clock decides what
is open: ``advance`` and ``end_objection_period`` move a tender's own times into the past, as if
days had passed, without touching the clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.demo.backdate import advance, end_objection_period
from federation.identity.accounts import create_account, grant_role
from federation.vendors import register_signing_key, register_vendor, verify_vendor
from hub.core.database import hub_sessions, schema_of, tenant_session
from tenants.agencies import add_agency
from tenants.sealing import (
    BidFile,
    content_statement,
    decode_public_key,
    encode_signature,
    encode_signing_public_key,
    public_raw_of,
    seal_bid,
    signing_key_id,
    stated,
)
from tests.conftest import make_tenant

__all__ = ["advance", "end_objection_period"]

Client = AsyncTestClient[Litestar]
Headers = dict[str, str]
PASSWORD = "kata-sandi-pengadaan-1"
PDF = "application/pdf"
SEALED = "application/vnd.lpse-hub.sealed-bid+json"


def bearer(client: Client, account_id: int) -> Headers:
    token, _ = client.app.state.tokens.access_token(str(account_id), "test-client", "openid lpse")
    return {"Authorization": f"Bearer {token}"}


async def person(
    engine: AsyncEngine, role: str | None, tenant: str | None, vendor_id: int | None = None
) -> int:
    email = f"{role or 'vendor'}.{uuid.uuid4().hex[:8]}@example.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        account = await create_account(
            session, email, "Orang", PASSWORD, email_verified=True, vendor_id=vendor_id
        )
        if role:
            await grant_role(session, email, role, tenant)
    return account.id


@dataclass(frozen=True, eq=False)
class Bidder:
    name: str
    vendor_id: int
    headers: Headers
    signing_key: Ed25519PrivateKey
    """The key its user made on its machine and registered with the hub."""

    @property
    def key_id(self) -> str:
        return signing_key_id(public_raw_of(self.signing_key))

    def statement(
        self, regency: Regency, tender_id: int, price: int, files: dict[str, bytes]
    ) -> dict[str, str]:
        return statement_fields(self.signing_key, regency.code, tender_id, self.vendor_id, price, files)


def statement_fields(
    key: Ed25519PrivateKey,
    tenant_code: str,
    tender_id: int,
    vendor_id: int,
    price: int,
    files: dict[str, bytes],
) -> dict[str, str]:
    """The ``signer`` and ``signature`` fields of a sealed-by-hub form sending ``files`` (by name, in
    order) at ``price``: the vendor's signature over their content statement."""
    message = content_statement(
        tenant_code=tenant_code,
        tender_id=tender_id,
        vendor_id=vendor_id,
        price=price,
        files=[stated(name, data) for name, data in files.items()],
    )
    return {"signer": signing_key_id(public_raw_of(key)), "signature": encode_signature(key.sign(message))}


@dataclass(frozen=True)
class Regency:
    slug: str
    code: str
    agency_id: int
    ppk: Headers  # commitment_officer
    pokja: Headers  # selection_committee
    officer: Headers  # procurement_officer
    admin: Headers  # tenant_admin

    @property
    def base(self) -> str:
        return f"/t/{self.slug}/api"

    @property
    def schema(self) -> str:
        return schema_of(self.code)


async def regency(client: Client, engine: AsyncEngine, slug: str, code: str) -> Regency:
    tenant = await make_tenant(engine, slug, code)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        agency = await add_agency(session, "Dinas Pekerjaan Umum dan Penataan Ruang")
    roles = ("commitment_officer", "selection_committee", "procurement_officer", "tenant_admin")
    ppk, pokja, officer, admin = [bearer(client, await person(engine, role, slug)) for role in roles]
    return Regency(slug, code, agency.id, ppk, pokja, officer, admin)


async def vendor(
    client: Client, engine: AsyncEngine, name: str, home: str, verifier: int, verifier_tenant: str
) -> Bidder:
    """A vendor company registered in its home regency and verified (by any tenant's verifier)."""
    number = uuid.uuid4().int % 10**15
    npwp = f"{number:015d}"
    async with hub_sessions(engine)() as session, session.begin():
        company = await register_vendor(
            session,
            f"CV {name.title()}",
            npwp,
            None,
            "Jl. Merdeka 1",
            home,
            ["41011"],
            f"{name}.{npwp[-6:]}@vendor.co.id",
            "Direktur",
            PASSWORD,
        )
        await verify_vendor(session, company.id, verifier, verifier_tenant, ["NPWP", "NIB"], None)
    account = await person(engine, None, None, vendor_id=company.id)
    signing_key = await registered_key(engine, account)
    return Bidder(f"CV {name.title()}", company.id, bearer(client, account), signing_key)


async def registered_key(engine: AsyncEngine, account_id: int) -> Ed25519PrivateKey:
    """A signing key made for a vendor's user and registered for its vendor, as the user would."""
    private = Ed25519PrivateKey.generate()
    async with hub_sessions(engine)() as session, session.begin():
        await register_signing_key(session, account_id, encode_signing_public_key(public_raw_of(private)))
    return private


async def package(
    client: Client,
    where: Regency,
    title: str,
    *,
    owner_estimate: int,
    method: str = "tender",
    category: str = "construction",
) -> dict[str, Any]:
    """A package of the regency's agency, created by its commitment officer; the budget 10% above the HPS."""
    body = {
        "agency_id": where.agency_id,
        "title": title,
        "fiscal_year": 2026,
        "category": category,
        "method": method,
        "budget": owner_estimate + owner_estimate // 10,
        "owner_estimate": owner_estimate,
        "kbli": ["41011"],
    }
    return dict(ok(await client.post(f"{where.base}/packages", headers=where.ppk, json=body)))


def schedule(now: datetime | None = None) -> dict[str, dict[str, str]]:
    now = now or datetime.now(UTC)
    day = timedelta(days=1)
    windows = {
        "announcement": (now - timedelta(minutes=5), now + 3 * day),
        "document_download": (now - timedelta(minutes=5), now + 3 * day),
        "bid_submission": (now + day, now + 3 * day),
        "bid_opening": (now + 3 * day, now + 4 * day),
    }
    return {
        stage: {"starts_at": a.isoformat(), "ends_at": b.isoformat()} for stage, (a, b) in windows.items()
    }


def schedule_with_clarification() -> dict[str, dict[str, str]]:
    """Every stage up to the opening ahead, a clarification among them (questions are asked in it)."""
    now, day = datetime.now(UTC), timedelta(days=1)
    windows = {
        "announcement": (now - timedelta(minutes=5), now + 7 * day),
        "document_download": (now - timedelta(minutes=5), now + 7 * day),
        "clarification": (now + 2 * day, now + 3 * day),
        "bid_submission": (now + 4 * day, now + 6 * day),
        "bid_opening": (now + 6 * day, now + 7 * day),
    }
    return {k: {"starts_at": s.isoformat(), "ends_at": e.isoformat()} for k, (s, e) in windows.items()}


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@dataclass
class Desk:
    """One tender, driven over HTTP by a regency's officials and its bidders."""

    client: Client
    engine: AsyncEngine
    regency: Regency
    tender_id: int = 0
    tender_key: str = ""

    @property
    def url(self) -> str:
        return f"{self.regency.base}/tenders/{self.tender_id}"

    async def announce(
        self,
        title: str,
        *,
        owner_estimate: int,
        evaluation: str = "lowest_price",
        criteria: dict[str, Any] | None = None,
        category: str = "construction",
    ) -> dict[str, Any]:
        r = self.regency
        created = await package(self.client, r, title, owner_estimate=owner_estimate, category=category)
        body: dict[str, Any] = {"package_id": created["id"], "evaluation": evaluation, "schedule": schedule()}
        if criteria:
            body["criteria"] = criteria
        self.tender_id = ok(await self.client.post(f"{r.base}/tenders", headers=r.pokja, json=body))["id"]
        announced = ok(await self.client.post(f"{self.url}/announcement", headers=r.pokja))
        self.tender_key = announced["tender_key"]
        return dict(announced)

    async def register(self, bidders: list[Bidder]) -> None:
        for bidder in bidders:
            ok(await self.client.post(f"{self.url}/registrations", headers=bidder.headers))

    async def bid(self, bidder: Bidder, price: int) -> Any:
        bundle = seal_bid(
            decode_public_key(self.tender_key),
            tenant_code=self.regency.code,
            tender_id=self.tender_id,
            vendor_id=bidder.vendor_id,
            price=price,
            files=[BidFile("penawaran.pdf", PDF, b"%PDF " + str(price).encode())],
            signing_key=bidder.signing_key,
        )
        return await self.client.post(
            f"{self.url}/bids", content=bundle, headers={**bidder.headers, "Content-Type": SEALED}
        )

    async def bids(self, prices: dict[Bidder, int]) -> None:
        await self.register(list(prices))
        await advance(self.engine, self.regency.schema, self.tender_id, "bid_submission")
        for bidder, price in prices.items():
            ok(await self.bid(bidder, price))

    async def open(self) -> dict[str, Any]:
        await advance(self.engine, self.regency.schema, self.tender_id, "bid_opening")
        return dict(ok(await self.client.post(f"{self.url}/opening", headers=self.regency.pokja)))

    async def assess(self, *entries: dict[str, Any], headers: Headers | None = None) -> Any:
        return await self.client.post(
            f"{self.url}/assessments",
            headers=headers or self.regency.pokja,
            json={"assessments": list(entries)},
        )

    async def pass_all(
        self,
        *bidders: Bidder,
        aspects: tuple[str, ...] = ("administrative", "qualification", "technical", "price"),
    ) -> dict[str, Any]:
        entries = [{"vendor_id": b.vendor_id, "aspect": a, "passed": True} for b in bidders for a in aspects]
        return dict(ok(await self.assess(*entries), 201))

    async def post(self, path: str, headers: Headers, json: dict[str, Any] | None = None) -> Any:
        return await self.client.post(f"{self.url}/{path}", headers=headers, json=json)

    async def public(self) -> dict[str, Any]:
        return dict(ok(await self.client.get(self.url), 200))
