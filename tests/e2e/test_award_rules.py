"""The rules after the opening that the happy paths do not show, over HTTP.

Schedules that hold a step back, a bid damaged in the database, a tender nobody bid in, two
committee members deciding at once, objections and contracts that break the rules, and the limits
of direct procurement.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.vendors import register_vendor
from hub.core.database import hub_sessions
from tests.e2e.procurement import (
    PDF,
    Bidder,
    Client,
    Desk,
    Regency,
    advance,
    bearer,
    end_objection_period,
    ok,
    person,
    regency,
    vendor,
)
from tests.e2e.procurement import (
    package as create_package,
)

HPS = 900_000_000


@dataclass
class Cast:
    malang: Regency
    bidders: list[Bidder]


@pytest.fixture
async def cast(client: Client, clean_identity: AsyncEngine) -> Cast:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    verifier = await person(clean_identity, "verifier", "kab-malang")
    bidders = [
        await vendor(client, clean_identity, name, "3507", verifier, "kab-malang")
        for name in ("arjuna", "bima", "citra")
    ]
    return Cast(malang, bidders)


def today(days: int = 0) -> str:
    return (datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=days)).isoformat()


async def opened(client: Client, engine: AsyncEngine, cast: Cast, prices: list[int]) -> Desk:
    desk = Desk(client, engine, cast.malang)
    await desk.announce("Peningkatan Jalan Desa Tumpang", owner_estimate=HPS)
    await desk.bids(dict(zip(cast.bidders, prices, strict=False)))
    await desk.open()
    return desk


async def awarded(client: Client, engine: AsyncEngine, cast: Cast) -> Desk:
    """Opened, all passed, the cheapest verified, awarded and announced."""
    desk = await opened(client, engine, cast, [850_000_000, 860_000_000])
    await desk.pass_all(*cast.bidders[:2])
    first = {"vendor_id": cast.bidders[0].vendor_id}
    ok(await desk.post("qualification-verifications", cast.malang.pokja, {**first, "passed": True}))
    ok(await desk.post("award", cast.malang.pokja, first))
    ok(await desk.post("award-announcement", cast.malang.pokja))
    return desk


async def test_a_step_the_schedule_plans_for_later_is_refused_until_then(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    desk = Desk(client, clean_identity, cast.malang)
    await desk.announce("Peningkatan Jalan Desa Tumpang", owner_estimate=HPS)
    later = datetime.now(UTC) + timedelta(days=10)
    change = {
        "stage": "evaluation",
        "starts_at": later.isoformat(),
        "ends_at": (later + timedelta(days=2)).isoformat(),
        "reason": "Pokja bertugas di luar kota",
    }
    ok(await desk.post("schedule-changes", cast.malang.pokja, change), 201)
    await desk.bids({cast.bidders[0]: 850_000_000})
    await desk.open()
    early = await desk.assess(
        {"vendor_id": cast.bidders[0].vendor_id, "aspect": "administrative", "passed": True}
    )
    assert early.status_code == 409
    assert "evaluation is scheduled from" in early.json()["detail"]


async def test_a_bid_damaged_in_the_database_fails_administration_by_itself(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    desk = Desk(client, clean_identity, cast.malang)
    await desk.announce("Peningkatan Jalan Desa Tumpang", owner_estimate=HPS)
    await desk.bids({cast.bidders[0]: 850_000_000, cast.bidders[1]: 870_000_000})
    async with clean_identity.begin() as connection:  # someone with database access flips one byte
        await connection.execute(
            text(
                "UPDATE t_3507.bids SET bundle = overlay(bundle placing decode("
                "CASE WHEN get_byte(bundle, 200) = 65 THEN '42' ELSE '41' END, 'hex') from 201 for 1) "
                "WHERE tender_id = :t AND vendor_id = :v"
            ),
            {"t": desk.tender_id, "v": cast.bidders[0].vendor_id},
        )
    await desk.open()
    damaged = await desk.assess(
        {"vendor_id": cast.bidders[0].vendor_id, "aspect": "administrative", "passed": True}
    )
    assert damaged.status_code == 409
    stands = await desk.pass_all(cast.bidders[1])
    damaged_result = next(x for x in stands["bidders"] if x["vendor_id"] == cast.bidders[0].vendor_id)
    assert damaged_result["failed_stage"] == "administrative"
    assert damaged_result["reason"].startswith("the sealed bid could not be opened")
    assert stands["leader"] == cast.bidders[1].vendor_id


async def test_a_tender_nobody_bid_in_fails_and_cannot_be_awarded(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    desk = await opened(client, clean_identity, cast, [])
    assert (await desk.public())["opening"]["count"] == 0
    nobody = await desk.post("award", cast.malang.pokja, {"vendor_id": cast.bidders[0].vendor_id})
    assert nobody.status_code == 409
    short = await desk.post("failure", cast.malang.pokja, {"reason": "kosong"})
    assert short.status_code == 400  # a failure needs a real reason
    failed = ok(await desk.post("failure", cast.malang.pokja, {"reason": "Tidak ada peserta yang menawar"}))
    assert failed["results"]["bidders"] == []
    assert (
        await desk.post("failure", cast.malang.pokja, {"reason": "Gagal untuk kedua kalinya"})
    ).status_code == 409


async def test_two_committee_members_deciding_at_once_make_one_award(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    desk = await opened(client, clean_identity, cast, [850_000_000, 860_000_000])
    await desk.pass_all(*cast.bidders[:2])
    first = {"vendor_id": cast.bidders[0].vendor_id}
    ok(await desk.post("qualification-verifications", cast.malang.pokja, {**first, "passed": True}))
    second_member = {"Authorization": (await _member(client, clean_identity))}
    decisions = await asyncio.gather(
        desk.post("award", cast.malang.pokja, first), desk.post("award", second_member, first)
    )
    assert sorted(d.status_code for d in decisions) == [201, 409]
    assert len((await desk.public())["awards"]) == 0  # decided, not yet announced


async def _member(client: Client, engine: AsyncEngine) -> str:
    return bearer(client, await person(engine, "selection_committee", "kab-malang"))["Authorization"]


async def test_objections_that_break_the_rules_are_refused(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    desk = await awarded(client, clean_identity, cast)
    loser, winner = cast.bidders[1], cast.bidders[0]
    url = f"{desk.url}/objections"
    short = await client.post(url, headers=loser.headers, data={"grounds": "Tidak adil"})
    assert short.status_code == 400
    assert short.json()["field"] == "grounds"
    wrong_type = await client.post(
        url,
        headers=loser.headers,
        data={"grounds": "Dokumen kami dinilai keliru oleh pokja pemilihan."},
        files={"files": ("skrip.sh", b"rm -rf /", "application/x-sh")},
    )
    assert wrong_type.status_code == 400
    own = await client.post(
        url, headers=winner.headers, data={"grounds": "Kami keberatan atas kemenangan kami."}
    )
    assert own.status_code == 409  # the winner has nothing to object to
    lodged = ok(
        await client.post(
            url,
            headers=loser.headers,
            data={"grounds": "Dokumen kami dinilai keliru oleh pokja pemilihan."},
            files={"files": ("bukti.pdf", b"%PDF-1.7 bukti", PDF)},
        )
    )
    file_url = f"{url}/files/{lodged['files'][0]['id']}"
    assert (await client.get(file_url)).content == b"%PDF-1.7 bukti"  # public, as the grounds are
    await end_objection_period(clean_identity, cast.malang.schema, desk.tender_id)
    waiting = await desk.post("award-letter", cast.malang.ppk, {"number": "SPPBJ/001"})
    assert waiting.status_code == 409  # the objection has no answer yet
    assert "wait for the committee's answer" in waiting.json()["detail"]


async def test_contracts_that_break_the_rules_are_refused(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    desk = await awarded(client, clean_identity, cast)
    early = await desk.post(
        "contract",
        cast.malang.ppk,
        {"number": "HK/1", "value": 1, "signed_on": today(), "starts_on": today(), "ends_on": today()},
    )
    assert early.status_code == 409  # no letter of award yet
    await end_objection_period(clean_identity, cast.malang.schema, desk.tender_id)
    ok(await desk.post("award-letter", cast.malang.ppk, {"number": "SPPBJ/001"}))
    base = {
        "number": "HK.02/001",
        "value": 850_000_000,
        "signed_on": today(),
        "starts_on": today(),
        "ends_on": today(90),
    }
    for wrong, field in (
        ({"signed_on": today(1)}, "signed_on"),  # signed tomorrow
        ({"signed_on": today(-30)}, "signed_on"),  # signed before the award
        ({"starts_on": today(-1)}, "starts_on"),  # starts before it is signed
        ({"ends_on": today(-1)}, "ends_on"),  # ends before it starts
        ({"value": 0}, "value"),
        ({"number": "X"}, "number"),
    ):
        refused = await desk.post("contract", cast.malang.ppk, {**base, **wrong})
        assert refused.status_code == 400, wrong
        assert refused.json()["field"] == field
    ok(await desk.post("contract", cast.malang.ppk, base))
    again = await desk.post("contract", cast.malang.ppk, base)
    assert again.status_code == 409
    retender = await desk.post("retender", cast.malang.pokja, {"schedule": {}})
    assert retender.status_code in (400, 409)
    cancel = await desk.post("cancellation", cast.malang.pokja, {"reason": "Anggaran dipotong"})
    assert cancel.status_code == 409  # a contracted tender is not cancelled


async def test_direct_procurement_has_its_limits(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    where = cast.malang

    async def package(estimate: int, method: str = "direct_procurement") -> int:
        created = await create_package(
            client,
            where,
            "Pengadaan ATK Sekretariat Daerah",
            owner_estimate=estimate,
            method=method,
            category="goods",
        )
        return int(created["id"])

    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    invite = {"vendor_id": cast.bidders[0].vendor_id, "offer_deadline": deadline}
    url = f"{where.base}/direct-procurements"
    too_big = await client.post(
        url, headers=where.officer, json={**invite, "package_id": await package(250_000_000)}
    )
    assert too_big.status_code == 400  # above the ceiling of direct procurement
    a_tender = await client.post(
        url, headers=where.officer, json={**invite, "package_id": await package(100_000_000, "tender")}
    )
    assert a_tender.status_code == 400  # the package is for a tender
    small = await package(100_000_000)
    soon = {
        **invite,
        "package_id": small,
        "offer_deadline": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
    }
    assert (await client.post(url, headers=where.officer, json=soon)).status_code == 400
    async with hub_sessions(clean_identity)() as session, session.begin():
        unverified = await register_vendor(
            session,
            "CV Baru",
            f"{uuid.uuid4().int % 10**15:015d}",
            None,
            "Jl. Baru",
            "3507",
            ["41011"],
            f"baru.{uuid.uuid4().hex[:6]}@vendor.co.id",
            "Direktur",
            "kata-sandi-pengadaan-1",
        )
    stranger = await client.post(
        url, headers=where.officer, json={**invite, "package_id": small, "vendor_id": unverified.id}
    )
    assert stranger.status_code == 409  # only a verified vendor is invited
    ok(await client.post(url, headers=where.officer, json={**invite, "package_id": small}))
    twice = await client.post(url, headers=where.officer, json={**invite, "package_id": small})
    assert twice.status_code == 409  # one live procurement per package


async def _suspend(engine: AsyncEngine, schema: str, vendor_id: int) -> None:
    """Bar the vendor in the tenant until next month (the row ``suspend_vendor`` writes)."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                f"INSERT INTO {schema}.vendor_suspensions (vendor_id, reason, ends_on, suspended_by) "
                "VALUES (:v, 'Daftar hitam', current_date + 30, 1)"
            ),
            {"v": vendor_id},
        )


