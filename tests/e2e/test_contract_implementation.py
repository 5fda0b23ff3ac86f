"""A signed contract's implementation (e-monev) over HTTP: progress, payments, milestones, amendments.

A direct procurement of Kabupaten Malang goes to a contract of Rp142,000,000 signed today; its
commitment officer (PPK) then reports progress, pays terms, adds milestones and amends the contract.
Progress never goes back without a reason; payments never pass the contract's current value (the
latest amendment's), even two at once; each change is audited and published as a valid OCDS release
of the tender's one ocid.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.catalogue.models import LOCAL, Change
from federation.catalogue.ocds import with_ocid
from federation.identity.actor import Actor
from federation.identity.models import Role
from federation.oidc.tokens import MACHINE_SUBJECT_PREFIX
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput
from monitoring.reviews import review_province
from tenants.registry import TenantRef, resolve_tenant
from tenants.tenders.implementation import PaymentInput, read_implementation, record_payment
from tenants.tenders.implementation_models import ContractPayment
from tenants.tenders.outcome_models import Contract
from tests.e2e.procurement import (
    Bidder,
    Client,
    Desk,
    Regency,
    advance,
    bearer,
    ok,
    package,
    person,
    regency,
    vendor,
)
from tests.e2e.test_catalogue import valid
from tests.lock_waits import until_waiting_on_locks

VALUE = 142_000_000
WIB = ZoneInfo("Asia/Jakarta")


def today() -> date:
    return datetime.now(UTC).astimezone(WIB).date()


@dataclass
class Contracted:
    desk: Desk
    malang: Regency
    blitar: Regency
    winner: Bidder
    uncontracted: int
    """A tender of the same regency announced, with no contract."""

    @property
    def url(self) -> str:
        return f"{self.desk.url}/contract"

    async def post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        client = self.desk.client
        return await client.post(f"{self.url}/{path}", json=body, headers=headers or self.malang.ppk)

    async def implementation(self) -> dict[str, Any]:
        return dict(ok(await self.desk.client.get(f"{self.url}/implementation"), 200))


async def _invited(client: Client, where: Regency, bidder: Bidder, title: str) -> dict[str, Any]:
    created = await package(
        client, where, title, owner_estimate=150_000_000, method="direct_procurement", category="goods"
    )
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    invitation = {"package_id": created["id"], "vendor_id": bidder.vendor_id, "offer_deadline": deadline}
    return dict(
        ok(await client.post(f"{where.base}/direct-procurements", headers=where.officer, json=invitation))
    )


@pytest.fixture
async def contracted(client: Client, clean_identity: AsyncEngine) -> Contracted:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    blitar = await regency(client, engine, "kab-blitar", "3505")
    verifier = await person(engine, "verifier", malang.slug)
    winner = await vendor(client, engine, "bromo", "3507", verifier, malang.slug)
    invited = await _invited(client, malang, winner, "Pengadaan Komputer Kantor Kecamatan")
    desk = Desk(client, engine, malang, invited["id"], invited["tender_key"])
    ok(await desk.bid(winner, 149_000_000))
    await advance(engine, malang.schema, desk.tender_id, "bid_opening")
    ok(await desk.post("opening", malang.officer))
    ok(
        await desk.post(
            "negotiations", malang.officer, {"price": VALUE, "notes": "Sepakat setelah klarifikasi"}
        )
    )
    ok(await desk.post("award", malang.officer, {"vendor_id": winner.vendor_id}))
    signed = today().isoformat()
    ends = (today() + timedelta(days=90)).isoformat()
    contract = {"number": "SPK/3507/PL/001", "value": VALUE, "signed_on": signed, "starts_on": signed}
    ok(await desk.post("contract", malang.ppk, {**contract, "ends_on": ends}))
    other = await _invited(client, malang, winner, "Pengadaan Printer Kantor Kecamatan")
    return Contracted(desk, malang, blitar, winner, other["id"])


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return dict(response.json())


async def test_progress_goes_back_only_with_a_reason(contracted: Contracted) -> None:
    c, day = contracted, today().isoformat()
    first = ok(await c.post("progress", {"percent": 30.5, "reported_on": day, "note": "Pengiriman tahap 1"}))
    assert first["percent"] == "30.50"
    back = problem(await c.post("progress", {"percent": 20, "reported_on": day}), 400)
    assert back["field"] == "reason"
    ok(await c.post("progress", {"percent": 20, "reported_on": day, "reason": "Unit rusak dikembalikan"}))
    ok(await c.post("progress", {"percent": "20.00", "reported_on": day}))  # level needs no reason
    tomorrow = (today() + timedelta(days=1)).isoformat()
    assert problem(await c.post("progress", {"percent": 40, "reported_on": tomorrow}), 400)["field"] == (
        "reported_on"
    )
    yesterday = (today() - timedelta(days=1)).isoformat()  # before the signing
    assert problem(await c.post("progress", {"percent": 40, "reported_on": yesterday}), 400)["field"] == (
        "reported_on"
    )
    for percent in (100.01, -1, 12.345):
        assert problem(await c.post("progress", {"percent": percent, "reported_on": day}), 400)["field"] == (
            "percent"
        )
    read = await c.implementation()
    assert [p["percent"] for p in read["progress"]] == ["30.50", "20.00", "20.00"]
    assert read["progress"][1]["reason"] == "Unit rusak dikembalikan"
    assert read["progress_percent"] == "20.00"


async def test_payments_stay_within_the_value_and_an_amendment_makes_room(contracted: Contracted) -> None:
    c, day = contracted, today().isoformat()
    first = ok(await c.post("payments", {"amount": 100_000_000, "paid_on": day}))
    assert first["term"] == 1
    above = problem(await c.post("payments", {"amount": 50_000_000, "paid_on": day}), 400)
    assert above["field"] == "amount"
    assert problem(await c.post("payments", {"amount": 0, "paid_on": day}), 400)["field"] == "amount"
    again = {"amount": 1_000_000, "paid_on": day, "term": 1}
    assert (await c.post("payments", again)).status_code == 409

    amendment = {"value": 150_000_000, "signed_on": day, "reason": "Tambahan 4 unit komputer"}
    assert problem(await c.post("amendments", {**amendment, "reason": " "}), 400)["field"] == "reason"
    below_paid = problem(await c.post("amendments", {**amendment, "value": 90_000_000}), 400)
    assert below_paid["field"] == "value"
    too_much = problem(await c.post("amendments", {**amendment, "value": 160_000_000}), 400)
    assert "10%" in too_much["detail"]  # Perpres 16/2018 art. 54(2)
    assert problem(await c.post("amendments", {"signed_on": day, "reason": "Tidak ada"}), 400)
    first_amendment = ok(await c.post("amendments", amendment))
    assert (first_amendment["number"], first_amendment["value_before"]) == (1, VALUE)
    later = (today() + timedelta(days=120)).isoformat()
    second = ok(await c.post("amendments", {"ends_on": later, "signed_on": day, "reason": "Banjir"}))
    assert (second["number"], second["value_before"], second["value_after"]) == (2, 150_000_000, 150_000_000)

    paid = ok(await c.post("payments", {"amount": 50_000_000, "paid_on": day, "note": "Termin 2"}))
    assert paid["term"] == 2
    assert (await c.post("payments", {"amount": 1, "paid_on": day})).status_code == 400
    read = await c.implementation()
    assert (read["value"], read["signed_value"], read["paid"], read["absorption"]) == (
        150_000_000,
        VALUE,
        150_000_000,
        1.0,
    )
    assert read["ends_on"] == later
    assert [a["number"] for a in read["amendments"]] == [1, 2]
    async with tenant_session(c.desk.engine, c.malang.schema) as session:
        terms = await read_implementation(session, c.desk.tender_id)
    assert (terms.value, terms.ends_on.isoformat(), len(terms.amendments)) == (150_000_000, later, 2)


async def test_a_milestone_is_met_once(contracted: Contracted) -> None:
    c, day = contracted, today().isoformat()
    due = (today() + timedelta(days=30)).isoformat()
    milestone = ok(await c.post("milestones", {"title": "Serah terima barang", "due_on": due}))
    assert milestone["met_on"] is None
    met_path = f"milestones/{milestone['id']}/met"
    met = ok(await c.post(met_path, {"met_on": day}))
    assert met["met_on"] == day
    assert (await c.post(met_path, {"met_on": day})).status_code == 409
    assert (await c.post("milestones/999999/met", {"met_on": day})).status_code == 404
    early = {"title": "Sebelum kontrak", "due_on": (today() - timedelta(days=3)).isoformat()}
    assert problem(await c.post("milestones", early), 400)["field"] == "due_on"
    assert (await c.implementation())["milestones"][0]["met_on"] == day


async def test_only_the_tenants_commitment_officer_records_and_only_on_a_contract(
    contracted: Contracted, client: Client
) -> None:
    c, body = contracted, {"percent": 10, "reported_on": today().isoformat()}
    assert (await c.post("progress", body, c.malang.pokja)).status_code == 403  # another role
    assert (await c.post("progress", body, c.malang.admin)).status_code == 403
    assert (await c.post("progress", body, c.blitar.ppk)).status_code == 403  # another tenant's PPK
    assert (await client.post(f"{c.url}/progress", json=body)).status_code == 401
    vendor_side = await c.post("payments", {"amount": 1, "paid_on": today().isoformat()}, c.winner.headers)
    assert vendor_side.status_code == 403  # the vendor paid does not record its payments
    # Through the other tenant's path, this tender is not there.
    foreign = f"{c.blitar.base}/tenders/{c.desk.tender_id}/contract/progress"
    assert (await client.post(foreign, json=body, headers=c.blitar.ppk)).status_code == 404
    none = f"{c.malang.base}/tenders/{c.uncontracted}/contract"
    assert problem(await client.post(f"{none}/progress", json=body, headers=c.malang.ppk), 409)
    assert problem(await client.get(f"{none}/implementation"), 404)
    missing = f"{c.malang.base}/tenders/999999/contract/progress"
    assert problem(await client.post(missing, json=body, headers=c.malang.ppk), 404)
    assert (await c.implementation())["progress"] == []  # nothing refused was written


async def _tenant(engine: AsyncEngine, slug: str) -> TenantRef:
    async with hub_sessions(engine)() as session:
        return await resolve_tenant(session, slug=slug)


async def test_two_payments_at_once_cannot_together_exceed_the_value(
    contracted: Contracted, clean_identity: AsyncEngine
) -> None:
    """The contract's row is locked: the second payment waits for the first, then reads it."""
    c, engine = contracted, clean_identity
    tenant = await _tenant(engine, c.malang.slug)
    ppk = await person(engine, "commitment_officer", c.malang.slug)
    acting = Actor(ppk, tenant, frozenset({Role.COMMITMENT_OFFICER}))
    payment = PaymentInput(amount=100_000_000, paid_on=today())

    async def pay(session: AsyncSession) -> None:
        await record_payment(session, acting, c.desk.tender_id, payment)

    async with tenant_session(engine, tenant.schema) as first, first.begin():
        await pay(first)
        async with tenant_session(engine, tenant.schema) as second, second.begin():
            waiting = asyncio.create_task(pay(second))
            await until_waiting_on_locks(engine, unless=[waiting])
            assert not waiting.done()
            await first.commit()
            with pytest.raises(InvalidInput, match="above the contract's value"):
                await waiting
    read = await c.implementation()
    assert (read["paid"], [p["term"] for p in read["payments"]]) == (100_000_000, [1])


