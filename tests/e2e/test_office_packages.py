"""The commitment officer's (PPK) pages of the office (``/kantor/{slug}/paket``) over HTTP, as a
browser drives them: a package created through its form (the API's refusals next to their fields,
the values kept), its tender driven through the API to the award, then the letter of award and the
contract through the pages, refused before the objection period ends and above the award; a direct
procurement from its award to the contract, with no letter; the committee's member and another
regency's PPK refused on the pages and on the POSTs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import (
    Client,
    Desk,
    Regency,
    advance,
    end_objection_period,
    ok,
    person,
    regency,
    schedule,
    vendor,
)
from tests.e2e.test_award_flow import today
from tests.e2e.web_session import csrf_of, email_of_account, log_in

pytestmark = pytest.mark.horizon  # announcing a tender writes to the feed other workers' tests read

PAKET = "/kantor/kab-malang/paket"
TITLE = "Rehabilitasi Gedung Puskesmas Kepanjen"


def package_form(agency_id: int, **changes: str) -> dict[str, str]:
    fields = {
        "agency_id": str(agency_id),
        "title": TITLE,
        "fiscal_year": "2026",
        "category": "construction",
        "method": "tender",
        "budget": "1.100.000.000",
        "owner_estimate": "1.000.000.000",
        "kbli": "41012, 43290",
        "location": "Kec. Kepanjen",
    }
    return {**fields, **changes}


async def post_form(web: Client, path: str, fields: dict[str, str]) -> httpx.Response:
    form = await web.get(path)
    assert form.status_code == 200, form.text
    return await web.post(path, data={**fields, "csrf": csrf_of(form)})


async def tender_the_package(desk: Desk, package_id: int) -> None:
    """The committee puts the PPK's package to tender and announces it, through the API."""
    r = desk.regency
    body = {"package_id": package_id, "evaluation": "lowest_price", "schedule": schedule()}
    desk.tender_id = ok(await desk.client.post(f"{r.base}/tenders", headers=r.pokja, json=body))["id"]
    desk.tender_key = ok(await desk.client.post(f"{desk.url}/announcement", headers=r.pokja))["tender_key"]


async def awarded(web: Client, engine: AsyncEngine, malang: Regency, package_id: int) -> Desk:
    """The package (its HPS Rp1.000.000.000 or more) tendered, bid on, the cheaper bid (Rp950.000.000)
    awarded and the award announced: the objection period runs."""
    verifier = await person(engine, "verifier", "kab-malang")
    arum = await vendor(web, engine, "arum", "3507", verifier, "kab-malang")
    bayu = await vendor(web, engine, "bayu", "3507", verifier, "kab-malang")
    desk = Desk(web, engine, malang)
    await tender_the_package(desk, package_id)
    await desk.bids({arum: 950_000_000, bayu: 970_000_000})
    await desk.open()
    await desk.pass_all(arum, bayu)
    first = {"vendor_id": arum.vendor_id}
    ok(await desk.post("qualification-verifications", malang.pokja, {**first, "passed": True}))
    ok(await desk.post("award", malang.pokja, first))
    ok(await desk.post("award-announcement", malang.pokja))
    return desk