async def _lift(engine: AsyncEngine, schema: str, vendor_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(f"UPDATE {schema}.vendor_suspensions SET lifted_at = now() WHERE vendor_id = :v"),
            {"v": vendor_id},
        )


def _ineligible(response: Any) -> None:
    """Refused as a conflict with the vendor's standing, naming the suspension."""
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "urn:lpse-hub:problem:vendor-ineligible"
    assert "suspended here" in response.json()["detail"]


async def test_a_suspended_vendor_is_refused_at_every_step_it_takes_or_is_given(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    where, arjuna = cast.malang, cast.bidders[0]
    engine, schema = clean_identity, cast.malang.schema
    desk = Desk(client, engine, where)
    await desk.announce("Peningkatan Jalan Desa Tumpang", owner_estimate=HPS)
    await desk.register(cast.bidders[:2])
    await advance(engine, schema, desk.tender_id, "bid_submission")
    await _suspend(engine, schema, arjuna.vendor_id)
    _ineligible(await desk.bid(arjuna, 850_000_000))
    hub_sealed = await client.post(
        f"{desk.url}/bids/sealed-by-hub",
        headers=arjuna.headers,
        files={"files": ("penawaran.pdf", b"%PDF 1", PDF)},
        data={
            "price": "850000000",
            **arjuna.statement(where, desk.tender_id, 850_000_000, {"penawaran.pdf": b"%PDF 1"}),
        },
    )
    _ineligible(hub_sealed)
    await _lift(engine, schema, arjuna.vendor_id)
    ok(await desk.bid(arjuna, 850_000_000))
    ok(await desk.bid(cast.bidders[1], 860_000_000))
    await desk.open()
    await desk.pass_all(*cast.bidders[:2])
    first = {"vendor_id": arjuna.vendor_id}
    ok(await desk.post("qualification-verifications", where.pokja, {**first, "passed": True}))
    await _suspend(engine, schema, arjuna.vendor_id)
    _ineligible(await desk.post("award", where.pokja, first))
    await _lift(engine, schema, arjuna.vendor_id)
    ok(await desk.post("award", where.pokja, first))
    ok(await desk.post("award-announcement", where.pokja))
    await end_objection_period(engine, schema, desk.tender_id)
    await _suspend(engine, schema, arjuna.vendor_id)
    _ineligible(await desk.post("award-letter", where.ppk, {"number": "SPPBJ/001"}))
    await _lift(engine, schema, arjuna.vendor_id)
    ok(await desk.post("award-letter", where.ppk, {"number": "SPPBJ/001"}))
    await _suspend(engine, schema, arjuna.vendor_id)
    contract = {
        "number": "HK.02/001",
        "value": 850_000_000,
        "signed_on": today(),
        "starts_on": today(),
        "ends_on": today(90),
    }
    _ineligible(await desk.post("contract", where.ppk, contract))


async def test_a_vendor_suspended_after_its_invitation_cannot_make_the_direct_offer(
    client: Client, cast: Cast, clean_identity: AsyncEngine
) -> None:
    where, arjuna = cast.malang, cast.bidders[0]
    package = await create_package(
        client,
        where,
        "Pengadaan ATK Sekretariat Daerah",
        owner_estimate=100_000_000,
        method="direct_procurement",
        category="goods",
    )
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    invitation = {"package_id": package["id"], "vendor_id": arjuna.vendor_id, "offer_deadline": deadline}
    invited = ok(
        await client.post(f"{where.base}/direct-procurements", headers=where.officer, json=invitation)
    )
    await _suspend(clean_identity, where.schema, arjuna.vendor_id)
    desk = Desk(client, clean_identity, where, invited["id"], invited["tender_key"])
    _ineligible(await desk.bid(arjuna, 95_000_000))
    await _lift(clean_identity, where.schema, arjuna.vendor_id)
    ok(await desk.bid(arjuna, 95_000_000))