async def test_every_change_is_audited_and_published_as_a_valid_release_of_one_ocid(
    contracted: Contracted, client: Client, clean_identity: AsyncEngine
) -> None:
    c, day = contracted, today().isoformat()
    due = (today() + timedelta(days=30)).isoformat()
    ok(await c.post("progress", {"percent": 25, "reported_on": day, "note": "Barang tiba"}))
    milestone = ok(await c.post("milestones", {"title": "Serah terima", "due_on": due}))
    ok(await c.post("payments", {"amount": 40_000_000, "paid_on": day}))
    ok(await c.post("amendments", {"value": 150_000_000, "signed_on": day, "reason": "Tambah 4 unit"}))
    ok(await c.post(f"milestones/{milestone['id']}/met", {"met_on": day}))

    local = f"{c.malang.code}-{c.desk.tender_id}"
    async with hub_sessions(clean_identity)() as session:
        query = select(Change).where(Change.origin == LOCAL, Change.ocid == local).order_by(Change.position)
        changes = (await session.scalars(query)).all()
    releases = [with_ocid(ch.release, f"ocds-lpsehub-{local}", ch.position) for ch in changes]
    for release in releases:
        valid(release, "release-schema.json")
    tags = [r["tag"] for r in releases]
    assert tags[-5:] == [
        ["implementation"],
        ["implementationUpdate"],
        ["implementationUpdate"],
        ["contractAmendment"],
        ["implementationUpdate"],
    ]
    [contract] = releases[-1]["contracts"]
    assert contract["value"] == {"amount": 150_000_000, "currency": "IDR"}
    [transaction] = contract["implementation"]["transactions"]
    assert transaction["value"] == {"amount": 40_000_000, "currency": "IDR"}
    assert transaction["payer"] == releases[-1]["buyer"]
    assert transaction["payee"]["id"] == f"ID-VENDOR-{c.winner.vendor_id}"
    roles = {p["id"]: p["roles"] for p in releases[-1]["parties"]}
    assert "payer" in roles[transaction["payer"]["id"]]
    assert "payee" in roles[transaction["payee"]["id"]]
    milestones = {m["id"]: m for m in contract["implementation"]["milestones"]}
    assert milestones[f"milestone-{milestone['id']}"]["status"] == "met"
    progress = [m for m in milestones.values() if m["type"] == "reporting"]
    assert [(m["title"], m["code"]) for m in progress] == [("Progres fisik 25.00%", "physicalProgress")]
    [amendment] = contract["amendments"]
    assert amendment["rationale"] == "Tambah 4 unit"
    assert f"value: {VALUE} -> 150000000 IDR" in amendment["description"]

    record = ok(await client.get(f"/api/ocds/records/ocds-lpsehub-{local}"), 200)
    valid(record, "record-package-schema.json")
    [compiled] = record["records"][0]["compiledRelease"]["contracts"]
    assert compiled["value"]["amount"] == 150_000_000
    assert len(compiled["implementation"]["milestones"]) == 2  # the milestone and the progress report
    page = await client.get(f"/tender/ocds-lpsehub-{local}")  # the public tender page shows the release
    assert page.status_code == 200
    assert "<dt>Dibayar</dt><dd>Rp40.000.000</dd>" in page.text
    assert "Progres fisik 25.00%" in page.text
    assert "Tambah 4 unit" in page.text

    auditor = bearer(client, await person(clean_identity, "auditor", c.malang.slug))
    log = ok(await client.get(f"{c.malang.base}/audit", params={"limit": 1000}, headers=auditor), 200)
    actions = [e["action"] for e in log if e["subject"] == f"tender:{c.desk.tender_id}"]
    assert actions[-5:] == [
        "contract.progress_reported",
        "contract.milestone_added",
        "contract.payment_recorded",
        "contract.amended",
        "contract.milestone_met",
    ]