async def test_a_ppk_creates_a_package_and_issues_the_letter_and_the_contract(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    ppk = await person(engine, "commitment_officer", "kab-malang")
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, ppk), start=PAKET)

    empty = await web.get(PAKET)
    assert empty.status_code == 200
    assert "Belum ada paket di LPSE ini." in empty.text
    assert 'href="/kantor/kab-malang/paket/baru"' in empty.text

    above = await post_form(
        web, f"{PAKET}/baru", package_form(malang.agency_id, owner_estimate="1.200.000.000")
    )
    assert above.status_code == 400
    assert 'id="e-owner_estimate"' in above.text
    assert "cannot exceed the budget" in above.text
    assert f'value="{TITLE}"' in above.text  # the values are kept
    bad_kbli = await post_form(web, f"{PAKET}/baru", package_form(malang.agency_id, kbli="4101"))
    assert bad_kbli.status_code == 400
    assert 'id="e-kbli"' in bad_kbli.text
    not_rupiah = await post_form(web, f"{PAKET}/baru", package_form(malang.agency_id, budget="satu miliar"))
    assert not_rupiah.status_code == 400
    assert 'id="e-budget"' in not_rupiah.text

    created = await post_form(web, f"{PAKET}/baru", package_form(malang.agency_id))
    assert created.status_code == 303, created.text
    package_path = created.headers["location"]
    package_id = int(package_path.rsplit("/", 1)[1])
    page = await web.get(package_path)
    assert page.status_code == 200
    assert TITLE in page.text
    assert "Rp1.100.000.000" in page.text  # the budget (pagu)
    assert "41012, 43290" in page.text
    assert "Belum ditenderkan" in page.text

    desk = await awarded(web, engine, malang, package_id)
    assert (await web.get(f"{package_path}/tender/{desk.tender_id}/lainnya")).status_code == 404
    assert (await web.get(f"{PAKET}/{package_id}/tender/{desk.tender_id + 100}/sppbj")).status_code == 404
    assert (await web.get(f"{PAKET}/{package_id + 100}")).status_code == 404
    letter_path = f"{package_path}/tender/{desk.tender_id}/sppbj"
    early = await post_form(web, letter_path, {"number": "027/SPPBJ/35.07/2026"})
    assert early.status_code == 409
    assert "the objection period runs until" in early.text
    assert 'value="027/SPPBJ/35.07/2026"' in early.text
    listed = await web.get(PAKET)
    assert "SPPBJ dapat diterbitkan" not in listed.text  # the objection period still runs

    await end_objection_period(engine, malang.schema, desk.tender_id)
    listed = await web.get(PAKET)
    assert f'href="{letter_path}">SPPBJ dapat diterbitkan' in listed.text
    letter = await post_form(web, letter_path, {"number": "027/SPPBJ/35.07/2026"})
    assert letter.status_code == 303, letter.text
    assert letter.headers["location"] == f"{package_path}#tender-{desk.tender_id}"
    page = await web.get(package_path)
    assert "SPPBJ terbit" in page.text
    assert "027/SPPBJ/35.07/2026" in page.text

    contract_path = f"{package_path}/tender/{desk.tender_id}/kontrak"
    form = await web.get(contract_path)
    assert 'value="950000000"' in form.text  # the award's price offered as the value
    contract = {
        "number": "HK.02.03/PKM/2026",
        "signed_on": today(),
        "starts_on": today(),
        "ends_on": "2026-12-31",
    }
    too_much = await post_form(web, contract_path, {**contract, "value": "960.000.000"})
    assert too_much.status_code == 400
    assert re.search(r'id="e-value">[^<]*exceeds the awarded price', too_much.text)
    assert 'value="HK.02.03/PKM/2026"' in too_much.text
    backwards = await post_form(
        web, contract_path, {**contract, "value": "950.000.000", "ends_on": "2020-01-01"}
    )
    assert backwards.status_code == 400
    assert 'id="e-ends_on"' in backwards.text
    signed = await post_form(web, contract_path, {**contract, "value": "945.000.000"})
    assert signed.status_code == 303, signed.text
    page = await web.get(package_path)
    assert "HK.02.03/PKM/2026" in page.text
    assert "Rp945.000.000" in page.text
    assert "CV Arum" in page.text
    assert "Berkontrak" in page.text
    assert (await web.get(PAKET, params={"lang": "en"})).text.count("Contracted") >= 1

    public = await desk.public()
    assert public["contract"]["number"] == "HK.02.03/PKM/2026"  # the API's record, the same


async def test_the_committee_and_another_regency_are_refused(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    await regency(web, engine, "kota-batu", "3579")
    member = await person(engine, "selection_committee", "kab-malang")
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, member), start="/kantor/kab-malang")
    office = await web.get("/kantor/kab-malang")
    csrf = csrf_of(office)  # the logout form carries the session's token
    for path in (
        PAKET,
        f"{PAKET}/baru",
        f"{PAKET}/1",
        f"{PAKET}/1/tender/1/sppbj",
        f"{PAKET}/1/tender/1/kontrak",
    ):
        refused = await web.get(path)
        assert refused.status_code == 403, path
        assert "untuk PPK" in refused.text
    for path in (f"{PAKET}/baru", f"{PAKET}/1/tender/1/sppbj", f"{PAKET}/1/tender/1/kontrak"):
        posted = await web.post(path, data={**package_form(malang.agency_id), "csrf": csrf, "number": "X/1"})
        assert posted.status_code == 403, path

    other = await person(engine, "commitment_officer", "kota-batu")
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, other), start="/kantor/kota-batu/paket")
    assert (await web.get("/kantor/kota-batu/paket")).status_code == 200
    elsewhere = await web.get(PAKET)
    assert elsewhere.status_code == 403
    assert "Anda tidak memegang peran di LPSE ini" in elsewhere.text
    mine = await web.get("/kantor/kota-batu/paket/baru")
    sneaked = await web.post(f"{PAKET}/baru", data={**package_form(malang.agency_id), "csrf": csrf_of(mine)})
    assert sneaked.status_code == 403


