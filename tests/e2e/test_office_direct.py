"""The procurement officer's direct procurement in the office (``/kantor/{slug}/langsung``), driven
as a browser drives it: invite a verified vendor found by name, see the sealed offer arrive, open
it after its deadline, negotiate, award; the commitment officer's contract ends it. Refusals are the
services' own, shown next to their field; other roles and other regencies get 403."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Client, Desk, advance, ok, package, person, regency, vendor
from tests.e2e.web_session import csrf_of, email_of_account, log_in

pytestmark = pytest.mark.horizon  # an invitation is published to the feed other workers' tests read

WIB = ZoneInfo("Asia/Jakarta")
PAGE = "/kantor/kab-malang/langsung"


def local_input(moment: datetime) -> str:
    """A ``datetime-local`` field's value in the regency's time (WIB)."""
    return moment.astimezone(WIB).strftime("%Y-%m-%dT%H:%M")


async def test_a_direct_procurement_from_invitation_to_award_through_the_pages(
    web: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    bromo = await vendor(web, engine, "bromo", "3507", verifier, "kab-malang")
    title = "Pengadaan Komputer Kantor Kecamatan"
    created = await package(
        web, malang, title, owner_estimate=150_000_000, method="direct_procurement", category="goods"
    )
    officer = await person(engine, "procurement_officer", "kab-malang")
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, officer), start=PAGE)

    listed = await web.get(PAGE, params={"cari": "bromo"})
    assert listed.status_code == 200
    assert title in listed.text
    assert f'value="{bromo.vendor_id}"' in listed.text  # found by name among verified vendors
    assert "Belum ada pengadaan langsung" in listed.text
    csrf = csrf_of(listed)
    fields = {"csrf": csrf, "package_id": str(created["id"]), "vendor_id": str(bromo.vendor_id)}

    past = await web.post(PAGE, data={**fields, "offer_deadline": local_input(datetime.now(UTC))})
    assert past.status_code == 400
    assert 'id="e-offer_deadline"' in past.text
    assert "1 hour to 30 days" in past.text  # the service's own sentence, next to the field
    garbled = await web.post(PAGE, data={**fields, "offer_deadline": "besok pagi"})
    assert garbled.status_code == 400
    assert 'id="e-offer_deadline"' in garbled.text

    deadline = datetime.now(UTC) + timedelta(days=2)
    invited = await web.post(PAGE, data={**fields, "offer_deadline": local_input(deadline)})
    assert invited.status_code == 303, invited.text
    where = invited.headers["location"]
    tender_id = int(where.rsplit("/", 1)[1])
    again = await web.post(PAGE, data={**fields, "offer_deadline": local_input(deadline)})
    assert again.status_code == 409  # one live procurement per package: the service says so
    assert "Tidak ada paket pengadaan langsung yang menunggu" in again.text

    shown = await web.get(where)
    assert shown.status_code == 200
    assert "Diumumkan" in shown.text
    assert bromo.name in shown.text

    public = ok(await web.get(f"{malang.base}/tenders/{tender_id}"), 200)
    desk = Desk(web, engine, malang, tender_id, public["tender_key"])
    ok(await desk.bid(bromo, 149_000_000))
    early = await web.post(f"{where}/buka", data={"csrf": csrf})
    assert early.status_code == 409  # sealed until its deadline
    await advance(engine, malang.schema, tender_id, "bid_opening")
    assert (await web.post(f"{where}/buka", data={"csrf": csrf})).status_code == 303
    opened = await web.get(where)
    assert "Rp149.000.000" in opened.text

    above = await web.post(
        f"{where}/negosiasi", data={"csrf": csrf, "price": "149.500.000", "notes": "Tawar"}
    )
    assert above.status_code == 400
    assert 'id="e-price"' in above.text
    assert 'value="149.500.000"' in above.text  # what was typed is kept
    agreed = {"csrf": csrf, "price": "142.000.000", "notes": "Sepakat setelah klarifikasi"}
    assert (await web.post(f"{where}/negosiasi", data=agreed)).status_code == 303
    assert (await web.post(f"{where}/batalkan", data={"csrf": csrf})).status_code == 404  # no such step
    assert (await web.post(f"{where}/tetapkan", data={"csrf": csrf})).status_code == 303
    awarded = await web.get(where)
    assert "Rp142.000.000" in awarded.text
    assert "Pemenang ditetapkan" in awarded.text
    assert "PPK menandatangani kontrak" in awarded.text

    today = datetime.now(WIB).date().isoformat()
    contract = {"number": "SPK/3507/PL/001", "value": 142_000_000, "signed_on": today, "starts_on": today}
    ok(await desk.post("contract", malang.ppk, {**contract, "ends_on": "2026-12-31"}))
    done = await web.get(where)
    assert "Berkontrak" in done.text
    assert "Pengadaan ini telah selesai" in done.text
    assert f'href="{where}"' in (await web.get(PAGE)).text
    english = await web.get(where, params={"lang": "en"})
    assert "This procurement is finished." in english.text
    assert "Contracted" in english.text


async def test_other_roles_and_regencies_are_refused(web: Client, clean_identity: AsyncEngine) -> None:
    engine = clean_identity
    await regency(web, engine, "kab-malang", "3507")
    await regency(web, engine, "kota-batu", "3579")
    for role, slug in (("commitment_officer", "kab-malang"), ("procurement_officer", "kota-batu")):
        official = await person(engine, role, slug)
        web.cookies.clear()
        await log_in(web, await email_of_account(engine, official), start=f"/kantor/{slug}")
        refused = await web.get(PAGE)
        assert refused.status_code == 403
        assert "Khusus pejabat" in refused.text
        assert (await web.post(PAGE, data={"package_id": "1"})).status_code == 403
        assert (await web.post(f"{PAGE}/1/buka")).status_code == 403
    own = await web.get("/kantor/kota-batu/langsung")  # the other regency's officer, in their own
    assert own.status_code == 200