def machine(
    client: Client, client_id: str, tenant_id: int | None, scope: str = "monev:write"
) -> dict[str, str]:
    """A machine client's own token (client credentials), issued for ``tenant_id`` (or none)."""
    subject = MACHINE_SUBJECT_PREFIX + client_id
    token, _ = client.app.state.tokens.access_token(subject, client_id, scope, tenant_id=tenant_id)
    return {"Authorization": f"Bearer {token}"}


async def test_the_tenants_e_monev_client_records_as_itself_and_no_other_tenants_may(
    contracted: Contracted, client: Client, clean_identity: AsyncEngine
) -> None:
    c, engine, day = contracted, clean_identity, today().isoformat()
    malang, blitar = await _tenant(engine, c.malang.slug), await _tenant(engine, c.blitar.slug)
    payment = {"amount": 10_000_000, "paid_on": day}
    own = machine(client, "e-monev-malang", malang.id)
    assert (
        await c.post("payments", payment, machine(client, "e-monev-blitar", blitar.id))
    ).status_code == 403
    assert (await c.post("payments", payment, machine(client, "e-monev", None))).status_code == 403
    narrow = machine(client, "e-monev-malang", malang.id, scope="plans:write")
    assert (await c.post("payments", payment, narrow)).status_code == 403  # not its scope
    paid = ok(await c.post("payments", payment, own))
    ok(await c.post("progress", {"percent": 10, "reported_on": day}, own))
    async with tenant_session(engine, malang.schema) as session:
        row = await session.get(ContractPayment, paid["id"])
    assert row is not None
    assert (row.recorded_by, row.recorded_by_client) == (None, "e-monev-malang")

    auditor = bearer(client, await person(engine, "auditor", c.malang.slug))
    log = ok(await client.get(f"{c.malang.base}/audit", params={"limit": 1000}, headers=auditor), 200)
    [entry] = [e for e in log if e["action"] == "contract.payment_recorded"]
    assert entry["payload"]["client"] == "e-monev-malang"


