"""The officials' office (``/kantor``) as a browser drives it: an official logs in through the hub's
provider and lands in the LPSE where they hold roles; the menu is the policy table's; an official of
another regency, a vendor's user and a visitor are refused or sent to log in."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Client, Desk, person, regency
from tests.e2e.web_session import email_of_account, log_in

pytestmark = pytest.mark.horizon  # announcing a tender writes to the feed other workers' tests read


async def test_a_committee_member_lands_in_their_lpse_and_sees_its_tenders(
    web: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(web, clean_identity, "kab-malang", "3507")
    await regency(web, clean_identity, "kota-batu", "3579")
    desk = Desk(web, clean_identity, malang)
    await desk.announce("Rehabilitasi Jalan Kepanjen", owner_estimate=750_000_000)
    member = await person(clean_identity, "selection_committee", "kab-malang")

    web.cookies.clear()
    landed = await log_in(web, await email_of_account(clean_identity, member), start="/kantor")
    assert landed.headers["location"] == "/kantor"
    one_seat = await web.get("/kantor")
    assert one_seat.status_code == 303  # one LPSE only: straight to its office
    assert one_seat.headers["location"] == "/kantor/kab-malang"

    office = await web.get("/kantor/kab-malang")
    assert office.status_code == 200
    assert "Rehabilitasi Jalan Kepanjen" in office.text
    assert "Pokja Pemilihan" in office.text  # the member's role, in Indonesian
    assert 'href="/kantor/kab-malang/tender"' in office.text  # the committee's section
    assert 'href="/kantor/kab-malang/paket"' not in office.text  # the commitment officer's, not theirs
    assert 'href="/kantor/kab-malang/admin"' not in office.text

    elsewhere = await web.get("/kantor/kota-batu")
    assert elsewhere.status_code == 403
    assert "Anda tidak memegang peran di LPSE ini" in elsewhere.text
    assert (await web.get("/kantor/kab-tidak-ada")).status_code == 403  # no seat: nothing is told


async def test_the_province_bureau_has_a_seat_in_every_lpse(web: Client, clean_identity: AsyncEngine) -> None:
    await regency(web, clean_identity, "kab-malang", "3507")
    await regency(web, clean_identity, "kota-batu", "3579")
    bureau = await person(clean_identity, "hub_admin", None)
    web.cookies.clear()
    await log_in(web, await email_of_account(clean_identity, bureau), start="/kantor")
    seats = await web.get("/kantor", params={"lang": "en"})
    assert seats.status_code == 200
    assert 'href="/kantor/kab-malang"' in seats.text
    assert 'href="/kantor/kota-batu"' in seats.text
    assert "Province bureau (hub admin)" in seats.text
    assert (await web.get("/kantor/kota-batu")).status_code == 200


async def test_a_vendor_and_a_visitor_are_kept_out(web: Client, clean_identity: AsyncEngine) -> None:
    web.cookies.clear()
    visitor = await web.get("/kantor/kab-malang")
    assert visitor.status_code == 303
    assert visitor.headers["location"] == "/akun/masuk?next=%2Fkantor%2Fkab-malang"

    await regency(web, clean_identity, "kab-malang", "3507")
    nobody = await person(clean_identity, None, None)  # an account with no role and no company
    await log_in(web, await email_of_account(clean_identity, nobody), start="/kantor")
    refused = await web.get("/kantor")
    assert refused.status_code == 403
    assert "Khusus pejabat" in refused.text
    assert (await web.get("/kantor/kab-malang")).status_code == 403
