"""The public portal over HTTP, as a visitor's browser reads it, on a small seeded catalogue: two
regencies (one in WIB, one in WIT), their tenders' catalogue rows and releases written as a
publication writes them, and one tender followed from a peer hub.

Every page answers HTML in Indonesian unless English is chosen, loads nothing but the hub's own
stylesheet under a strict policy, weighs under 100 KB, and escapes what officials typed.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.models import CatalogueEntry, Change, RedFlagFacts
from federation.identity.accounts import create_account
from hub.core.database import hub_sessions
from hub.core.settings import Settings
from monitoring.probes import probe_round
from tests.conftest import make_tenant
from tests.e2e.procurement import Client

pytestmark = pytest.mark.horizon  # it writes to the feed that other workers' tests read

NOW = datetime.now(UTC).replace(microsecond=0)
PREFIX = "ocds-lpsehub"
BUYER = {"id": "ID-SATKER-3507-4", "name": "Dinas PU Kabupaten Malang"}
ESCAPED_TITLE = '<script>alert("x")</script> Jembatan & Gorong-gorong'
CLOSING_IN_JAYAPURA = datetime(2026, 3, 20, 7, 0, tzinfo=UTC)  # 16.00 WIT
FILLERS = 22  # more than a page (20) of "alat tulis" in Malang


def _release(local: str, title: str, **extra: Any) -> dict[str, Any]:
    """A stored release (``with_ocid`` adds the ocid and id), as ``ocds.release`` writes one."""
    tender: dict[str, Any] = {
        "id": local.split("-")[1],
        "title": title,
        "status": "active",
        "procurementMethod": "open",
        "value": {"amount": 1_000_000_000, "currency": "IDR"},
        "tenderPeriod": {"startDate": "2026-03-02T08:00:00+07:00", "endDate": "2026-03-20T16:00:00+07:00"},
        **extra.pop("tender", {}),
    }
    return {
        "date": "2026-05-01T10:00:00+07:00",
        "tag": ["tender"],
        "initiationType": "tender",
        "buyer": BUYER,
        "tender": tender,
        **extra,
    }


CONTRACTED = _release(
    "3507-2",
    "Rehabilitasi Jalan Desa Ngadas",
    tag=["contract"],
    tender={"status": "complete", "numberOfTenderers": 1},
    bids={
        "statistics": [{"id": "bids", "measure": "bids", "value": 1}],
        "details": [
            {
                "id": "2-7",
                "status": "valid",
                "date": "2026-03-10T02:00:00+00:00",
                "tenderers": [{"id": "ID-VENDOR-7", "name": "CV Arum Jaya"}],
                "value": {"amount": 987_654_321, "currency": "IDR"},
            }
        ],
    },
    awards=[
        {
            "id": "2-1",
            "status": "active",
            "date": "2026-04-01T03:00:00+00:00",
            "value": {"amount": 987_654_321, "currency": "IDR"},
            "suppliers": [{"id": "ID-VENDOR-7", "name": "CV Arum Jaya"}],
        }
    ],
    contracts=[
        {
            "id": "2-contract",
            "awardID": "2-1",
            "title": "KTR-007/2026: Rehabilitasi Jalan Desa Ngadas",
            "status": "active",
            "value": {"amount": 987_654_321, "currency": "IDR"},
            "dateSigned": "2026-04-20T00:00:00+07:00",
        }
    ],
)


def _entry(code: str, slug: str, name: str, tender_id: int, title: str, **values: Any) -> CatalogueEntry:
    fields: dict[str, Any] = {
        "ocid": f"{code}-{tender_id}", "tenant_code": code, "tenant_slug": slug, "tenant_name": name,
        "province_code": code[:2], "tender_id": tender_id, "title": title, "agency": BUYER["name"],
        "category": "construction", "method": "tender", "evaluation": "lowest_price", "fiscal_year": 2026,
        "budget": 1_250_000_000, "owner_estimate": 1_000_000_000, "kbli": [], "status": "announced",
        "stage": "announcement", "announced_at": NOW - timedelta(days=30), "search_text": title.lower(),
    }  # fmt: skip
    return CatalogueEntry(**{**fields, **values})


@pytest.fixture
async def portal(clean_identity: AsyncEngine) -> AsyncIterator[None]:
    """Kabupaten Malang (WIB) with an open tender, a contracted one and a page and more of
    stationery; Kabupaten Jayapura (WIT) with a closed one; a peer's tender."""
    engine = clean_identity
    await make_tenant(engine, "kab-malang", "3507")
    await make_tenant(engine, "kab-jayapura", "9403")
    rows = [
        _entry("3507", "kab-malang", "Kabupaten Malang", 1, ESCAPED_TITLE,
               announced_at=NOW - timedelta(days=1), submission_starts_at=NOW - timedelta(hours=1),
               submission_ends_at=NOW + timedelta(days=5)),
        _entry("3507", "kab-malang", "Kabupaten Malang", 2, "Rehabilitasi Jalan Desa Ngadas",
               status="contracted", stage="contract", bidders=1, winner="CV Arum Jaya",
               award_value=987_654_321, contract_value=987_654_321),
        _entry("9403", "kab-jayapura", "Kabupaten Jayapura", 1, "Pengadaan Perahu Motor", category="goods",
               budget=300_000_000, submission_starts_at=CLOSING_IN_JAYAPURA - timedelta(days=10),
               submission_ends_at=CLOSING_IN_JAYAPURA, announced_at=NOW - timedelta(days=40)),
        _entry("9901", "peer:sulsel", "Kabupaten Gowa", 5, "Pembangunan Pasar Rakyat", origin="sulsel",
               announced_at=NOW - timedelta(days=50)),
        *(
            _entry("3507", "kab-malang", "Kabupaten Malang", 100 + n, f"Pengadaan Alat Tulis Kantor {n}",
                   category="goods", method="direct_procurement", budget=50_000_000 + n,
                   announced_at=NOW - timedelta(days=60 + n))
            for n in range(FILLERS)
        ),
    ]  # fmt: skip
    rows[3].ocid = "ocds-sulsel-9901-5"
    async with hub_sessions(engine)() as session, session.begin():
        session.add_all(rows)
        session.add(Change(ocid="3507-1", tags=["tender"], release=_release("3507-1", ESCAPED_TITLE)))
        session.add(Change(ocid="3507-2", tags=["contract"], release=CONTRACTED))
        session.add(
            Change(ocid="9403-1", tags=["tender"], release=_release("9403-1", "Pengadaan Perahu Motor"))
        )
    yield
    async with hub_sessions(engine)() as session, session.begin():
        await session.execute(
            delete(RedFlagFacts).where(RedFlagFacts.ocid.in_(["3507-1", "3507-2", "9403-1"]))
        )