async def test_the_review_counts_a_contract_past_its_end_below_100_percent_as_late(
    contracted: Contracted, clean_identity: AsyncEngine
) -> None:
    c, day = contracted, today().isoformat()
    ok(await c.post("progress", {"percent": 40, "reported_on": day}))
    ok(await c.post("payments", {"amount": 50_000_000, "paid_on": day}))
    # The contract "was" signed 100 days ago and ended 10 days ago: its dates moved back as the
    # owner would (a test cannot wait), its reports left on today.
    async with tenant_session(clean_identity, c.malang.schema) as session, session.begin():
        moved = {"signed_on": today() - timedelta(days=100), "ends_on": today() - timedelta(days=10)}
        await session.execute(
            update(Contract)
            .where(Contract.tender_id == c.desk.tender_id)
            .values(**moved, starts_on=moved["signed_on"])
        )
    period = (today() - timedelta(days=30), today())
    review = await review_province(clean_identity, "35", *period)
    [malang] = [t for t in review.tenants if t.slug == "kab-malang"]
    assert malang.figures is not None
    trace = malang.figures.trace
    assert (trace.paid, trace.running, trace.running_value, trace.late) == (50_000_000, 1, VALUE, 1)
    assert trace.progress_share == Fraction(40, 100)
    assert [a.trace.late for a in malang.agencies] == [1]
    earlier = await review_province(
        clean_identity, "35", today() - timedelta(days=60), today() - timedelta(days=40)
    )
    assert earlier.totals.trace.late == 0  # judged at that period's end, it was running, not late
