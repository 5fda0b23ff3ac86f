"""Objections (sanggah) and contracts in the vendor workspace, over HTTP as a browser drives them:
a losing bidder lodges its objection on the tender's page within the objection period through the
API's service and reads the committee's answer there; outside the period, or a second time, the
service's refusal is shown next to the grounds, which are kept. The winner reads its contract on
``/akun/kontrak``. And ``/akun/masuk`` leads to the login page that offers the upstream provider
when one is configured.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.demo.backdate import end_objection_period
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.portal.formatting import long_date
from tests.e2e.procurement import Bidder, Client, Desk, Regency, ok, person, regency, vendor
from tests.e2e.test_vendor_workspace import email_of
from tests.e2e.web_session import ISSUER, csrf_of, log_in

pytestmark = pytest.mark.horizon  # as test_vendor_workspace: announcing writes to the feed

GROUNDS = "Harga penawaran kami lebih rendah dan dokumen kami lengkap, mohon evaluasi ulang."


@dataclass
class Awarded:
    malang: Regency
    desk: Desk
    winner: Bidder
    loser: Bidder
    ocid: str


@pytest_asyncio.fixture(loop_scope="session")
async def awarded(web: Client, clean_identity: AsyncEngine) -> Awarded:
    """Two bidders, the cheaper one awarded and the award announced: the objection period is open."""
    engine = clean_identity
    malang = await regency(web, engine, "kab-malang", "3507")
    verifier = await person(engine, "verifier", "kab-malang")
    winner = await vendor(web, engine, "arjuna", "3507", verifier, "kab-malang")
    loser = await vendor(web, engine, "bima", "3507", verifier, "kab-malang")
    desk = Desk(web, engine, malang)
    await desk.announce("Peningkatan Jalan Desa Tumpang", owner_estimate=900_000_000)
    await desk.bids({winner: 850_000_000, loser: 860_000_000})
    await desk.open()
    await desk.pass_all(winner, loser)
    first = {"vendor_id": winner.vendor_id}
    ok(await desk.post("qualification-verifications", malang.pokja, {**first, "passed": True}))
    ok(await desk.post("award", malang.pokja, first))
    ok(await desk.post("award-announcement", malang.pokja))
    return Awarded(malang, desk, winner, loser, f"ocds-lpsehub-3507-{desk.tender_id}")


async def test_a_losing_bidder_lodges_its_objection_and_reads_the_answer(
    web: Client, awarded: Awarded
) -> None:
    web.cookies.clear()
    await log_in(web, await email_of(awarded.desk.engine, awarded.loser.vendor_id))
    page = await web.get(f"/akun/tender/{awarded.ocid}")
    assert page.status_code == 200
    assert "Masa sanggah atas pengumuman pemenang terbuka sampai" in page.text
    assert f'action="/akun/tender/{awarded.ocid}/sanggah"' in page.text
    url = f"/akun/tender/{awarded.ocid}/sanggah"

    no_token = await web.post(url, data={"grounds": GROUNDS})
    short = await web.post(url, data={"csrf": csrf_of(page), "grounds": "Tidak adil"})
    lodged = await web.post(url, data={"csrf": csrf_of(page), "grounds": GROUNDS})
    again = await web.post(url, data={"csrf": csrf_of(page), "grounds": GROUNDS})

    assert no_token.status_code == 403
    assert short.status_code == 400
    assert "the grounds of an objection need 20 to 20000 characters" in short.text
    assert 'aria-describedby="grounds-error"' in short.text
    assert ">Tidak adil</textarea>" in short.text  # kept, to be corrected
    assert lodged.status_code == 303
    assert lodged.headers["location"] == f"/akun/tender/{awarded.ocid}#sanggah"
    assert again.status_code == 409
    assert "this vendor has lodged its objection to this award already" in again.text
    shown = await web.get(f"/akun/tender/{awarded.ocid}")
    assert "Sanggah Anda" in shown.text
    assert GROUNDS in shown.text
    assert "Belum dijawab pokja." in shown.text

    objection = (await awarded.desk.public())["objections"][0]
    assert objection["vendor_id"] == awarded.loser.vendor_id  # the API's record, the same one
    answer = {
        "answer": "Harga bukan satu-satunya unsur; kualifikasi pemenang telah diverifikasi.",
        "upheld": False,
    }
    ok(await awarded.desk.post(f"objections/{objection['id']}/answer", awarded.malang.pokja, answer))
    answered = await web.get(f"/akun/tender/{awarded.ocid}")
    assert "Jawaban pokja" in answered.text
    assert "ditolak" in answered.text
    assert "kualifikasi pemenang telah diverifikasi" in answered.text


async def test_an_objection_outside_the_period_is_refused_with_the_reason_next_to_the_grounds(
    web: Client, awarded: Awarded
) -> None:
    web.cookies.clear()
    await log_in(web, await email_of(awarded.desk.engine, awarded.loser.vendor_id))
    page = await web.get(f"/akun/tender/{awarded.ocid}")  # read while the period is open
    await end_objection_period(awarded.desk.engine, awarded.malang.schema, awarded.desk.tender_id)

    late = await web.post(
        f"/akun/tender/{awarded.ocid}/sanggah", data={"csrf": csrf_of(page), "grounds": GROUNDS}
    )

    assert late.status_code == 409
    assert "Tidak dapat dilakukan: the objection period ended at" in late.text
    assert 'id="grounds-error" role="alert"' in late.text
    assert f">{GROUNDS}</textarea>" in late.text
    assert "Masa sanggah berakhir" in late.text
    assert (await awarded.desk.public())["objections"] == []
    closed = await web.get(f"/akun/tender/{awarded.ocid}")
    assert "/sanggah" not in closed.text  # no form once the period is over


async def test_the_winner_has_no_objection_form_and_reads_its_contract(web: Client, awarded: Awarded) -> None:
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()
    web.cookies.clear()
    await log_in(web, await email_of(awarded.desk.engine, awarded.winner.vendor_id))
    page = await web.get(f"/akun/tender/{awarded.ocid}")
    assert "/sanggah" not in page.text  # the winner has nothing to object to
    empty = await web.get("/akun/kontrak")
    assert empty.status_code == 200
    assert "Belum ada kontrak." in empty.text
    assert '<a href="/akun/kontrak">Kontrak saya</a>' in empty.text  # in the workspace's menu

    await end_objection_period(awarded.desk.engine, awarded.malang.schema, awarded.desk.tender_id)
    ok(await awarded.desk.post("award-letter", awarded.malang.ppk, {"number": "SPPBJ/001"}))
    contract = {
        "number": "HK.02/001/2026",
        "value": 845_000_000,
        "signed_on": today.isoformat(),
        "starts_on": (today + timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=90)).isoformat(),
    }
    ok(await awarded.desk.post("contract", awarded.malang.ppk, contract))

    listed = await web.get("/akun/kontrak")
    assert listed.status_code == 200
    assert "Peningkatan Jalan Desa Tumpang" in listed.text
    assert "HK.02/001/2026" in listed.text
    assert "845.000.000" in listed.text
    signed, starts = long_date(today), long_date(today + timedelta(days=1))
    assert f"<dd>{signed}</dd>" in listed.text  # the day the officer recorded, in words
    assert f"<dd>{starts} \u2013 {long_date(today + timedelta(days=90))}" in listed.text
    assert f'href="/akun/tender/{awarded.ocid}"' in listed.text
    assert "WIB" in listed.text
    web.cookies.clear()
    await log_in(web, await email_of(awarded.desk.engine, awarded.loser.vendor_id), start="/akun/kontrak")
    assert "HK.02/001/2026" not in (await web.get("/akun/kontrak")).text  # the loser's list is its own


@pytest_asyncio.fixture(loop_scope="session")
async def with_upstream(hub: AsyncEngine, serving_settings: Settings) -> AsyncIterator[Client]:
    """A browser at a hub that lets the people of an upstream provider log in."""
    settings = replace(
        serving_settings,
        issuer=ISSUER,
        upstream_issuer="https://sso.lkpp.go.id",
        upstream_client_id="lpse-hub-jatim",
        upstream_client_secret="not-used-here",
        upstream_name="SSO Nasional",
    )
    async with AsyncTestClient(app=create_app(settings), base_url=ISSUER) as client:
        client.follow_redirects = False
        yield client


async def test_the_workspace_login_offers_the_upstream_provider_when_configured(
    with_upstream: Client, web: Client
) -> None:
    async def login_page(client: Client) -> tuple[str, str]:
        authorize = await client.get("/akun/masuk", params={"next": "/akun/kontrak"})
        assert urlsplit(authorize.headers["location"]).path == "/oauth/authorize"
        to_login = await client.get(authorize.headers["location"])
        assert urlsplit(to_login.headers["location"]).path == "/login"
        return str((await client.get(to_login.headers["location"])).text), to_login.headers["location"]

    page, location = await login_page(with_upstream)
    back_to = parse_qs(urlsplit(location).query)["next"][0]
    assert urlsplit(back_to).path == "/oauth/authorize"  # the workspace's login resumes afterwards
    assert "log in with SSO Nasional" in page
    assert "/login/upstream?next=" in page
    web.cookies.clear()
    plain, _ = await login_page(web)
    assert "/login/upstream" not in plain  # none configured: no such link
