"""A tender's portal page follows it through its life, driven over the API as officials and bidders
drive it: the whole schedule in the tenant's zone, nothing of the bids before the opening, the bidders
and prices after it, and the evaluation results with their reasons once the award is announced."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Client, Desk, ok, person, regency, vendor

pytestmark = pytest.mark.horizon  # it writes to the feed that other workers' tests read


async def page(client: Client, ocid: str) -> str:
    response = await client.get(f"/tender/{ocid}")
    assert response.status_code == 200, response.text
    return response.text


async def test_a_tenders_page_shows_bids_after_the_opening_and_results_with_reasons(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    arum, candra = [
        await vendor(client, engine, n, "3507", verifier, "kab-malang") for n in ("arum", "candra")
    ]
    desk = Desk(client, engine, malang)
    await desk.announce("Rehabilitasi Jembatan Désa Sumberpucung", owner_estimate=900_000_000)
    ocid = f"ocds-lpsehub-3507-{desk.tender_id}"

    announced = await page(client, ocid)
    assert "Rehabilitasi Jembatan Désa Sumberpucung" in announced
    for stage in ("Pengumuman", "Download dokumen pemilihan", "Upload dokumen penawaran"):
        assert stage in announced  # the tenant's whole schedule, not only the release's periods
    assert re.search(r"\d{1,2} \w+ 20\d\d \d\d\.\d\d WIB", announced)
    assert "Peserta dan harga diumumkan setelah pembukaan penawaran." in announced

    await desk.bids({arum: 850_000_000, candra: 820_000_000})
    assert arum.name not in await page(client, ocid)  # sealed until the opening
    await desk.open()
    opened = await page(client, ocid)
    assert arum.name in opened
    assert "Rp850.000.000" in opened
    assert "Rp820.000.000" in opened
    assert "Hasil evaluasi" not in opened  # results are public from the announcement on

    await desk.pass_all(arum)
    refused = {"vendor_id": candra.vendor_id, "aspect": "administrative", "passed": False}
    ok(await desk.assess({**refused, "reason": "Jaminan penawaran tidak dilampirkan"}))
    first = {"vendor_id": arum.vendor_id}
    ok(await desk.post("qualification-verifications", malang.pokja, {**first, "passed": True}))
    ok(await desk.post("award", malang.pokja, first))
    ok(await desk.post("award-announcement", malang.pokja))
    results = (await page(client, ocid)).split('id="results-heading"')[1].split("</section>")[0]
    assert "Jaminan penawaran tidak dilampirkan" in results
    assert "Gugur (Administrasi)" in results
    assert "Lulus" in results
    award = (await page(client, ocid)).split('id="award-heading"')[1].split("</section>")[0]
    assert arum.name in award
    assert "Rp850.000.000" in award
