"""The province's pages of the office (``/kantor/provinsi``) and a tenant's audit trail
(``/kantor/{slug}/audit``) as a browser drives them: the bureau and the province's auditors see every
LPSE, the bureau alone provisions one, a regency's official is refused; an auditor reads, filters and
downloads the log of their LPSE only."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from hub.web.app import create_app
from monitoring.probes import ProbeResult
from tenants.audit import checkpoint_chain, entry_hash
from tenants.registry import list_tenants
from tests.e2e.procurement import Client, Desk, person, regency
from tests.e2e.tampering import edit_audit_action
from tests.e2e.web_session import ISSUER, csrf_of, email_of_account, log_in

pytestmark = pytest.mark.horizon  # announcing a tender writes to the feed other workers' tests read


async def probed(engine: AsyncEngine, code: str, slug: str, *, up: bool, error: str | None) -> None:
    async with hub_sessions(engine)() as session, session.begin():
        session.add(
            ProbeResult(
                tenant_code=code, tenant_slug=slug, up=up, checks={}, duration_seconds=0.1, error=error
            )
        )


async def _as(web: Client, engine: AsyncEngine, role: str, tenant: str | None, start: str) -> None:
    account = await person(engine, role, tenant)
    web.cookies.clear()
    await log_in(web, await email_of_account(engine, account), start=start)


async def test_the_bureau_sees_every_lpse_reviews_and_red_flags(
    web: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(web, clean_identity, "kab-malang", "3507")
    await regency(web, clean_identity, "kota-batu", "3579")
    await Desk(web, clean_identity, malang).announce(
        "Rehabilitasi Jalan Kepanjen", owner_estimate=750_000_000
    )
    await _as(web, clean_identity, "hub_admin", None, "/kantor")

    seats = await web.get("/kantor")
    assert 'href="/kantor/provinsi"' in seats.text

    await probed(clean_identity, "3507", "kab-malang", up=True, error=None)
    await probed(clean_identity, "3507", "kab-malang", up=False, error="tenders read took 2.5 s")
    overview = await web.get("/kantor/provinsi")
    assert overview.status_code == 200
    assert overview.text.count('class="probe"') == 1
    assert overview.text.count('class="probe down"') == 1
    assert "tenders read took 2.5 s" in overview.text  # a failure, said in words
    assert "curl -s https://lpse.jatimprov.go.id/api/audit/checkpoints" in overview.text
    assert 'href="/kantor/kab-malang"' in overview.text
    assert 'href="/kantor/kota-batu/audit"' in overview.text
    assert "lpse-hub audit verify --checkpoints" in overview.text

    review = await web.get("/kantor/provinsi/rakor", params={"lang": "en"})
    assert review.status_code == 200
    assert "Kabupaten Malang" in review.text
    assert "<svg" in review.text  # the charts, server-rendered
    refused = await web.get("/kantor/provinsi/rakor", params={"from": "2026-05-01", "to": "2026-04-01"})
    assert refused.status_code == 400
    assert 'class="field-error"' in refused.text
    unknown = await web.get("/kantor/provinsi/rakor", params={"province": "99"})
    assert unknown.status_code == 400

    flags = await web.get("/kantor/provinsi/tanda-bahaya")
    assert flags.status_code == 200
    assert "R018" in flags.text  # every indicator counted, zeros too


async def test_the_bureau_provisions_a_regency_and_is_refused_a_taken_or_unknown_code(
    web: Client, clean_identity: AsyncEngine
) -> None:
    await regency(web, clean_identity, "kab-malang", "3507")
    await _as(web, clean_identity, "hub_admin", None, "/kantor/provinsi/lpse-baru")
    form = await web.get("/kantor/provinsi/lpse-baru")
    assert form.status_code == 200
    assert '<option value="3579">' in form.text  # Kota Batu: in the province, not provisioned
    csrf = csrf_of(form)

    made = await web.post("/kantor/provinsi/lpse-baru", data={"csrf": csrf, "code": "3579"})
    assert made.status_code == 303
    assert made.headers["location"] == "/kantor/provinsi/lpse-baru?dibuat=kota-batu"
    shown = await web.get(made.headers["location"])
    assert "Kota Batu" in shown.text
    assert 'href="/kantor/kota-batu"' in shown.text
    assert (await web.get("/kantor/kota-batu")).status_code == 200  # the bureau's seat in the new LPSE

    taken = await web.post("/kantor/provinsi/lpse-baru", data={"csrf": csrf, "code": "3507"})
    assert taken.status_code == 409
    assert "exists already" in taken.text
    unknown = await web.post("/kantor/provinsi/lpse-baru", data={"csrf": csrf, "code": "9999"})
    assert unknown.status_code == 400
    assert "not a province, regency or city" in unknown.text
    assert 'value="9999"' in unknown.text  # the value kept


async def test_a_province_auditor_reads_but_does_not_provision(
    web: Client, clean_identity: AsyncEngine
) -> None:
    await regency(web, clean_identity, "kab-malang", "3507")
    await _as(web, clean_identity, "province_auditor", None, "/kantor/provinsi")
    assert (await web.get("/kantor/provinsi")).status_code == 200
    page = await web.get("/kantor/provinsi/lpse-baru")
    assert page.status_code == 403
    assert "hub_admin" in page.text
    assert (await web.get("/kantor/kab-malang/audit")).status_code == 200


async def test_a_regency_official_is_refused_the_province(web: Client, clean_identity: AsyncEngine) -> None:
    await regency(web, clean_identity, "kab-malang", "3507")
    await _as(web, clean_identity, "selection_committee", "kab-malang", "/kantor")
    for path in ("/kantor/provinsi", "/kantor/provinsi/rakor", "/kantor/provinsi/tanda-bahaya"):
        assert (await web.get(path)).status_code == 403
    page = await web.get("/kantor/provinsi/lpse-baru")
    assert page.status_code == 403
    csrf = csrf_of(await web.get("/kantor/kab-malang"))
    posted = await web.post("/kantor/provinsi/lpse-baru", data={"csrf": csrf, "code": "3579"})
    assert posted.status_code == 403
    assert (await web.get("/kantor/kab-malang/audit")).status_code == 403  # not an auditor


async def test_an_auditor_reads_filters_and_downloads_their_lpse_log(
    web: Client, clean_identity: AsyncEngine, serving_settings: Settings
) -> None:
    malang = await regency(web, clean_identity, "kab-malang", "3507")
    await regency(web, clean_identity, "kota-batu", "3579")
    desk = Desk(web, clean_identity, malang)
    await desk.announce("Rehabilitasi Jalan Kepanjen", owner_estimate=750_000_000)
    async with tenant_session(clean_identity, "t_3507") as session, session.begin():
        await checkpoint_chain(session, "3507", MasterKey.of(serving_settings))
    await _as(web, clean_identity, "auditor", "kab-malang", "/kantor/kab-malang/audit")

    page = await web.get("/kantor/kab-malang/audit")
    assert page.status_code == 200
    assert 'src="/static/audit-verify.js"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "rantai utuh" in page.text  # the server's own check, for readers without JavaScript
    assert "lpse-hub audit verify --tenant kab-malang" in page.text
    assert "data-checkpoint-hash=" in page.text
    tender_id = desk.tender_id
    filtered = await web.get("/kantor/kab-malang/audit", params={"tender": tender_id})
    assert f"tender:{tender_id}" in filtered.text
    assert 'data-filtered-log="1"' in filtered.text

    lines = await web.get("/kantor/kab-malang/audit/unduh/jsonl")
    assert lines.status_code == 200
    entries = [json.loads(line) for line in lines.text.splitlines()]
    assert entries
    assert entries[0]["seq"] == 1
    previous = "0" * 64
    for entry in entries:  # the download recomputes as the chain does
        fields = {k: entry[k] for k in ("seq", "actor_id", "action", "subject", "payload")}
        assert entry_hash(previous, at=datetime.fromisoformat(entry["at"]), **fields) == entry["hash"]
        previous = entry["hash"]
    csv = await web.get("/kantor/kab-malang/audit/unduh/csv", params={"tender": tender_id})
    assert csv.status_code == 200
    assert csv.text.splitlines()[0] == "seq,at,actor_id,action,subject,payload,prev_hash,hash"
    assert all(f"tender:{tender_id}" in row for row in csv.text.splitlines()[1:])
    assert (await web.get("/kantor/kab-malang/audit/unduh/xml")).status_code == 404
    assert (await web.get("/kantor/kab-malang/audit", params={"after": "-1"})).status_code == 400

    assert (await web.get("/kantor/kota-batu/audit")).status_code == 403  # another regency's log
    assert (await web.get("/kantor/kota-batu/audit/unduh/csv")).status_code == 403
    assert (await web.get("/kantor/provinsi")).status_code == 403  # a regency's auditor


async def test_the_page_shows_the_server_finding_a_tampered_entry(
    web: Client, clean_identity: AsyncEngine
) -> None:
    malang = await regency(web, clean_identity, "kab-malang", "3507")
    await Desk(web, clean_identity, malang).announce(
        "Rehabilitasi Jalan Kepanjen", owner_estimate=750_000_000
    )
    await edit_audit_action(clean_identity, "t_3507", 1, "tender.forged")
    await _as(web, clean_identity, "auditor", "kab-malang", "/kantor/kab-malang/audit")
    page = await web.get("/kantor/kab-malang/audit")
    assert page.status_code == 200
    assert "rantai TIDAK utuh" in page.text
    assert "entry 1 was edited" in page.text
    assert 'data-action="tender.forged"' in page.text  # shown as stored, for the page's script to find


async def test_where_the_web_has_no_owners_connection_the_form_names_the_cli_and_nothing_is_made(
    clean_identity: AsyncEngine, serving_settings: Settings
) -> None:
    """``lpse-hub serve`` keeps the owner's URL out of its workers: the serving role may not create a
    schema, and the form says to provision with the CLI (503) instead of failing half-way."""
    settings = replace(serving_settings, issuer=ISSUER, owner_database_url=None)
    async with AsyncTestClient(app=create_app(settings), base_url=ISSUER) as web:
        web.follow_redirects = False
        await regency(web, clean_identity, "kab-malang", "3507")
        await _as(web, clean_identity, "hub_admin", None, "/kantor/provinsi/lpse-baru")
        csrf = csrf_of(await web.get("/kantor/provinsi/lpse-baru"))
        refused = await web.post("/kantor/provinsi/lpse-baru", data={"csrf": csrf, "code": "3579"})
        assert refused.status_code == 503
        assert "lpse-hub tenant create" in refused.text
        assert 'value="3579"' in refused.text  # the code kept
    async with hub_sessions(clean_identity)() as session:
        assert "kota-batu" not in {t.slug for t in await list_tenants(session)}