def html(response: httpx.Response, status: int = 200) -> str:
    """The page, checked as every portal page is: HTML in a language, its own stylesheet allowed
    and nothing else, no script, no address outside the hub, under 100 KB."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "style-src 'self'" in policy
    assert "script-src 'none'" in policy
    body = response.text
    assert len(response.content) < 100_000
    assert re.search(r'<html lang="(id|en)">', body)
    assert "<script" not in body
    assert not re.search(r'(src|href|action)="(https?:)?//', body), "only the hub's own addresses"
    assert body.count("<h1") == 1, "one heading names the page"
    for landmark in ("<header>", "<nav ", '<main id="main"', "<footer>", 'class="skip" href="#main"'):
        assert landmark in body, landmark
    for field in re.findall(r'<(?:input|select) id="([^"]+)"', body):
        assert f'for="{field}"' in body, f"{field} has a label"
    return body


def titles(body: str) -> list[str]:
    return re.findall(r'<a href="/tender/[^"]+">([^<]+)</a>', body)


async def test_the_home_page_shows_the_province_at_a_glance(client: Client, portal: None) -> None:
    body = html(await client.get("/"))
    assert '<html lang="id">' in body
    assert "Pengadaan di seluruh provinsi" in body
    assert "Kabupaten Malang" in body
    assert "Kabupaten Jayapura" in body
    assert "belum dipantau" in body  # no probe has run: said so, not shown as 0 %
    assert "Rehabilitasi Jalan Desa Ngadas" in body
    assert "Rp 1,25 M" in body  # budgets in their spoken unit
    assert "WIT" in body
    assert "WIB" in body
    assert re.search(r"<b>26</b> tender ditemukan", body)  # every tender, the peer's too
    assert 'href="/?category=goods">Barang</a> (23)' in body  # a facet narrows the search
    assert "Halaman berikutnya" in body  # 26 tenders: more than a page


async def test_searching_by_words_regency_category_method_and_budget(client: Client, portal: None) -> None:
    assert titles(html(await client.get("/", params={"q": "jalan"})))[0] == "Rehabilitasi Jalan Desa Ngadas"
    jayapura = html(await client.get("/", params={"tenant": "kab-jayapura", "q": ""}))
    assert titles(jayapura)[0] == "Pengadaan Perahu Motor"
    assert "<b>1</b> tender ditemukan" in jayapura
    assert "20 Maret 2026 16.00 WIT" in jayapura  # a deadline in Jayapura, in Jayapura's time
    goods = html(await client.get("/", params={"category": "goods", "budget_max": "100.000.000"}))
    assert "<b>22</b> tender ditemukan" in goods  # the stationery, not the boat (Rp300.000.000)
    direct = html(await client.get("/", params={"method": "direct_procurement", "budget_min": "50000010"}))
    assert "<b>12</b> tender ditemukan" in direct
    open_now = html(await client.get("/", params={"open": "1"}))
    assert "<b>1</b> tender ditemukan" in open_now
    assert "Jembatan &amp; Gorong-gorong" in open_now


async def test_results_come_in_pages_following_the_next_link(client: Client, portal: None) -> None:
    first = html(await client.get("/", params={"q": "alat tulis", "tenant": "kab-malang"}))
    assert "<b>22</b> tender ditemukan" in first
    shown = titles(first.split('id="results-heading"')[1].split("</section>")[0])
    assert len(shown) == 20
    [next_link] = re.findall(r'<a rel="next" href="([^"]+)"', first)
    second = html(await client.get(next_link.replace("&amp;", "&")))
    rest = titles(second.split('id="results-heading"')[1].split("</section>")[0])
    assert len(rest) == 2
    assert not set(rest) & set(shown)
    assert 'rel="next"' not in second
    assert "Kembali ke halaman pertama" in second


async def test_a_search_that_cannot_be_one_is_an_html_400_naming_the_field(
    client: Client, portal: None
) -> None:
    body = html(await client.get("/", params={"budget_min": "sejuta"}), 400)
    assert "Pencarian tidak dapat diproses" in body
    assert "budget_min" in body
    body = html(await client.get("/", params={"category": "<b>x</b>"}), 400)
    assert "&lt;b&gt;x&lt;/b&gt;" in body


async def test_a_tender_page_shows_bidders_award_contract_and_red_flags(client: Client, portal: None) -> None:
    body = html(await client.get(f"/tender/{PREFIX}-3507-2"))
    assert "<h1>Rehabilitasi Jalan Desa Ngadas</h1>" in body
    assert BUYER["name"] in body
    assert 'href="/lpse/kab-malang"' in body
    assert "Rp1.250.000.000" in body
    assert "Rp1.000.000.000" in body
    assert "CV Arum Jaya" in body
    assert "Rp987.654.321" in body
    assert "10 Maret 2026 09.00 WIB" in body  # the bid's receipt, in Malang's time
    assert "KTR-007/2026" in body
    assert "<dt>Nilai kontrak</dt><dd>Rp987.654.321</dd>" in body
    assert "<dd>20 April 2026</dd>" in body  # a contract's date is a day, not a midnight
    assert "Berlaku" in body  # the award, past its objection period
    assert "Penawar tunggal" in body  # the flag's Indonesian name
    assert "R018" in body  # a single bid
    assert "Hanya satu peserta memasukkan penawaran" in body  # explained in Indonesian
    assert f'href="/api/ocds/records/{PREFIX}-3507-2"' in body
    record = await client.get(f"/api/ocds/records/{PREFIX}-3507-2")
    assert record.status_code == 200


async def test_a_tender_before_its_opening_shows_no_bidder_and_escapes_its_title(
    client: Client, portal: None
) -> None:
    body = html(await client.get(f"/tender/{PREFIX}-3507-1"))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Jembatan &amp; Gorong-gorong" in body
    assert "Peserta dan harga diumumkan setelah pembukaan penawaran." in body
    assert "Upload dokumen penawaran" in body  # the bid submission window, from the release


async def test_a_peers_tender_shows_what_the_catalogue_has(client: Client, portal: None) -> None:
    body = html(await client.get("/tender/ocds-sulsel-9901-5"))
    assert "Pembangunan Pasar Rakyat" in body
    assert "hub lain" in body


async def test_an_unknown_tender_or_regency_is_an_html_404_in_indonesian(
    client: Client, portal: None
) -> None:
    for path in (f"/tender/{PREFIX}-3507-999", "/tender/bukan-ocid", "/lpse/kab-atlantis"):
        body = html(await client.get(path), 404)
        assert "Halaman tidak ditemukan" in body, path


async def test_a_regencys_page_shows_its_zone_uptime_and_tenders(client: Client, portal: None) -> None:
    body = html(await client.get("/lpse/kab-malang"))
    assert "<h1>LPSE Kabupaten Malang</h1>" in body
    assert "WIB" in body
    assert "belum dipantau" in body
    open_now = body.split('id="open-heading"')[1].split("</section>")[0]
    assert titles(open_now) == [ESCAPED_TITLE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                                .replace('"', "&#34;")]  # fmt: skip
    assert "Pengadaan Alat Tulis Kantor 0" in body


async def test_every_regency_is_listed_with_its_uptime_and_the_home_page_lists_a_provinces_few(
    client: Client, portal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = html(await client.get("/lpse"))
    assert '<a href="/lpse/kab-malang">' in index
    assert "belum dipantau" in index
    home = html(await client.get("/"))
    assert '<a href="/lpse/kab-malang">' in home  # two regencies: listed on the home page itself
    monkeypatch.setattr("hub.web.controllers.portal.REGENCIES_ON_HOME", 1)
    crowded = html(await client.get("/"))
    assert '<a href="/lpse">' in crowded  # more than a province has: a link to the index instead


async def test_the_open_data_page_links_the_downloads_the_feed_and_the_checkpoints(
    client: Client, portal: None
) -> None:
    body = html(await client.get("/data"))
    for path in ("/api/ocds/releases", "/api/feed", "/api/audit/checkpoints", "/api/audit/checkpoint-keys",
                 "/schema"):  # fmt: skip
        assert f'href="{path}"' in body, path
    assert "lpse-hub audit verify" in body


async def test_english_is_a_switch_away_and_is_remembered(client: Client, portal: None) -> None:
    home = html(await client.get("/"))
    assert 'href="/?lang=en"' in home
    english = await client.get("/", params={"lang": "en"})
    body = html(english)
    assert '<html lang="en">' in body
    assert "Procurement across the province" in body
    assert "lang=en" in english.headers["set-cookie"]
    later = html(await client.get("/tender/ocds-lpsehub-3507-2"))  # the cookie carries the choice
    assert "Bidders and prices" in later
    assert "Single bid received" in later
    assert "10 March 2026 09:00 WIB" in later
    assert "Rp1.250.000.000" in later
    back = html(await client.get("/data", params={"lang": "id"}))
    assert "Data terbuka" in back
    assert '<html lang="id">' in back


async def test_the_stylesheet_is_the_hubs_own_small_and_long_cached(client: Client, portal: None) -> None:
    [href] = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html(await client.get("/data")))
    assert href.startswith("/static/portal.css?v=")
    css = await client.get(href)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert len(css.content) < 15_000
    assert "max-age=31536000" in css.headers["cache-control"]


async def test_only_portal_pages_may_load_the_hubs_stylesheet(client: Client, portal: None) -> None:
    api = await client.get("/api/catalogue")
    assert "'self'" not in api.headers["content-security-policy"].split("style-src")[1].split(";")[0]
    login = await client.get("/login")
    assert "'self'" not in login.headers["content-security-policy"].split("style-src")[1].split(";")[0]


async def test_logging_in_without_a_next_page_lands_on_the_portal(
    hub_app: Litestar, clean_identity: AsyncEngine
) -> None:
    async with hub_sessions(clean_identity)() as session, session.begin():
        await create_account(session, "warga@example.id", "Warga", "rahasia-warga-2026", email_verified=True)
    async with AsyncTestClient(app=hub_app, base_url="https://lpse.jatimprov.go.id") as browser:
        form = await browser.get("/login")
        [csrf] = re.findall(r'name=csrf value="([^"]+)"', form.text)
        answer = await browser.post(
            "/login",
            data={"email": "warga@example.id", "password": "rahasia-warga-2026", "csrf": csrf},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/"
        html(await browser.get("/"))


async def test_a_probed_regency_shows_its_uptime_and_last_probe(
    client: Client, portal: None, clean_identity: AsyncEngine, settings: Settings
) -> None:
    await probe_round(clean_identity, settings)
    body = html(await client.get("/lpse/kab-jayapura"))
    assert "100%" in body
    assert '<span class="badge up">aktif</span>' in body
    assert "WIT" in body
    home = html(await client.get("/"))
    assert home.count("100%") == 2  # both regencies, up in the one round there was
