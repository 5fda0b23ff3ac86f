"""From the opening to the contract, over HTTP: evaluation, award, objections, letter of award, contract.

Five vendors from three regencies of Jawa Timur bid in a lowest-price tender of Kabupaten Malang:
one fails administration, one is above the owner's estimate, one objects and is answered, and the
winner signs a contract. The same scenario runs in two tenants at once without either seeing the other.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

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
    schedule,
    vendor,
)
from tests.e2e.procurement import (
    package as create_package,
)

HPS = 2_400_000_000
WIB = ZoneInfo("Asia/Jakarta")


@dataclass
class Province:
    malang: Regency
    blitar: Regency
    bidders: dict[str, Bidder]  # andalas, bromo, cendana, duta, elang: they bid; fajar does not


@pytest.fixture
async def province(client: Client, clean_identity: AsyncEngine) -> Province:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    blitar = await regency(client, engine, "kab-blitar", "3505")
    verifier = await person(engine, "verifier", "kab-blitar")
    homes = {
        "andalas": "3507",
        "bromo": "3505",
        "cendana": "3578",
        "duta": "3507",
        "elang": "3578",
        "fajar": "3505",
    }
    bidders = {n: await vendor(client, engine, n, home, verifier, "kab-blitar") for n, home in homes.items()}
    return Province(malang, blitar, bidders)


def today() -> str:
    return datetime.now(UTC).astimezone(WIB).date().isoformat()


async def lowest_price_tender(client: Client, engine: AsyncEngine, where: Regency, p: Province) -> Desk:
    """The whole lowest-price scenario in one tenant, with every refusal on the way."""
    b = p.bidders
    desk = Desk(client, engine, where)
    await desk.announce("Rehabilitasi Jalan Kepanjen - Gondanglegi", owner_estimate=HPS)
    prices = {
        b["andalas"]: 2_300_000_000,
        b["bromo"]: 2_350_000_000,
        b["cendana"]: 2_280_000_000,
        b["duta"]: 2_450_000_000,
        b["elang"]: 2_250_000_000,
    }
    await desk.bids(prices)
    early = await desk.assess(
        {"vendor_id": b["andalas"].vendor_id, "aspect": "administrative", "passed": True}
    )
    assert early.status_code == 409  # evaluating before the opening
    public = await desk.public()
    assert public["opening"] is None
    assert public["results"] is None

    opening = await desk.open()
    assert {x["vendor"]: x["price"] for x in opening["bids"]} == {x.name: v for x, v in prices.items()}
    public = await desk.public()
    assert public["stage"] == "evaluation"
    assert public["opening"]["count"] == 5
    assert public["opening"]["bids"][0]["received_at"].endswith("+07:00")  # stored in UTC, shown in WIB
    for outsider in (b["andalas"].headers, {}):
        assert (await client.get(f"{desk.url}/evaluation", headers=outsider)).status_code in (401, 403)
    assert public["results"] is None
    assert public["awards"] == []

    elang_out = {
        "vendor_id": b["elang"].vendor_id,
        "aspect": "administrative",
        "passed": False,
        "reason": "Jaminan penawaran tidak dilampirkan",
    }
    assert (await desk.assess(elang_out, headers=where.ppk)).status_code == 403  # PPK does not evaluate
    assert (await desk.assess(elang_out, headers=b["elang"].headers)).status_code == 403
    other = p.blitar if where is p.malang else p.malang
    assert (await desk.assess(elang_out, headers=other.pokja)).status_code == 403  # wrong tenant
    no_reason = await desk.assess({**elang_out, "reason": ""})
    assert no_reason.status_code == 400
    assert no_reason.json()["field"] == "reason"
    ok(await desk.assess(elang_out))
    stands = await desk.pass_all(
        b["andalas"],
        b["bromo"],
        b["cendana"],
        b["duta"],
        aspects=("administrative", "qualification", "technical"),
    )
    assert stands["complete"] is False  # prices still to assess
    duta_pass = await desk.assess({"vendor_id": b["duta"].vendor_id, "aspect": "price", "passed": True})
    assert duta_pass.status_code == 400  # above the owner's estimate: it cannot pass price evaluation
    stands = await desk.pass_all(b["andalas"], b["bromo"], b["cendana"], aspects=("price",))
    assert stands["complete"] is True
    ranked = [x["vendor_id"] for x in stands["bidders"] if x["rank"]]
    assert ranked == [b["cendana"].vendor_id, b["andalas"].vendor_id, b["bromo"].vendor_id]
    failed = {
        x["vendor_id"]: (x["failed_stage"], x["reason"]) for x in stands["bidders"] if x["rank"] is None
    }
    assert failed[b["elang"].vendor_id] == ("administrative", "Jaminan penawaran tidak dilampirkan")
    assert failed[b["duta"].vendor_id][0] == "price"

    cendana = {"vendor_id": b["cendana"].vendor_id}
    assert (await desk.post("award", where.pokja, cendana)).status_code == 409  # not verified yet
    bromo_check = {"vendor_id": b["bromo"].vendor_id, "passed": True}
    assert (await desk.post("qualification-verifications", where.pokja, bromo_check)).status_code == 409
    ok(await desk.post("qualification-verifications", where.pokja, {**cendana, "passed": True}))
    elang_award = await desk.post("award", where.pokja, {"vendor_id": b["elang"].vendor_id})
    assert elang_award.status_code == 409  # awarding a failed bid
    assert (await desk.post("award", where.ppk, cendana)).status_code == 403
    award = ok(await desk.post("award", where.pokja, cendana))
    assert award["price"] == 2_280_000_000
    assert award["reserves"] == [b["andalas"].vendor_id, b["bromo"].vendor_id]
    public = await desk.public()
    assert public["status"] == "awarded"
    assert public["results"] is None
    assert public["awards"] == []

    other_tenant = {
        "assessments": other.pokja,
        "qualification-verifications": other.pokja,
        "award": other.pokja,
        "award-announcement": other.pokja,
        "failure": other.pokja,
        "award-letter": other.ppk,
        "contract": other.ppk,
        "opening": other.pokja,
        "negotiations": other.officer,
    }
    any_step = {  # a body every step accepts: the refusal must come from the role, not the input
        "assessments": [{"vendor_id": b["cendana"].vendor_id, "aspect": "price", "passed": True}],
        "vendor_id": b["cendana"].vendor_id,
        "passed": True,
        "reason": "Alasan yang cukup panjang",
        "number": "X/1/2026",
        "value": 1,
        "signed_on": today(),
        "starts_on": today(),
        "ends_on": today(),
        "price": 1,
        "notes": "catatan negosiasi",
    }
    for step, headers in other_tenant.items():  # officials of the other regency
        assert (await desk.post(step, headers, any_step)).status_code == 403, step
    announced = ok(await desk.post("award-announcement", where.pokja))
    assert announced["stage"] == "objection_period"
    results = announced["results"]
    assert (results["winner"], results["price"]) == (b["cendana"].vendor_id, 2_280_000_000)
    assert [x["rank"] for x in results["bidders"]] == [1, 2, 3, None, None]
    by_vendor = {x["vendor_id"]: x for x in results["bidders"]}
    assert by_vendor[b["elang"].vendor_id]["reason"] == "Jaminan penawaran tidak dilampirkan"
    assert "owner's estimate" in by_vendor[b["duta"].vendor_id]["reason"]
    ends = datetime.fromisoformat(announced["awards"][0]["objection_ends_at"])
    assert ends.utcoffset() == timedelta(hours=7)  # shown in WIB
    assert announced["objection_days"] == 5

    objection = await client.post(
        f"{desk.url}/objections",
        headers=b["andalas"].headers,
        data={"grounds": "Pengalaman kerja pemenang tidak sesuai dengan syarat kualifikasi di LDP."},
        files={"files": ("bukti.pdf", b"%PDF-1.7 bukti", PDF)},
    )
    objection_id = ok(objection)["id"]
    assert objection.json()["files"][0]["name"] == "bukti.pdf"
    again = await client.post(
        f"{desk.url}/objections", headers=b["andalas"].headers, data={"grounds": "Sanggahan kedua " * 3}
    )
    assert again.status_code == 409  # one objection per bidder
    outsider = await client.post(
        f"{desk.url}/objections",
        headers=b["fajar"].headers,
        data={"grounds": "Saya tidak ikut tetapi keberatan."},
    )
    assert outsider.status_code == 403  # not a bidder
    letter = {"number": f"SPPBJ/{where.code}/001"}
    assert (await desk.post("award-letter", where.ppk, letter)).status_code == 409  # period still running
    answer = {"answer": "Pengalaman pemenang telah diverifikasi sesuai LDP.", "upheld": False}
    assert (await desk.post(f"objections/{objection_id}/answer", where.ppk, answer)).status_code == 403
    answered = ok(await desk.post(f"objections/{objection_id}/answer", where.pokja, answer))
    assert answered["upheld"] is False

    await end_objection_period(engine, where.schema, desk.tender_id)
    late = await client.post(
        f"{desk.url}/objections",
        headers=b["bromo"].headers,
        data={"grounds": "Sanggahan yang terlambat sekali."},
    )
    assert late.status_code == 409  # after the period
    assert (await desk.post("award-letter", where.pokja, letter)).status_code == 403  # the PPK issues it
    issued = ok(await desk.post("award-letter", where.ppk, letter))
    assert issued["status"] == "award_letter"
    assert issued["awards"][0]["letter"]["number"] == letter["number"]
    assert issued["stage"] == "contract_signing"
    assert issued["contract"] is None  # the contract shows once signed
    assert issued["results"]["winner"] == b["cendana"].vendor_id  # the results stay public

    contract = {
        "number": f"HK.02.03/{where.code}/2026",
        "value": 2_280_000_001,
        "signed_on": today(),
        "starts_on": today(),
        "ends_on": "2026-12-31",
    }
    above = await desk.post("contract", where.ppk, contract)
    assert above.status_code == 400
    assert above.json()["field"] == "value"
    assert (await desk.post("contract", where.pokja, {**contract, "value": 2_280_000_000})).status_code == 403
    signed = ok(await desk.post("contract", where.ppk, {**contract, "value": 2_250_000_000}))
    assert signed["status"] == "contracted"
    assert signed["stage"] == "contracted"
    assert signed["contract"]["value"] == 2_250_000_000
    assert signed["contract"]["vendor_id"] == b["cendana"].vendor_id
    return desk


async def test_a_lowest_price_tender_from_opening_to_contract(
    client: Client, province: Province, clean_identity: AsyncEngine
) -> None:
    desk = await lowest_price_tender(client, clean_identity, province.malang, province)
    auditor = bearer(client, await person(clean_identity, "auditor", "kab-malang"))
    log = (await client.get(f"{province.malang.base}/audit", params={"limit": 1000}, headers=auditor)).json()
    actions = [entry["action"] for entry in log if entry["subject"] == f"tender:{desk.tender_id}"]
    for step in (
        "evaluation.assessed",
        "evaluation.verified",
        "award.decided",
        "award.announced",
        "objection.lodged",
        "objection.answered",
        "award.letter_issued",
        "contract.signed",
    ):
        assert step in actions
    assert (
        actions.index("award.decided") < actions.index("award.announced") < actions.index("contract.signed")
    )
    verification = await client.get(f"{province.malang.base}/audit/verification", headers=auditor)
    assert verification.json()["ok"] is True


async def test_the_same_scenario_in_two_tenants_at_once_stays_in_each(
    client: Client, province: Province, clean_identity: AsyncEngine
) -> None:
    malang, blitar = await asyncio.gather(
        lowest_price_tender(client, clean_identity, province.malang, province),
        lowest_price_tender(client, clean_identity, province.blitar, province),
    )
    for desk, other in ((malang, blitar), (blitar, malang)):
        tenders = (await client.get(f"{desk.regency.base}/tenders")).json()
        assert [t["tenant"] for t in tenders] == [desk.regency.slug]
        assert tenders[0]["contract"]["number"].endswith(f"/{desk.regency.code}/2026")
        evaluation = await client.get(f"{desk.url}/evaluation", headers=other.regency.pokja)
        assert evaluation.status_code == 403  # the other tenant's committee sees nothing of it


async def test_a_merit_point_tender_ranks_by_combined_score_and_an_upheld_objection_reopens_it(
    client: Client, province: Province, clean_identity: AsyncEngine
) -> None:
    b, where = province.bidders, province.malang
    desk = Desk(client, clean_identity, where)
    criteria = {
        "technical": [{"name": "Metodologi", "weight": 60}, {"name": "Tenaga ahli", "weight": 40}],
        "technical_weight": 70,
        "price_weight": 30,
        "passing_score": 60,
    }
    announced = await desk.announce(
        "Pengadaan Alat Berat",
        owner_estimate=1_000_000_000,
        evaluation="merit_point",
        criteria=criteria,
        category="goods",
    )
    assert announced["criteria"]["technical_weight"] == 70  # the weights are public from the announcement
    await desk.bids({b["andalas"]: 900_000_000, b["bromo"]: 800_000_000, b["cendana"]: 700_000_000})
    await desk.open()
    await desk.pass_all(
        b["andalas"], b["bromo"], b["cendana"], aspects=("administrative", "qualification", "price")
    )

    def technical(
        bidder: Bidder, method: int, staff: int, passed: bool = True, reason: str = ""
    ) -> dict[str, object]:
        scores = {"Metodologi": method, "Tenaga ahli": staff}
        return {
            "vendor_id": bidder.vendor_id,
            "aspect": "technical",
            "passed": passed,
            "scores": scores,
            "reason": reason,
        }

    below = await desk.assess(technical(b["cendana"], 50, 50))
    assert below.status_code == 400  # a technical score of 50 cannot pass against 60
    unscored = await desk.assess({"vendor_id": b["andalas"].vendor_id, "aspect": "technical", "passed": True})
    assert unscored.status_code == 400
    assert unscored.json()["field"] == "scores"
    # cendana: technical 55 fails (below 60) though cheapest; the lowest passing price is then bromo's
    # andalas: technical 90 -> 0.7*90 + 0.3*(100*800/900) = 63 + 26.67 = 89.67
    # bromo:   technical 80 -> 0.7*80 + 0.3*(100*800/800) = 56 + 30    = 86.00
    stands = dict(
        ok(
            await desk.assess(
                technical(b["andalas"], 90, 90),
                technical(b["bromo"], 80, 80),
                technical(b["cendana"], 55, 55, False, "Nilai teknis di bawah ambang batas"),
            )
        )
    )
    ranked = [(x["vendor_id"], x["combined_score"]) for x in stands["bidders"] if x["rank"]]
    assert ranked == [(b["andalas"].vendor_id, 89.67), (b["bromo"].vendor_id, 86.0)]
    ok(
        await desk.post(
            "qualification-verifications", where.pokja, {"vendor_id": b["andalas"].vendor_id, "passed": True}
        )
    )
    ok(await desk.post("award", where.pokja, {"vendor_id": b["andalas"].vendor_id}))
    ok(await desk.post("award-announcement", where.pokja))

    objection = await client.post(
        f"{desk.url}/objections",
        headers=b["cendana"].headers,
        data={"grounds": "Penilaian metodologi kami keliru: dokumen metodologi ada di halaman 12."},
    )
    upheld = {"answer": "Sanggahan diterima: metodologi dinilai ulang.", "upheld": True}
    reopened = ok(await desk.post(f"objections/{ok(objection)['id']}/answer", where.pokja, upheld))
    assert reopened["upheld"] is True
    public = await desk.public()
    assert (public["status"], public["round"]) == ("opened", 2)
    assert public["awards"][0]["withdrawn_at"] is not None  # the first award, withdrawn in public
    # cendana re-scored 95: 0.7*95 + 0.3*100 = 96.5, now first
    stands = dict(ok(await desk.assess(technical(b["cendana"], 95, 95))))
    assert stands["leader"] == b["cendana"].vendor_id
    assert stands["round"] == 2
    ok(
        await desk.post(
            "qualification-verifications", where.pokja, {"vendor_id": b["cendana"].vendor_id, "passed": True}
        )
    )
    ok(await desk.post("award", where.pokja, {"vendor_id": b["cendana"].vendor_id}))
    second = ok(await desk.post("award-announcement", where.pokja))
    assert second["results"]["round"] == 2
    assert second["results"]["winner"] == b["cendana"].vendor_id
    new_objection = await client.post(
        f"{desk.url}/objections",
        headers=b["andalas"].headers,
        data={"grounds": "Kami keberatan atas penilaian ulang yang dilakukan panitia."},
    )
    assert new_objection.status_code == 201  # a new award opens a new period, one objection each again


async def test_a_failed_tender_publishes_why_and_is_retendered(
    client: Client, province: Province, clean_identity: AsyncEngine
) -> None:
    b, where = province.bidders, province.malang
    desk = Desk(client, clean_identity, where)
    await desk.announce("Pembangunan Gedung Puskesmas Dau", owner_estimate=500_000_000)
    await desk.bids({b["andalas"]: 480_000_000, b["bromo"]: 520_000_000})
    await desk.open()
    await desk.pass_all(b["andalas"], b["bromo"], aspects=("administrative",))
    ok(
        await desk.assess(
            {
                "vendor_id": b["andalas"].vendor_id,
                "aspect": "qualification",
                "passed": False,
                "reason": "SBU tidak sesuai subklasifikasi",
            }
        )
    )
    stands = dict(
        ok(
            await desk.assess(
                {"vendor_id": b["bromo"].vendor_id, "aspect": "qualification", "passed": True},
                {"vendor_id": b["bromo"].vendor_id, "aspect": "technical", "passed": True},
            )
        )
    )
    assert stands["complete"] is True
    assert stands["leader"] is None
    nobody = await desk.post("award", where.pokja, {"vendor_id": b["bromo"].vendor_id})
    assert nobody.status_code == 409
    assert "gagal tender" in nobody.json()["detail"]
    failed = ok(
        await desk.post("failure", where.pokja, {"reason": "Tidak ada penawaran yang lulus evaluasi"})
    )
    assert failed["status"] == "failed"
    assert failed["failed"]["reason"] == "Tidak ada penawaran yang lulus evaluasi"
    stages = {x["vendor_id"]: x["failed_stage"] for x in failed["results"]["bidders"]}
    assert stages == {b["andalas"].vendor_id: "qualification", b["bromo"].vendor_id: "price"}

    package_id = failed["package"]["id"]
    retender = ok(await desk.post("retender", where.pokja, {"schedule": schedule()}))
    assert retender["retender_of"] == desk.tender_id
    assert retender["status"] == "draft"
    assert retender["package"]["id"] == package_id
    assert (await desk.public())["retendered_as"] == retender["id"]
    twice = await desk.post("retender", where.pokja, {"schedule": schedule()})
    assert twice.status_code == 409
    parallel = await client.post(
        f"{where.base}/tenders",
        headers=where.pokja,
        json={"package_id": package_id, "evaluation": "lowest_price", "schedule": schedule()},
    )
    assert parallel.status_code == 409  # one live tender per package


async def test_a_direct_procurement_from_invitation_to_contract(
    client: Client, province: Province, clean_identity: AsyncEngine
) -> None:
    b, where = province.bidders, province.malang
    package = await create_package(
        client,
        where,
        "Pengadaan Komputer Kantor Kecamatan",
        owner_estimate=150_000_000,
        method="direct_procurement",
        category="goods",
    )
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    invitation = {"package_id": package["id"], "vendor_id": b["bromo"].vendor_id, "offer_deadline": deadline}
    assert (
        await client.post(f"{where.base}/direct-procurements", headers=where.pokja, json=invitation)
    ).status_code == 403
    invited = ok(
        await client.post(f"{where.base}/direct-procurements", headers=where.officer, json=invitation)
    )
    assert invited["status"] == "announced"
    assert invited["direct_procurement"]["invited_vendor_id"] == b["bromo"].vendor_id
    desk = Desk(client, clean_identity, where, invited["id"], invited["tender_key"])
    assert (await client.post(f"{desk.url}/registrations", headers=b["andalas"].headers)).status_code == 403
    assert (await desk.bid(b["andalas"], 100_000_000)).status_code == 403  # only the invited vendor offers
    ok(await desk.bid(b["bromo"], 149_000_000))
    await advance(clean_identity, where.schema, desk.tender_id, "bid_opening")
    assert (await desk.post("opening", where.pokja)).status_code == 403  # the procurement officer opens it
    opened = ok(await desk.post("opening", where.officer))
    assert opened["bids"][0]["price"] == 149_000_000
    above = await desk.post("negotiations", where.officer, {"price": 149_500_000, "notes": "Tawar menawar"})
    assert above.status_code == 400
    assert (await desk.post("award", where.officer, {"vendor_id": b["bromo"].vendor_id})).status_code == 409
    ok(
        await desk.post(
            "negotiations", where.officer, {"price": 142_000_000, "notes": "Sepakat setelah klarifikasi"}
        )
    )
    assert (await desk.post("award", where.officer, {"vendor_id": b["andalas"].vendor_id})).status_code == 409
    award = ok(await desk.post("award", where.officer, {"vendor_id": b["bromo"].vendor_id}))
    assert award["price"] == 142_000_000
    public = await desk.public()
    assert public["awards"][0]["price"] == 142_000_000  # a direct award is public when decided
    assert (await desk.post("award-announcement", where.officer)).status_code == 409
    contract = {
        "number": "SPK/3507/PL/001",
        "value": 142_000_000,
        "signed_on": today(),
        "starts_on": today(),
        "ends_on": "2026-12-31",
    }
    signed = ok(await desk.post("contract", where.ppk, contract))
    assert signed["status"] == "contracted"
    assert signed["contract"]["value"] == 142_000_000


async def test_the_objection_period_is_set_per_tender_within_the_tenants_limits(
    client: Client, province: Province
) -> None:
    where = province.malang
    assert (await client.get(f"{where.base}/procurement-rules")).json()["objection_default_days"] == 5
    limits = {"objection_min_days": 3, "objection_max_days": 7, "objection_default_days": 5}
    assert (
        await client.put(f"{where.base}/procurement-rules", headers=where.pokja, json=limits)
    ).status_code == 403
    bad = {**limits, "objection_min_days": 8}
    assert (
        await client.put(f"{where.base}/procurement-rules", headers=where.admin, json=bad)
    ).status_code == 400
    ok(await client.put(f"{where.base}/procurement-rules", headers=where.admin, json=limits), 200)
    package = await create_package(
        client,
        where,
        "Jasa Kebersihan Kantor",
        owner_estimate=290_000_000,
        method="tender",
        category="other_services",
    )
    body = {"package_id": package["id"], "evaluation": "lowest_price", "schedule": schedule()}
    too_long = await client.post(
        f"{where.base}/tenders", headers=where.pokja, json={**body, "objection_days": 10}
    )
    assert too_long.status_code == 400
    assert too_long.json()["field"] == "objection_days"
    created = ok(
        await client.post(f"{where.base}/tenders", headers=where.pokja, json={**body, "objection_days": 7})
    )
    assert created["objection_days"] == 7
