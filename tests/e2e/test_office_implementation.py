"""The PPK's page of a signed contract's implementation (e-monev) in the office, over HTTP as a browser
drives it: a direct procurement of Kabupaten Malang signed at Rp142.000.000 through the API, then its
progress, a payment, a milestone met and an amendment recorded through the page's forms (the API's
services: the same record the API reads); a payment above the value refused next to its field with
nothing written; the committee's member refused on the page and on the forms' POSTs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Client, Desk, Regency, advance, ok, package, person, regency, vendor
from tests.e2e.test_award_flow import today
from tests.e2e.web_session import csrf_of, email_of_account, log_in

pytestmark = pytest.mark.horizon  # a contract's changes write to the feed other workers' tests read

PAKET = "/kantor/kab-malang/paket"


async def signed_contract(web: Client, engine: AsyncEngine, malang: Regency) -> tuple[Desk, int]:
    """A direct procurement awarded at Rp142.000.000 and its contract signed today, through the API."""
    verifier = await person(engine, "verifier", "kab-malang")
    bromo = await vendor(web, engine, "bromo", "3507", verifier, "kab-malang")
    created = await package(
        web, malang, "Pengadaan Komputer Kantor Kecamatan", owner_estimate=150_000_000,
        method="direct_procurement", category="goods",
    )  # fmt: skip
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    invitation = {"package_id": created["id"], "vendor_id": bromo.vendor_id, "offer_deadline": deadline}
    invited = ok(
        await web.post(f"{malang.base}/direct-procurements", headers=malang.officer, json=invitation)
    )
    desk = Desk(web, engine, malang, invited["id"], invited["tender_key"])
    ok(await desk.bid(bromo, 149_000_000))
    await advance(engine, malang.schema, desk.tender_id, "bid_opening")
    ok(await desk.post("opening", malang.officer))
    ok(await desk.post("negotiations", malang.officer, {"price": 142_000_000, "notes": "Sepakat"}))
    ok(await desk.post("award", malang.officer, {"vendor_id": bromo.vendor_id}))
    ends = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    contract = {"number": "SPK/3507/PL/001", "value": 142_000_000, "signed_on": today(), "starts_on": today()}
    ok(await desk.post("contract", malang.ppk, {**contract, "ends_on": ends}))
    return desk, created["id"]


async def send(web: Client, page: str, action: str, fields: dict[str, str]) -> httpx.Response:
    """A form of ``page`` filled and sent to ``action``, as a browser does."""
    shown = await web.get(page)
    assert shown.status_code == 200, shown.text
    return await web.post(action, data={**fields, "csrf": csrf_of(shown)})


async def test_a_ppk_records_the_contracts_implementation_through_the_page(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    desk, package_id = await signed_contract(web, engine, malang)
    ppk = await person(engine, "commitment_officer", "kab-malang")
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, ppk), start=PAKET)
    here = f"{PAKET}/{package_id}/tender/{desk.tender_id}/pelaksanaan"

    assert f'href="{here}"' in (await web.get(f"{PAKET}/{package_id}")).text
    page = await web.get(here)
    assert page.status_code == 200, page.text
    assert "Pelaksanaan kontrak" in page.text
    assert "Rp142.000.000" in page.text
    assert "Belum ada catatan." in page.text
    elsewhere = f"{PAKET}/{package_id}/tender/{desk.tender_id + 100}/pelaksanaan"
    assert (await web.get(elsewhere)).status_code == 404
    assert (await send(web, here, f"{here}/lainnya", {})).status_code == 404

    progress = {"progres-percent": "45,5", "progres-reported_on": today(), "progres-note": "Barang tiba"}
    reported = await send(web, here, f"{here}/progres", progress)
    assert reported.status_code == 303, reported.text
    assert reported.headers["location"] == f"{here}#progres"
    backwards = await send(web, here, f"{here}/progres", {**progress, "progres-percent": "30"})
    assert backwards.status_code == 400
    assert re.search(r'id="e-progres-reason">[^<]*give the reason', backwards.text)

    above = await send(
        web, here, f"{here}/pembayaran", {"pembayaran-amount": "200.000.000", "pembayaran-paid_on": today()}
    )
    assert above.status_code == 400
    assert re.search(r'id="e-pembayaran-amount">[^<]*above the contract', above.text)
    assert 'value="200.000.000"' in above.text  # the values are kept
    assert ok(await web.get(f"{desk.url}/contract/implementation"), 200)["payments"] == []  # nothing written
    paid = await send(
        web, here, f"{here}/pembayaran", {"pembayaran-amount": "50.000.000", "pembayaran-paid_on": today()}
    )
    assert paid.status_code == 303, paid.text

    due = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    added = await send(
        web, here, f"{here}/tahapan", {"tahapan-title": "Serah terima barang", "tahapan-due_on": due}
    )
    assert added.status_code == 303, added.text
    page = await web.get(here)
    met_form = re.search(rf'action="{here}/tercapai/(\d+)"', page.text)
    assert met_form is not None, page.text
    milestone = met_form.group(1)
    met = await send(web, here, f"{here}/tercapai/{milestone}", {f"met-{milestone}": today()})
    assert met.status_code == 303, met.text
    again = await send(web, here, f"{here}/tercapai/{milestone}", {f"met-{milestone}": today()})
    assert again.status_code == 409
    assert "was met already" in again.text

    amendment = {
        "adendum-value": "150.000.000",
        "adendum-signed_on": today(),
        "adendum-reason": "Tambah volume",
    }
    amended = await send(web, here, f"{here}/adendum", amendment)
    assert amended.status_code == 303, amended.text

    page = await web.get(here)
    assert "45,5%" in page.text
    assert "Barang tiba" in page.text
    assert "Rp50.000.000" in page.text
    assert "Rp150.000.000" in page.text
    assert "33,3%" in page.text  # absorption: 50 of the 150 million now
    assert "Tandai tercapai" not in page.text  # the one milestone is met
    recorded = ok(await web.get(f"{desk.url}/contract/implementation"), 200)  # the API's record, the same
    assert [p["amount"] for p in recorded["payments"]] == [50_000_000]
    assert recorded["milestones"][0]["met_on"] == today()
    assert recorded["value"] == 150_000_000
    assert len(recorded["progress"]) == 1


async def test_the_committee_is_refused_the_page_and_its_forms(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    desk, package_id = await signed_contract(web, engine, malang)
    member = await person(engine, "selection_committee", "kab-malang")
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, member), start="/kantor/kab-malang")
    csrf = csrf_of(await web.get("/kantor/kab-malang"))
    here = f"{PAKET}/{package_id}/tender/{desk.tender_id}/pelaksanaan"
    refused = await web.get(here)
    assert refused.status_code == 403
    assert "untuk PPK" in refused.text
    fields = {"csrf": csrf, "pembayaran-amount": "1000", "pembayaran-paid_on": today(), "met-1": today()}
    for action in ("progres", "pembayaran", "tahapan", "adendum", "tercapai/1"):
        assert (await web.post(f"{here}/{action}", data=fields)).status_code == 403, action
    assert ok(await web.get(f"{desk.url}/contract/implementation"), 200)["payments"] == []
