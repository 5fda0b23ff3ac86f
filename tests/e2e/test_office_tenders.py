"""The committee's tender preparation in the office (``/kantor/{slug}/tender``), as a browser drives
it: a draft from a package with the proposed schedule, an impossible schedule refused next to its
stage, a document uploaded and listed, the announcement with its key, a vendor's question (asked
through the API) answered on the page, and the section closed to a commitment officer (page and
POSTs) and to an official of another regency."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.procurement import Client, Regency, advance, ok, package, person, regency, schedule, vendor
from tests.e2e.web_session import csrf_of, email_of_account, log_in

pytestmark = pytest.mark.horizon  # announcing a tender writes to the feed other workers' tests read

LIST = "/kantor/kab-malang/tender"


def schedule_of(page: httpx.Response) -> dict[str, str]:
    """The schedule editor's fields as the page fills them (the proposed schedule, or what was kept)."""
    found = re.findall(r'name="(\w+\.(?:starts|ends)_at)" type="datetime-local" value="([^"]*)"', page.text)
    assert found, page.text
    return dict(found)


@dataclass(frozen=True)
class AtTheList:
    """A committee member of Malang logged in, at the tender list, with a package waiting."""

    malang: Regency
    listing: httpx.Response
    proposed: dict[str, str]
    """The schedule the editor proposes."""
    form: dict[str, str]
    """The new-tender form's other fields, for the waiting package, lowest price."""


async def member_at_the_list(web: Client, engine: AsyncEngine, title: str) -> AtTheList:
    malang = await regency(web, engine, "kab-malang", "3507")
    created = await package(web, malang, title, owner_estimate=750_000_000)
    member = await person(engine, "selection_committee", "kab-malang")
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, member), start=LIST)
    listing = await web.get(LIST)
    assert listing.status_code == 200
    form = {"csrf": csrf_of(listing), "package_id": str(created["id"]), "evaluation": "lowest_price"}
    return AtTheList(malang, listing, schedule_of(listing), form)