async def test_a_direct_procurement_goes_from_its_award_to_the_contract_without_a_letter(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bromo = await vendor(web, engine, "bromo", "3507", verifier, "kab-malang")
    ppk = await person(engine, "commitment_officer", "kab-malang")
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, ppk), start=PAKET)
    computers = package_form(
        malang.agency_id,
        title="Pengadaan Komputer Kantor Kecamatan",
        category="goods",
        method="direct_procurement",
        budget="160.000.000",
        owner_estimate="150.000.000",
    )
    created = await post_form(web, f"{PAKET}/baru", computers)
    assert created.status_code == 303, created.text
    package_path = created.headers["location"]
    package_id = int(package_path.rsplit("/", 1)[1])

    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    invitation = {"package_id": package_id, "vendor_id": bromo.vendor_id, "offer_deadline": deadline}
    invited = ok(
        await web.post(f"{malang.base}/direct-procurements", headers=malang.officer, json=invitation)
    )
    desk = Desk(web, engine, malang, invited["id"], invited["tender_key"])
    ok(await desk.bid(bromo, 149_000_000))
    await advance(engine, malang.schema, desk.tender_id, "bid_opening")
    ok(await desk.post("opening", malang.officer))
    agreed = {"price": 142_000_000, "notes": "Sepakat setelah klarifikasi"}
    ok(await desk.post("negotiations", malang.officer, agreed))
    ok(await desk.post("award", malang.officer, {"vendor_id": bromo.vendor_id}))

    listed = await web.get(PAKET)
    contract_path = f"{package_path}/tender/{desk.tender_id}/kontrak"
    assert f'href="{contract_path}">Kontrak dapat ditandatangani' in listed.text
    no_letter = await post_form(web, f"{package_path}/tender/{desk.tender_id}/sppbj", {"number": "SPPBJ/9"})
    assert no_letter.status_code == 409
    assert "without a letter of award" in no_letter.text
    contract = {
        "number": "SPK/3507/PL/001",
        "value": "142.000.000",
        "signed_on": today(),
        "starts_on": today(),
    }
    signed = await post_form(web, contract_path, {**contract, "ends_on": "2026-12-31"})
    assert signed.status_code == 303, signed.text
    page = await web.get(package_path)
    assert "SPK/3507/PL/001" in page.text
    assert "Pengadaan langsung" in page.text


async def test_a_ppk_names_the_plan_item_and_the_page_says_what_is_left_of_its_ceiling(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    item = {
        "rup_code": "40123456", "agency_id": malang.agency_id, "fiscal_year": 2026,
        "name": "Rehabilitasi Puskesmas", "ceiling": 1_500_000_000, "funding_source": "APBD",
        "budget_line": "5.2.03.03.01.0001",
        "category": "construction", "method": "tender", "selection_from": "2026-03",
    }  # fmt: skip
    ok(await web.post(f"{malang.base}/plans", headers=malang.ppk, json=[item]))
    ppk = await person(engine, "commitment_officer", "kab-malang")
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, ppk), start=PAKET)
    unknown = await post_form(web, f"{PAKET}/baru", package_form(malang.agency_id, plan_rup_code="999"))
    assert unknown.status_code == 400
    assert 'id="e-plan_rup_code"' in unknown.text
    created = await post_form(web, f"{PAKET}/baru", package_form(malang.agency_id, plan_rup_code="40123456"))
    assert created.status_code == 303, created.text
    over = await post_form(web, f"{PAKET}/baru", package_form(malang.agency_id, plan_rup_code="40123456"))
    assert over.status_code == 409
    assert "400000000 of 1500000000 rupiah" in over.text  # Rp1.1 billion taken of 1.5
    left = ok(await web.get(f"{malang.base}/plans/40123456"), 200)
    assert left["left"] == 400_000_000