async def test_the_committee_prepares_and_announces_a_tender_and_answers_a_question(
    web: Client, clean_identity: AsyncEngine
) -> None:
    at = await member_at_the_list(web, clean_identity, "Rehabilitasi Jalan Kepanjen")
    malang, proposed, form = at.malang, at.proposed, at.form
    assert "Rehabilitasi Jalan Kepanjen" in at.listing.text  # a package waiting for its tender
    english = await web.get(LIST, params={"lang": "en"})
    assert "Tender preparation" in english.text
    assert "Create the draft tender" in english.text
    await web.get(LIST, params={"lang": "id"})  # back to Indonesian for the rest
    assert proposed["bid_opening.starts_at"] > proposed["bid_submission.ends_at"]

    impossible = {**proposed, "bid_opening.starts_at": proposed["bid_submission.starts_at"]}
    refused = await web.post(LIST, data=form | impossible)
    assert refused.status_code == 400
    at_stage = re.search(
        r'<fieldset class="stage" id="stage-bid_opening">(.*?)</fieldset>', refused.text, re.S
    )
    assert at_stage is not None
    assert "bid_opening cannot start before bid_submission ends" in at_stage.group(1)  # next to its stage
    assert schedule_of(refused) == impossible  # the values kept

    made = await web.post(LIST, data=form | proposed)
    assert made.status_code == 303, made.text
    tender_page = made.headers["location"]
    tender_id = int(tender_page.rsplit("/", 1)[1])
    draft = await web.get(tender_page)
    assert draft.status_code == 200
    assert "Draf" in draft.text
    assert "Umumkan tender" in draft.text
    listed = await web.get(LIST)
    assert f'href="{tender_page}"' in listed.text

    csrf = csrf_of(draft)
    wrong_type = await web.post(
        f"{tender_page}/dokumen", data={"csrf": csrf}, files={"file": ("catatan.txt", b"teks", "text/plain")}
    )
    assert wrong_type.status_code == 400
    assert "are not accepted" in wrong_type.text
    uploaded = await web.post(
        f"{tender_page}/dokumen",
        data={"csrf": csrf},
        files={"file": ("KAK.pdf", b"%PDF-1.7 kerangka acuan", "application/pdf")},
    )
    assert uploaded.status_code == 303, uploaded.text
    with_document = await web.get(tender_page)
    link = re.search(rf'href="({tender_page}/dokumen/\d+)">KAK.pdf<', with_document.text)
    assert link is not None
    assert (await web.get(link.group(1))).content == b"%PDF-1.7 kerangka acuan"

    announced = await web.post(f"{tender_page}/umumkan", data={"csrf": csrf})
    assert announced.status_code == 303, announced.text
    public = ok(await web.get(f"{malang.base}/tenders/{tender_id}"), 200)
    assert public["status"] == "announced"
    shown = await web.get(tender_page)
    assert public["key_fingerprint"] in shown.text  # the tender key's fingerprint, after announcing
    assert "Disimpan hub" in shown.text  # held by the hub: this LPSE chose no committee custody

    verifier = await person(clean_identity, "verifier", "kab-malang")
    bidder = await vendor(web, clean_identity, "andalas", "3507", verifier, "kab-malang")
    url = f"{malang.base}/tenders/{tender_id}"
    await advance(clean_identity, malang.schema, tender_id, "clarification")  # as if a day had passed
    ok(await web.post(f"{url}/registrations", headers=bidder.headers))
    question = {"question": "Apakah SBU kualifikasi kecil diterima?"}
    asked = ok(await web.post(f"{url}/clarifications", headers=bidder.headers, json=question))
    with_question = await web.get(tender_page)
    assert "Apakah SBU kualifikasi kecil diterima?" in with_question.text
    empty = await web.post(f"{tender_page}/pertanyaan/{asked['id']}", data={"csrf": csrf, "answer": " "})
    assert empty.status_code == 400
    assert "an answer cannot be empty" in empty.text
    answered = await web.post(
        f"{tender_page}/pertanyaan/{asked['id']}", data={"csrf": csrf, "answer": "Ya, sesuai LDP."}
    )
    assert answered.status_code == 303, answered.text
    seen = ok(await web.get(f"{url}/clarifications", headers=bidder.headers), 200)
    assert seen[0]["answer"] == "Ya, sesuai LDP."

    cancelled = await web.post(f"{tender_page}/batal", data={"csrf": csrf, "reason": "Anggaran dialihkan"})
    assert cancelled.status_code == 303
    assert ok(await web.get(url), 200)["status"] == "cancelled"


async def test_an_impossible_time_and_a_reschedule_are_the_services_refusals(
    web: Client, clean_identity: AsyncEngine
) -> None:
    at = await member_at_the_list(web, clean_identity, "Pembangunan Gedung Puskesmas")
    malang, listing, proposed, form = at.malang, at.listing, at.proposed, at.form

    backwards = {**proposed, "clarification.ends_at": "2020-01-01T08:00"}
    refused = await web.post(LIST, data=form | backwards)
    assert refused.status_code == 400
    assert 'id="e-clarification"' in refused.text
    assert "clarification: the end must come after the start" in refused.text
    no_time = await web.post(LIST, data=form | {**proposed, "announcement.starts_at": "besok pagi"})
    assert no_time.status_code == 400
    assert 'id="e-announcement"' in no_time.text
    assert "<details>" in listing.text  # the stages after the opening, folded away
    half = await web.post(
        LIST, data=form | proposed | {"evaluation.starts_at": proposed["bid_opening.ends_at"]}
    )
    assert half.status_code == 400
    assert "evaluation: give both its start and its end" in half.text
    assert "<details open>" in half.text  # unfolded: the refusal is in there
    merit = await web.post(LIST, data=form | proposed | {"evaluation": "merit_point"})
    assert merit.status_code == 400
    assert "a merit_point tender needs its scoring criteria" in merit.text
    scored = {
        "evaluation": "merit_point",
        "criteria": "Metode pelaksanaan: 60\nPengalaman: 40",
        "technical_weight": "70",
        "price_weight": "30",
        "passing_score": "70",
    }
    made = await web.post(LIST, data=form | proposed | scored)
    assert made.status_code == 303, made.text
    tender_page = made.headers["location"]
    tender_id = int(tender_page.rsplit("/", 1)[1])
    view = ok(await web.get(f"{malang.base}/tenders/{tender_id}", headers=malang.pokja), 200)
    assert view["evaluation"] == "merit_point"

    page = await web.get(tender_page)
    moved = {
        "csrf": csrf_of(page),
        "stage": "bid_opening",
        "starts_at": proposed["bid_opening.starts_at"],
        "ends_at": proposed["bid_opening.starts_at"],  # ends as it starts
        "reason": "Ruang pembukaan dipakai",
    }
    refused_move = await web.post(f"{tender_page}/jadwal", data=moved)
    assert refused_move.status_code == 400
    assert "bid_opening: the end must come after the start" in refused_move.text
    assert 'value="Ruang pembukaan dipakai"' in refused_move.text  # the reason kept
    moved["ends_at"] = proposed["bid_opening.ends_at"]
    assert (await web.post(f"{tender_page}/jadwal", data=moved)).status_code == 303


async def test_the_section_is_the_committees_alone(web: Client, clean_identity: AsyncEngine) -> None:
    malang = await regency(web, clean_identity, "kab-malang", "3507")
    await regency(web, clean_identity, "kota-batu", "3579")
    created = await package(web, malang, "Pengadaan Alat Kesehatan", owner_estimate=300_000_000)
    draft = {"package_id": created["id"], "evaluation": "lowest_price", "schedule": schedule()}
    tender_id = ok(await web.post(f"{malang.base}/tenders", headers=malang.pokja, json=draft))["id"]

    ppk = await person(clean_identity, "commitment_officer", "kab-malang")
    web.cookies.clear()
    await log_in(web, await email_of_account(clean_identity, ppk), start="/kantor/kab-malang")
    office = await web.get("/kantor/kab-malang")
    assert f'href="{LIST}"' not in office.text
    csrf = csrf_of(office)  # the logout form's token: the session's
    assert (await web.get(LIST)).status_code == 403
    assert (await web.get(f"{LIST}/{tender_id}")).status_code == 403
    form = {"csrf": csrf, "package_id": str(created["id"]), "evaluation": "lowest_price"}
    assert (await web.post(LIST, data=form | _form_schedule())).status_code == 403
    assert (await web.post(f"{LIST}/{tender_id}/umumkan", data={"csrf": csrf})).status_code == 403
    upload = await web.post(
        f"{LIST}/{tender_id}/dokumen",
        data={"csrf": csrf},
        files={"file": ("a.pdf", b"%PDF", "application/pdf")},
    )
    assert upload.status_code == 403
    still = ok(await web.get(f"{malang.base}/tenders/{tender_id}", headers=malang.pokja), 200)
    assert still["status"] == "draft"
    assert still["documents"] == []

    batu = await person(clean_identity, "selection_committee", "kota-batu")
    web.cookies.clear()
    await log_in(web, await email_of_account(clean_identity, batu), start="/kantor/kota-batu/tender")
    assert (await web.get(LIST)).status_code == 403
    other_csrf = csrf_of(await web.get("/kantor/kota-batu/tender"))
    refused = await web.post(f"{LIST}/{tender_id}/umumkan", data={"csrf": other_csrf})
    assert refused.status_code == 403


def _form_schedule() -> dict[str, str]:
    """The API's test schedule as the editor's fields (UTC wall-clock: only the refusal matters here)."""
    return {
        f"{stage}.{edge}": value[:16] for stage, times in schedule().items() for edge, value in times.items()
    }
