"""Figures for the catalogue at a million tenders: search latency and rate, the feed, the rebuild.

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_catalogue --tenders 1000000

1. The world: the hub migrated, the 514 regencies and cities provisioned as tenants by the registry.
2. The seed, by set-based SQL (timed apart): ``--tenders`` catalogue rows spread over the tenants,
   titles from a vocabulary of Indonesian procurement words and place names, the four categories,
   their methods, fiscal years 2023-2026, budgets log-uniform from 50 million to 50 billion rupiah,
   most contracted, the newest announced (many open for bids now); one feed change per row, its
   release made from a real ``federation.catalogue.ocds.release`` with the row's values, committed
   in batches so the feed spans many transactions (``--quick``: no feed, which it does not read).
   Then VACUUM (ANALYZE), as autovacuum leaves a catalogue in service (``--no-vacuum``: ANALYZE only).
3. The side measurement: each typical search run in-process, its two statements (the page and the
   facets) timed by EXPLAIN ANALYZE.
4. The served run: the hub (``tests/bench/catalogue_app.py``: the hub's app plus ``GET
   /bench/select1`` on the same pool, and a ``Server-Timing`` header) under uvicorn with two
   workers; a load generator in another process sends each kind of search, then ``SELECT 1``, at
   the same concurrency, a connection per request, in interleaved rounds; then ``SELECT 1`` and the
   mix of every kind in turn, ``--ratio-pairs`` times more (issue 20's ratio is theirs).
5. The feed: one follower reads ``/api/feed?limit=1000`` from the start until it is empty.
6. The rebuild: real tenders in ``--rebuild-tenants`` tenants (one per tenant through the services,
   the rest copied from it by SQL), their synthetic rows removed, then ``rebuild_catalogue`` per
   tenant, twice (the first writes every row, the second finds no drift).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import psutil
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.ocds import (
    AWARD_CRITERIA,
    CATEGORY,
    METHOD,
    METHOD_DETAILS,
    TENDER_STATUS,
    PublicAward,
    PublicContract,
    TenderSnapshot,
    fold,
    release,
)
from federation.catalogue.query import CatalogueQuery
from federation.catalogue.search import search_catalogue
from federation.identity.models import Account, Membership, Role
from hub.core.database import create_engine, hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from tenants.agencies import add_agency
from tenants.regions import RegionKind, all_regions
from tenants.registry import resolve_tenant
from tenants.registry.provisioning import provision_regions
from tenants.tenders import Actor, PackageInput, announce_tender, create_package, create_tender
from tenants.tenders.publication.rebuild import rebuild_catalogue
from tenants.tenders.stages import Window
from tests.bench.bench_tenants import admin, dsn
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.live_server import free_port, wait_until_live

PREFIX = "ocds-lpsehub"
PUPR, DINKES, DISDIK = "Dinas PUPR", "Dinas Kesehatan", "Dinas Pendidikan"
SETDA, KOMINFO, TANI = "Sekretariat Daerah", "Dinas Komunikasi dan Informatika", "Dinas Pertanian"
# (title, agency, KBLI, weight) by category; category weights 45 / 30 / 10 / 15.
WORKS = [("Jalan", PUPR, "42101", 8), ("Jalan Poros", PUPR, "42101", 3), ("Jembatan", PUPR, "42102", 4),
         ("Drainase", PUPR, "42204", 2), ("Talud", PUPR, "42919", 1), ("Saluran Irigasi", PUPR, "42201", 3),
         ("Gedung Kantor", SETDA, "41012", 2), ("Puskesmas", DINKES, "41012", 2),
         ("Gedung Sekolah", DISDIK, "41012", 2), ("Ruang Kelas SD", DISDIK, "41012", 2),
         ("Pasar Rakyat", "Dinas Perindustrian dan Perdagangan", "41012", 1), ("Embung", TANI, "42201", 1),
         ("Jaringan Air Bersih", "Dinas Perumahan dan Kawasan Permukiman", "42202", 1),
         ("Rumah Sakit Umum Daerah", DINKES, "41012", 1)]  # fmt: skip
ACTIONS = ["Pembangunan", "Rehabilitasi", "Peningkatan", "Pemeliharaan Berkala", "Rekonstruksi"]
GOODS = [("Alat Kesehatan", DINKES, "46693", 3), ("Obat-obatan", DINKES, "46693", 2),
         ("Komputer", KOMINFO, "46512", 3), ("Laptop", KOMINFO, "46512", 2),
         ("Seragam Sekolah", DISDIK, "14111", 2), ("Buku Pelajaran", DISDIK, "58110", 1),
         ("Kendaraan Dinas", SETDA, "45101", 1), ("Ambulans", DINKES, "45101", 1),
         ("Mebel Kantor", SETDA, "31001", 1), ("Alat Tulis Kantor", SETDA, "47610", 2),
         ("Bibit Tanaman", TANI, "01301", 1), ("Pupuk", TANI, "20121", 1),
         ("Alat Pemadam Kebakaran", "Satuan Polisi Pamong Praja", "46699", 1)]  # fmt: skip
CONSULTANCY = [("Jasa Konsultansi Perencanaan Jalan", PUPR), ("Jasa Konsultansi Perencanaan Jembatan", PUPR),
               ("Jasa Konsultansi Perencanaan Gedung Kantor", SETDA),
               ("Jasa Konsultansi Perencanaan Puskesmas", DINKES),
               ("Jasa Konsultansi Pengawasan Jalan", PUPR), ("Jasa Konsultansi Pengawasan Jembatan", PUPR),
               ("Jasa Konsultansi Pengawasan Saluran Irigasi", PUPR), ("Penyusunan Dokumen RTRW", "Bappeda"),
               ("Penyusunan Dokumen AMDAL", "Dinas Lingkungan Hidup"),
               ("Penyusunan Masterplan Drainase", PUPR)]  # fmt: skip
SERVICES = [("Jasa Kebersihan Kantor", SETDA, "81210"), ("Jasa Keamanan Kantor", SETDA, "80100"),
            ("Sewa Kendaraan Operasional", SETDA, "77100"), ("Jasa Katering Rapat", SETDA, "56210"),
            ("Pemeliharaan Pendingin Ruangan", SETDA, "33121"), ("Jasa Pengiriman Dokumen", SETDA, "53201"),
            ("Jasa Tenaga Pendukung Puskesmas", DINKES, "78300")]  # fmt: skip
PLACES = ["Sukamaju", "Sumberejo", "Karanganyar", "Wonosari", "Tanjungsari", "Sidomulyo", "Mekarsari",
          "Sukajadi", "Banjarsari", "Margomulyo", "Kedungrejo", "Purwosari", "Sindangsari", "Tegalrejo",
          "Bojong", "Pasirjaya", "Lubuk Pakam", "Batu Ampar", "Kampung Baru", "Air Putih", "Simpang Empat",
          "Padang Sari", "Labuhan", "Sungai Raya", "Tanah Merah", "Bukit Tinggi", "Pulau Laut", "Ngadas",
          "Karangrejo", "Suka Damai", "Tanjung Harapan", "Muara Baru", "Rantau Panjang", "Sei Rampah",
          "Way Halim", "Kota Baru", "Gunung Sari", "Sumber Agung", "Mojosari", "Cibeureum"]  # fmt: skip
RARE = "Rehabilitasi Hutan Mangrove"  # one row in 5,000
COMPANY = ["Karya", "Maju", "Jaya", "Abadi", "Sentosa", "Mandiri", "Perkasa", "Utama", "Sejahtera", "Bangun"]
SLOTS = 1000


def stems() -> list[tuple[str, str, str, str]]:
    """(category, title stem, agency, KBLI), repeated in proportion to how often each is tendered."""
    weighted: dict[str, list[tuple[str, str, str, int]]] = {
        "construction": [(f"{a} {o}", g, k, w) for o, g, k, w in WORKS for a in ACTIONS],
        "goods": [(f"Pengadaan {o}", g, k, w) for o, g, k, w in GOODS],
        "consultancy": [(t, g, "71102", 1) for t, g in CONSULTANCY],
        "other_services": [(t, g, k, 1) for t, g, k in SERVICES],
    }
    shares = {"construction": 450, "goods": 300, "consultancy": 100, "other_services": 150}
    out: list[tuple[str, str, str, str]] = []
    for category, items in weighted.items():
        total = sum(w for *_, w in items)
        for title, agency, kbli, weight in items:
            out += [(category, title, agency, kbli)] * max(1, round(shares[category] * weight / total))
    out = (out * 2)[:SLOTS]
    words = " ".join([*(t for _, t, a, _ in out), *(a for *_, a, _ in out), *PLACES, RARE, *COMPANY])
    assert fold(words) == words.lower(), "the SQL folds with lower(): keep the vocabulary unaccented"
    return out


# Releases: one real release with sentinels the SQL replaces by each row's values

T0 = datetime(2001, 1, 1, 1, 1, 1, tzinfo=UTC)
SENTINEL_TIMES = {"date": T0, "published": T0 + timedelta(days=1), "starts": T0 + timedelta(days=2),
                  "ends": T0 + timedelta(days=3), "awarded": T0 + timedelta(days=4)}  # fmt: skip
BUDGET, ESTIMATE, PRICE, TENDER_ID = 111111111111, 222222222222, 333333333333, 987654321


def release_template(contracted: bool) -> str:
    t = SENTINEL_TIMES
    awards = [PublicAward(1, 70001, "§WINNER§", PRICE, t["awarded"], None)] if contracted else []
    snapshot = TenderSnapshot(
        tenant_code="§CODE§", tenant_slug="§SLUG§", tenant_name="§TENANT§", tender_id=TENDER_ID,
        status="contracted" if contracted else "announced", stage="", evaluation="lowest_price",
        title="§TITLE§", agency_id=1, agency="§AGENCY§", category="construction", method="tender",
        fiscal_year=1901, budget=BUDGET, owner_estimate=ESTIMATE, kbli=["§KBLI§"], location="",
        announced_at=t["published"], schedule={"bid_submission": Window(t["starts"], t["ends"])},
        opened_at=t["ends"] if contracted else None,
        bidders=[(70000 + k, "§WINNER§" if k == 1 else f"CV {COMPANY[k]} {COMPANY[k + 5]}") for k in range(5)]
        if contracted else [],
        awards=awards,
        contract=PublicContract("§NUMBER§", PRICE, date(2001, 3, 3), date(2001, 3, 4), date(2001, 9, 1))
        if contracted else None,
    )  # fmt: skip
    body = release(snapshot, ["contract"] if contracted else ["tender"], t["date"])
    body["tender"].update(
        status="§TSTATUS§",
        mainProcurementCategory="§MAINCAT§",
        procurementMethod="§PMETHOD§",
        procurementMethodDetails="§PMDETAILS§",
        awardCriteria="§CRITERIA§",
    )
    return json.dumps(body, ensure_ascii=False)


def _case(column: str, mapping: dict[str, str]) -> str:
    return f"CASE {column} " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items()) + " END"


def release_sql() -> str:
    """The release of catalogue row ``c`` as text, from the two templates ($1 contracted, $2 not)."""
    replacements = [
        ("§TITLE§", "c.title"), ("§AGENCY§", "c.agency"), ("§TENANT§", "c.tenant_name"),
        ("§CODE§", "c.tenant_code"), ("§KBLI§", "c.kbli[1]"), ("§WINNER§", "coalesce(c.winner, '')"),
        ("§NUMBER§", "'HK.02.03/' || c.tenant_code || '/' || c.tender_id"),
        (str(TENDER_ID), "c.tender_id::text"), (str(BUDGET), "c.budget::text"),
        (str(ESTIMATE), "c.owner_estimate::text"), (str(PRICE), "coalesce(c.contract_value, 0)::text"),
        ("Pagu TA 1901", "'Pagu TA ' || c.fiscal_year"),
        ("§TSTATUS§", _case("c.status", TENDER_STATUS)), ("§MAINCAT§", _case("c.category", CATEGORY)),
        ("§PMETHOD§", _case("c.method", METHOD)), ("§PMDETAILS§", _case("c.method", METHOD_DETAILS)),
        ("§CRITERIA§", _case("c.evaluation", AWARD_CRITERIA)),
        ("2001-03-03", "coalesce(c.contract_signed_on, current_date)::text"),
    ]  # fmt: skip
    times = {"date": "coalesce(c.awarded_at, c.announced_at)", "published": "c.announced_at",
             "starts": "c.submission_starts_at", "ends": "c.submission_ends_at",
             "awarded": "coalesce(c.awarded_at, c.announced_at)"}  # fmt: skip
    replacements += [
        (SENTINEL_TIMES[k].isoformat(), f"trim(both '\"' from to_json({v})::text)") for k, v in times.items()
    ]
    sql = "CASE WHEN c.status = 'contracted' THEN $1::text ELSE $2::text END"
    for sentinel, value in replacements:
        sql = f"replace({sql}, '{sentinel}', {value})"
    return sql


# The world and the seed

CATALOGUE = """
INSERT INTO hub.catalogue (origin, ocid, tenant_code, tenant_slug, tenant_name, province_code, tender_id,
    title, agency, category, method, evaluation, fiscal_year, budget, owner_estimate, kbli, status, stage,
    announced_at, submission_starts_at, submission_ends_at, opened_at, awarded_at, bidders, winner,
    award_value, contract_value, contract_signed_on, search_text)
WITH draws AS (
    SELECT i, random() AS rt, random() AS rs, random() AS rp, random() AS rf, random() AS rd,
           random() AS rst, random() AS rb, random() AS rm, random() AS rw, random() AS rx
    FROM generate_series(1, $1::int) AS i
), picked AS (
    SELECT d.*, t.code, t.slug, t.name AS tenant_name, t.province, s.category, s.agency, s.kbli,
        CASE WHEN d.rx < 0.0002 THEN $2::text ELSE s.title END AS stem,
        ($3::text[])[1 + floor(d.rp * cardinality($3::text[]))::int] AS place,
        2023 + floor(d.rf * 4)::int AS fiscal_year,
        floor(exp(ln(5e7) + d.rb * ln(1000)))::bigint AS budget,
        make_timestamptz(2023 + floor(d.rf * 4)::int, 1, 10, 8, 0, 0, 'Asia/Jakarta') AS year_start
    FROM draws d
    JOIN bench_tenants t ON t.n = floor(power(d.rt, 1.3) * $4::int)::int
    JOIN bench_stems s ON s.slot = floor(d.rs * $5::int)::int
), dated AS (
    SELECT p.*, p.year_start + p.rd * least(interval '330 days', now() - interval '1 hour' - p.year_start)
        AS announced_at
    FROM picked p
), stated AS (
    SELECT d.*,
        CASE WHEN d.announced_at > now() - interval '21 days' THEN
                 CASE WHEN d.rst < 0.97 THEN 'announced' ELSE 'cancelled' END
             WHEN d.announced_at > now() - interval '45 days' THEN
                 (ARRAY['opened', 'awarded', 'award_announced', 'award_letter', 'failed'])
                 [1 + floor(d.rst * 5)::int]
             WHEN d.rst < 0.87 THEN 'contracted' WHEN d.rst < 0.95 THEN 'failed'
             ELSE 'cancelled' END AS status,
        CASE d.category
            WHEN 'construction' THEN CASE WHEN d.rw < 0.75 THEN 'tender' WHEN d.rw < 0.85 THEN 'quick_tender'
                                          ELSE 'direct_procurement' END
            WHEN 'goods' THEN CASE WHEN d.rw < 0.45 THEN 'e_purchasing' WHEN d.rw < 0.8 THEN 'tender'
                                   ELSE 'direct_procurement' END
            WHEN 'consultancy' THEN CASE WHEN d.rw < 0.8 THEN 'selection' ELSE 'direct_appointment' END
            ELSE CASE WHEN d.rw < 0.6 THEN 'tender' WHEN d.rw < 0.9 THEN 'direct_procurement'
                      ELSE 'e_purchasing' END END AS method,
        d.announced_at + interval '3 days' AS starts,
        d.announced_at + interval '3 days' + (7 + floor(d.rm * 8)::int) * interval '1 day' AS ends,
        (d.budget * (0.9 + 0.08 * d.rm))::bigint AS owner_estimate
    FROM dated d
), outcome AS (
    SELECT s.*,
        CASE WHEN s.status NOT IN ('announced', 'cancelled') THEN s.ends + interval '1 hour' END AS opened_at,
        CASE WHEN s.status IN ('award_announced', 'award_letter', 'contracted')
             THEN s.ends + interval '12 days' END AS awarded_at,
        (s.owner_estimate * (0.82 + 0.15 * s.rw))::bigint AS price
    FROM stated s
), numbered AS (
    SELECT o.*, row_number() OVER (PARTITION BY o.code ORDER BY o.announced_at, o.i) AS tender_id,
        o.stem || CASE o.category WHEN 'construction' THEN ' Desa ' ELSE ' Kecamatan ' END || o.place
            || CASE WHEN o.rm > 0.9 THEN ' Tahap II' ELSE '' END AS title
    FROM outcome o
)
SELECT '', n.code || '-' || n.tender_id, n.code, n.slug, n.tenant_name, n.province, n.tender_id, n.title,
    n.agency, n.category, n.method,
    CASE WHEN n.category = 'consultancy' THEN 'quality_cost' ELSE 'lowest_price' END,
    n.fiscal_year, n.budget, n.owner_estimate, ARRAY[n.kbli]::varchar(5)[], n.status,
    CASE n.status
        WHEN 'announced' THEN CASE WHEN now() < n.starts THEN 'announcement'
                                   WHEN now() < n.ends THEN 'bid_submission' ELSE 'bid_opening' END
        WHEN 'opened' THEN 'evaluation' WHEN 'awarded' THEN 'award_announcement'
        WHEN 'award_announced' THEN 'award_letter' WHEN 'award_letter' THEN 'contract_signing'
        ELSE n.status END,
    n.announced_at, n.starts, n.ends, n.opened_at, n.awarded_at,
    CASE WHEN n.opened_at IS NOT NULL THEN 1 + floor(n.rw * 12)::int END,
    CASE WHEN n.awarded_at IS NOT NULL THEN (ARRAY['CV', 'PT'])[1 + floor(n.rb * 2)::int] || ' '
        || ($6::text[])[1 + floor(n.rd * 10)::int] || ' ' || ($6::text[])[1 + floor(n.rp * 10)::int] END,
    CASE WHEN n.awarded_at IS NOT NULL THEN n.price END,
    CASE WHEN n.status = 'contracted' THEN n.price END,
    CASE WHEN n.status = 'contracted' THEN (n.awarded_at + interval '14 days')::date END,
    lower(concat_ws(' ', n.title, n.agency, n.tenant_name, n.place, n.kbli))
FROM numbered n
ORDER BY n.announced_at, n.i
"""
CHANGES = """
INSERT INTO hub.changes (origin, ocid, tags, release, created_at)
SELECT '', c.ocid, CASE WHEN c.status = 'contracted' THEN ARRAY['contract'] ELSE ARRAY['tender'] END,
    ({release})::jsonb, coalesce(c.awarded_at, c.announced_at)
FROM hub.catalogue c WHERE c.id > $3 AND c.id <= $4 ORDER BY c.id
"""


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    slug: str
    name: str
    province: str


async def provision(url: str, tenants: int | None = None) -> tuple[float, list[Place]]:
    """The hub migrated and every regency and city a tenant (``tenants`` of them if given, spread over
    the provinces), as operators provision them."""
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
        regions = [r for r in all_regions().values() if r.kind is not RegionKind.PROVINCE]
        if tenants:
            regions = regions[:: max(1, len(regions) // tenants)][:tenants]
        started = time.perf_counter()
        report = await provision_regions(engine, regions, concurrency=8)
        elapsed = time.perf_counter() - started
        assert not report.failed, report.failed
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT code, slug, name, province_code FROM hub.tenants WHERE kind <> 'province' ORDER BY code"
        )
    finally:
        await connection.close()
    return elapsed, [Place(*r) for r in rows]


async def seed(
    url: str, places: list[Place], tenders: int, batch: int, feed: bool = True, vacuum: bool = False
) -> dict[str, float]:
    """The catalogue and (with ``feed``) the feed by set-based SQL, each phase timed; then ANALYZE, or
    with ``vacuum`` VACUUM (ANALYZE), as autovacuum would have done to a catalogue in service.

    Seeded by one ``INSERT``, the table has no page marked all-visible until a vacuum: every index-only
    walk of the date index (``sort=relevance`` of common words, ``search.py``) then reads a heap row per
    index entry (5,634 for ``q=jalan`` at 30,000 rows), and every sample scan tests each row's
    visibility; a catalogue in service is written a row at a time and autovacuumed (PostgreSQL's
    default, ``autovacuum_vacuum_insert_threshold``), so its pages are all-visible but the newest."""
    figures: dict[str, float] = {}
    connection = await asyncpg.connect(url)
    try:
        shuffled = places[:]
        random.Random(6).shuffle(shuffled)  # the busier tenants are spread over the provinces
        await connection.execute(
            "CREATE TEMP TABLE bench_tenants (n int, code text, slug text, name text, province text);"
            "CREATE TEMP TABLE bench_stems (slot int, category text, title text, agency text, kbli text)"
        )
        await connection.copy_records_to_table(
            "bench_tenants", records=[(n, p.code, p.slug, p.name, p.province) for n, p in enumerate(shuffled)]
        )
        await connection.copy_records_to_table(
            "bench_stems", records=[(n, *stem) for n, stem in enumerate(stems())]
        )
        await connection.execute("SELECT setseed(0.6)")
        started = time.perf_counter()
        await connection.execute(CATALOGUE, tenders, RARE, PLACES, len(places), SLOTS, COMPANY)
        figures["catalogue"] = time.perf_counter() - started
        started = time.perf_counter()
        statement = CHANGES.format(release=release_sql())
        templates = release_template(True), release_template(False)
        for low in range(0, tenders if feed else 0, batch):  # a transaction a batch: many xids
            await connection.execute(statement, *templates, low, low + batch)
        figures["changes"] = time.perf_counter() - started
        started = time.perf_counter()
        for table in ("catalogue", "changes"):  # VACUUM runs alone, outside a transaction block
            await connection.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} hub.{table}")
        figures["analyze"] = time.perf_counter() - started
        for table in ("catalogue", "changes"):
            figures[f"{table} MiB"] = (
                await connection.fetchval(f"SELECT pg_total_relation_size('hub.{table}')") / 2**20
            )
            figures[f"{table} rows"] = await connection.fetchval(f"SELECT count(*) FROM hub.{table}")
    finally:
        await connection.close()
    return figures


# Typical searches

COMMON = [
    "jalan",
    "jembatan",
    "gedung",
    "puskesmas",
    "sekolah",
    "irigasi",
    "pengadaan",
    "komputer",
    "seragam",
]
TWO_WORDS = ["jembatan desa", "jalan poros", "rehabilitasi gedung", "pengadaan komputer", "alat kesehatan",
             "saluran irigasi", "pembangunan puskesmas", "seragam sekolah"]  # fmt: skip
KINDS = {
    "q: one common word": "`q=jalan`, `q=puskesmas`, ... (9 words)",
    "q: two words": "`q=jembatan desa`, `q=alat kesehatan`, ... (8 pairs)",
    "q: a rare word": "`q=mangrove`, `q=amdal sukamaju`, ... (200-300 rows each)",
    "q + filters": "`q=jalan&province=35&category=construction&fiscal_year=2025`, ...",
    "filters only": "`tenant=...`, `status=announced`, `open=true`, `open=true&province=..`",
    "budget range, sort=-budget": "`budget_min=1000000000&budget_max=5000000000&sort=-budget`, ...",
    "first page, no filter (newest)": "`/api/catalogue`",
    "q, sort=relevance": "`q=jalan&sort=relevance`, `q=saluran irigasi&sort=relevance`, `q=mangrove&...`",
    "page 21 by next_cursor": "newest, unfiltered and `category=goods`; `q=jalan&sort=newest`",
    "one tender": "`/api/catalogue/{ocid}`, random ocids",
}


def searches(places: list[Place]) -> dict[str, list[dict[str, str]]]:
    """The query parameters of each kind of typical search (deep pages and ocids are added later)."""
    rng = random.Random(7)
    provinces = sorted({p.province for p in places})
    slugs = [p.slug for p in places]
    categories = ["construction", "goods", "construction", "other_services"]
    return {
        "q: one common word": [{"q": w} for w in COMMON],
        "q: two words": [{"q": w} for w in TWO_WORDS],
        "q: a rare word": [{"q": "mangrove"}, {"q": "hutan mangrove"}]
        + [{"q": f"amdal {p.lower()}"} for p in PLACES[:6]],
        "q + filters": [
            {
                "q": rng.choice(COMMON[:6]),
                "province": rng.choice(provinces),
                "category": categories[i % 4],
                "fiscal_year": str(2023 + i % 4),
            }
            for i in range(12)
        ],
        "filters only": [{"tenant": s} for s in rng.sample(slugs, 6)]
        + [{"status": "announced"}, {"open": "true"}, {"tenant": rng.choice(slugs), "status": "contracted"}]
        + [{"open": "true", "province": p} for p in rng.sample(provinces, 3)],
        "budget range, sort=-budget": [
            {"budget_min": str(lo), "budget_max": str(lo * 5), "sort": "-budget"}
            for lo in (10**8, 5 * 10**8, 10**9, 5 * 10**9, 10**10)
        ],
        "first page, no filter (newest)": [{}],
        "q, sort=relevance": [
            {"q": w, "sort": "relevance"} for w in [*COMMON[:3], *TWO_WORDS[:3], "mangrove"]
        ],
    }


def catalogue_query(params: dict[str, str]) -> CatalogueQuery:
    numbers = ("budget_min", "budget_max", "fiscal_year", "limit")
    values: dict[str, Any] = {k: int(v) if k in numbers else v for k, v in params.items() if k != "open"}
    return CatalogueQuery(**values, open_now=params.get("open") == "true")


def deep_cursors(base: str, pages: int) -> list[dict[str, str]]:
    """Page ``pages + 1`` of a few searches, reached by following ``next_cursor`` as a client does."""
    out = []
    with httpx.Client(base_url=base, timeout=600) as client:
        for params in ({}, {"category": "goods"}, {"q": "jalan", "sort": "newest"}):
            cursor: str | None = None
            for _ in range(pages):
                page = client.get(
                    "/api/catalogue", params={**params, **({"cursor": cursor} if cursor else {})}
                )
                assert page.status_code == 200, page.text
                cursor = page.json()["next_cursor"]
                assert cursor, params
            out.append({**params, "cursor": str(cursor)})
    return out


async def sample_ocids(url: str, count: int) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT ocid FROM hub.catalogue TABLESAMPLE SYSTEM (1) REPEATABLE (3) LIMIT $1", count
        )
    finally:
        await connection.close()
    return [f"{PREFIX}-{r['ocid']}" for r in rows]


# The side measurement: the page and the facets of one search, apart, by EXPLAIN ANALYZE


async def explain(
    url: str, kinds: dict[str, list[dict[str, str]]], repeat: int, plans: Path
) -> dict[str, Any]:
    """Per kind: the median (over its queries and ``repeat`` runs) of the page and facet statements'
    execution times, and of ``search_catalogue`` as a whole, in-process (no HTTP)."""
    engine = create_engine(Settings(database_url=url))
    captured: list[tuple[str, list[Any]]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        captured.append((statement, list(parameters or [])))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    out: dict[str, Any] = {}
    texts: list[str] = []
    try:
        for kind, queries in kinds.items():
            page_ms: list[float] = []
            facets_ms: list[float] = []
            whole_ms: list[float] = []
            for n, params in enumerate(queries):
                for run in range(repeat):
                    captured.clear()
                    async with hub_sessions(engine)() as session:
                        started = time.perf_counter()
                        await search_catalogue(session, catalogue_query(params))
                        whole_ms.append((time.perf_counter() - started) * 1000)
                        statements = [s for s in captured if "hub.catalogue" in s[0]]
                        driver = (await (await session.connection()).get_raw_connection()).driver_connection
                        assert driver is not None
                        spent = {"page": 0.0, "facets": 0.0}  # the facets may take two statements
                        for sql, args in statements:
                            plan = await driver.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
                            ms = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Execution Time"]
                            spent[
                                "facets" if "GROUPING SETS" in sql or "pg_relation_size" in sql else "page"
                            ] += ms
                            if n == 0 and run == 0:
                                rows = await driver.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
                                plan_text = "\n".join(r[0] for r in rows)
                                texts.append(f"-- {kind}: {params}\n{sql}\n{args}\n{plan_text}\n")
                        page_ms.append(spent["page"])
                        if statements and any("GROUPING SETS" in sql for sql, _ in statements):
                            facets_ms.append(spent["facets"])
            if not whole_ms:  # --explain-repeat 0
                continue
            out[kind] = {
                "page_ms": statistics.median(page_ms),
                "facets_ms": statistics.median(facets_ms) if facets_ms else 0.0,
                "whole_ms": statistics.median(whole_ms),
            }
    finally:
        await engine.dispose()
    await asyncio.to_thread(plans.write_text, "\n".join(texts))
    return out


# The served run: the hub and SELECT 1 in one process, driven from another


def start_hub(url: str, port: int, workers: int, master_key: str, cold: bool) -> subprocess.Popen[bytes]:
    env = {
        "LPSE_BENCH_COLD": "1" if cold else "0",  # no facet counts kept: every first page counts
        **os.environ,
        "LPSE_HUB_DATABASE_URL": url,
        "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0",  # no background probes in a measurement
        "LPSE_HUB_MASTER_KEY": master_key,
        "LPSE_HUB_DATA_DIR": tempfile.mkdtemp(),
        "LPSE_HUB_ISSUER": "http://bench-hub.example",
        "LPSE_HUB_OCID_PREFIX": PREFIX,
        "LPSE_HUB_PUBLIC_REQUESTS_PER_MINUTE": str(10**9),
    }
    command = ["-m", "uvicorn", "--factory", "tests.bench.catalogue_app:create_app", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen([sys.executable, *command], env=env, start_new_session=True)
    try:  # two workers importing the hub take a while on a busy machine
        wait_until_live(f"http://127.0.0.1:{port}", process, timeout=120)
    except RuntimeError:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
        raise
    return process


@dataclass(frozen=True, slots=True)
class Load:
    base: str
    blocks: list[tuple[str, list[str]]]  # (kind, paths to cycle through)
    concurrency: int
    requests: int  # per block, unless ``seconds`` run out first
    seconds: float
    rounds: int
    latency_requests: int  # per kind, one client at a time
    latency_seconds: float
    ratio_pairs: int = 0  # more blocks of the baseline and the mix, in turn, after the rounds


async def block(client: httpx.AsyncClient, paths: list[str], requests: int, seconds: float, concurrency: int
                ) -> dict[str, Any]:  # fmt: skip
    numbers = iter(range(requests))
    deadline = time.perf_counter() + seconds
    client_ms: list[float] = []
    server_ms: list[float] = []
    errors: list[str] = []

    async def worker() -> None:
        for i in numbers:
            if time.perf_counter() > deadline:
                return
            started = time.perf_counter()
            answer = await client.get(paths[i % len(paths)])
            client_ms.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                errors.append(f"{paths[i % len(paths)]} -> {answer.status_code} {answer.text[:200]}")
            server_ms.append(float(answer.headers["server-timing"].split("dur=")[1]))

    cpu = psutil.Process().cpu_times()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    after = psutil.Process().cpu_times()
    return {
        "wall": wall,
        "client_ms": client_ms,
        "server_ms": server_ms,
        "errors": errors,
        "client_cpu": after.user + after.system - cpu.user - cpu.system,
    }


async def drive(load: Load) -> dict[str, dict[str, list[dict[str, Any]]]]:
    # A connection per request, as browsers spread over the two workers (see docs/BENCHMARKS.md, issue 4).
    limits = httpx.Limits(max_connections=load.concurrency, max_keepalive_connections=0)
    loaded: dict[str, list[dict[str, Any]]] = {kind: [] for kind, _ in load.blocks}
    alone: dict[str, list[dict[str, Any]]] = {kind: [] for kind, _ in load.blocks}
    async with httpx.AsyncClient(base_url=load.base, timeout=600, limits=limits) as client:
        for _, paths in load.blocks:  # warm up: plans, statement caches, pages in memory
            await block(client, paths, 2 * load.concurrency, load.seconds, load.concurrency)
        for kind, paths in load.blocks:  # latency without queueing: one request at a time
            alone[kind].append(await block(client, paths, load.latency_requests, load.latency_seconds, 1))
        for _ in range(load.rounds):
            for kind, paths in load.blocks:
                loaded[kind].append(await block(client, paths, load.requests, load.seconds, load.concurrency))
        # Issue 20's ratio is the mix's rate over the baseline's: measured in turn, block after block,
        # a change in what else runs on the machine meets both alike (a round's baseline and mix are
        # a dozen blocks apart).
        for _ in range(load.ratio_pairs):
            for kind, paths in (load.blocks[0], load.blocks[-1]):
                loaded[kind].append(await block(client, paths, load.requests, load.seconds, load.concurrency))
    return {"alone": alone, "loaded": loaded}


def load_generator(load: Load, out: str) -> None:
    Path(out).write_text(json.dumps(asyncio.run(drive(load))))


def follow_feed(base: str, limit: int) -> dict[str, Any]:
    """One follower reads the whole feed from the start, as a peer hub does."""
    positions: set[int] = set()
    pages = entries = size = 0
    cursor: str | None = None
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=600) as client:
        while True:
            answer = client.get("/api/feed", params={"limit": limit, **({"after": cursor} if cursor else {})})
            assert answer.status_code == 200, answer.text
            size += len(answer.content)
            page = answer.json()
            if not page["entries"]:
                break
            pages += 1
            entries += len(page["entries"])
            positions.update(int(e["release"]["id"].rsplit("-", 1)[1]) for e in page["entries"])
            cursor = page["next"]
    return {"seconds": time.perf_counter() - started, "pages": pages, "entries": entries,
            "distinct": len(positions), "MiB": size / 2**20}  # fmt: skip


def served(url: str, kinds: dict[str, list[str]], args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    hub = start_hub(url, port, args.workers, args.master_key, args.cold)
    base = f"http://127.0.0.1:{port}"
    out = tempfile.mktemp(suffix=".json")
    try:
        deep = deep_cursors(base, args.deep_pages)
        blocks = [(k, paths) for k, paths in kinds.items()]
        blocks.insert(-1, ("page 21 by next_cursor", [f"/api/catalogue?{urlencode(p)}" for p in deep]))
        mix = [p for _, paths in blocks for p in paths[:4]]
        random.Random(8).shuffle(mix)
        blocks = [("SELECT 1 (baseline)", ["/bench/select1"]), *blocks, ("the mix of all kinds", mix)]
        load = Load(base, blocks, args.concurrency, args.requests, args.seconds, args.rounds,
                    args.latency_requests, args.latency_seconds, args.ratio_pairs)  # fmt: skip
        generator = multiprocessing.get_context("spawn").Process(target=load_generator, args=(load, out))
        generator.start()
        generator.join()
        if generator.exitcode != 0:
            raise RuntimeError(f"the load generator failed (exit code {generator.exitcode})")
        feed = follow_feed(base, 1000) if args.feed else {}
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(timeout=120)
    return {"load": json.loads(Path(out).read_text()), "feed": feed, "deep": deep}


# The rebuild, on real tenders

COPIES = """
WITH drawn AS (
    SELECT p.*, g, (p.budget * (0.3 + 1.4 * random()))::bigint AS pagu
    FROM {s}.packages p CROSS JOIN generate_series(1, $2::int) AS g WHERE p.id = $1
), packages AS (
    INSERT INTO {s}.packages (agency_id, title, fiscal_year, category, method, budget, owner_estimate,
                              location, kbli, created_by)
    SELECT agency_id, ($4::text[])[g], fiscal_year, category, method, pagu, (pagu * 0.9)::bigint, location,
           kbli, created_by
    FROM drawn RETURNING id
), tenders AS (
    INSERT INTO {s}.tenders (package_id, evaluation, status, public_key, key_fingerprint, wrapped_private_key,
                             announced_at, objection_days, created_by)
    SELECT n.id, t.evaluation, t.status, t.public_key, t.key_fingerprint, t.wrapped_private_key,
           t.announced_at + n.id * interval '1 second', t.objection_days, t.created_by
    FROM packages n, {s}.tenders t WHERE t.id = $3
    RETURNING id
)
INSERT INTO {s}.tender_stages (tender_id, stage, starts_at, ends_at)
SELECT n.id, st.stage, st.starts_at, st.ends_at FROM tenders n, {s}.tender_stages st WHERE st.tender_id = $3
"""


async def real_tenders(url: str, places: list[Place], per_tenant: int) -> dict[str, float]:
    """In each of ``places``: its synthetic rows removed; one tender announced through the services
    (so published as users publish), and ``per_tenant - 1`` copies of it inserted by SQL (not published)."""
    engine = create_engine(Settings(database_url=url))
    master = MasterKey.parse(MasterKey.generate())
    rng = random.Random(9)
    figures: dict[str, float] = {"synthetic rows removed": 0}
    try:
        connection = await asyncpg.connect(url)
        try:
            status = await connection.execute(
                "DELETE FROM hub.catalogue WHERE tenant_code = ANY($1::text[])", [p.code for p in places]
            )
            figures["synthetic rows removed"] = int(status.split()[-1])
        finally:
            await connection.close()
        started = time.perf_counter()
        for place in places:
            tender_id, schema = await announce_one(engine, master, place)
            titles = [f"{rng.choice(stems())[1]} Desa {rng.choice(PLACES)}" for _ in range(per_tenant - 1)]
            async with engine.begin() as connection:
                driver = (await connection.get_raw_connection()).driver_connection
                assert driver is not None
                package_id = await driver.fetchval(f"SELECT package_id FROM {schema}.tenders WHERE id = $1",
                                                   tender_id)  # fmt: skip
                await driver.execute(
                    COPIES.replace("{s}", schema), package_id, per_tenant - 1, tender_id, titles
                )
        figures["setup seconds"] = time.perf_counter() - started
    finally:
        await engine.dispose()
    return figures


async def announce_one(engine: AsyncEngine, master: MasterKey, place: Place) -> tuple[int, str]:
    async with hub_sessions(engine)() as session, session.begin():
        tenant = await resolve_tenant(session, slug=place.slug)
        ppk = Account(email=f"ppk@{place.slug}.go.id", name="PPK", status="active")
        pokja = Account(email=f"pokja@{place.slug}.go.id", name="Pokja", status="active")
        session.add_all([ppk, pokja])
        await session.flush()
        session.add_all([
            Membership(account_id=ppk.id, tenant_id=tenant.id, role=Role.COMMITMENT_OFFICER.value),
            Membership(account_id=pokja.id, tenant_id=tenant.id, role=Role.SELECTION_COMMITTEE.value),
        ])  # fmt: skip
    now, day = datetime.now(UTC), timedelta(days=1)
    schedule = {
        "announcement": (now - timedelta(hours=1), now + 3 * day),
        "document_download": (now - timedelta(hours=1), now + 3 * day),
        "bid_submission": (now + day, now + 8 * day),
        "bid_opening": (now + 8 * day, now + 9 * day),
    }
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        agency = await add_agency(session, PUPR)
        package = await create_package(
            session,
            Actor(ppk.id, tenant),
            PackageInput(agency.id, f"Pembangunan Jembatan Desa {PLACES[0]}", 2026, "construction", "tender",
                         2_000_000_000, 1_800_000_000, PLACES[0], ["42102"]),
        )  # fmt: skip
        tender = await create_tender(session, Actor(pokja.id, tenant), package.id, "lowest_price", schedule)
        await announce_tender(session, Actor(pokja.id, tenant), tender.id, master)
        return tender.id, tenant.schema


async def rebuild(url: str, places: list[Place]) -> list[dict[str, Any]]:
    """``rebuild_catalogue`` of the tenants, twice: the first writes every row, the second checks."""
    engine = create_engine(Settings(database_url=url))
    runs = []
    try:
        for _ in range(2):
            started = time.perf_counter()
            drifts = await rebuild_catalogue(engine, [p.slug for p in places])
            runs.append({
                "seconds": time.perf_counter() - started,
                "checked": sum(d.checked for d in drifts),
                "missing": sum(len(d.missing) for d in drifts),
                "changed": sum(len(d.changed) for d in drifts),
                "removed": sum(len(d.removed) for d in drifts),
                "republished": sum(len(d.republished) for d in drifts),
            })  # fmt: skip
    finally:
        await engine.dispose()
    return runs


# The report


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] if ordered else 0.0


def merged(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    wall = sum(b["wall"] for b in blocks)
    client = [x for b in blocks for x in b["client_ms"]]
    return {
        "requests": len(client),
        "rate": len(client) / wall,
        "client": client,
        "server": [x for b in blocks for x in b["server_ms"]],
        "client_cpu": sum(b["client_cpu"] for b in blocks),
        "wall": wall,
        "errors": [e for b in blocks for e in b["errors"]],
    }


def issue_20(args: argparse.Namespace, figures: dict[str, Any]) -> dict[str, Any]:
    """Issue 20's figures: the mix's rate against ``SELECT 1`` at 32 clients, and the servers' p95
    latency alone (one client) of the mix, ``q`` with filters, and ``sort=relevance``."""
    blocks = figures["served"]["load"]
    alone = {kind: merged(b) for kind, b in blocks["alone"].items()}
    loaded = {kind: merged(b) for kind, b in blocks["loaded"].items()}
    mix_p95 = pct(alone["the mix of all kinds"]["server"], 95)
    pairs = blocks["loaded"]["SELECT 1 (baseline)"], blocks["loaded"]["the mix of all kinds"]

    def rate(block: dict[str, Any]) -> float:
        return len(block["client_ms"]) / float(block["wall"])

    return {
        "catalogue_mix_ratio_to_select_1": round(
            loaded["the mix of all kinds"]["rate"] / loaded["SELECT 1 (baseline)"]["rate"], 3
        ),
        "catalogue_mix_p95_cold_ms" if args.cold else "catalogue_mix_p95_warm_ms": round(mix_p95, 1),
        "q_with_filters_p95_ms": round(pct(alone["q + filters"]["server"], 95), 1),
        "relevance_sparse_words_p95_ms": round(pct(alone["q, sort=relevance"]["server"], 95), 1),
        "catalogue_mix_ratio_by_block": [  # each block of the mix over the baseline's before it
            round(rate(mix) / rate(one), 3) for one, mix in zip(*pairs, strict=True)
        ],
        "select_1_requests_per_s": round(loaded["SELECT 1 (baseline)"]["rate"], 1),
        "mix_requests_per_s": round(loaded["the mix of all kinds"]["rate"], 1),
        "tenders": figures["seed"]["catalogue rows"],
        "facet_cache": "off (cold)" if args.cold else "on (warm)",
        "errors": sum(len(f["errors"]) for f in (*alone.values(), *loaded.values())),
        "load_average": figures["load_average"],
        "machine": machine(),
        "command": command("tests.bench.bench_catalogue"),
    }


def report(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    print(f"Machine: {machine()}; PostgreSQL {figures['version']} ({figures['settings']})\n")
    print(f"Load average before and after the served run: {figures['load_average']}\n")
    s = figures["seed"]
    print("| setup | value |\n|---|---|")
    print(f"| provision {figures['tenants']} tenants | {figures['provision']:.1f} s |")
    print(f"| seed {s['catalogue rows']:,} catalogue rows (one INSERT ... SELECT) | {s['catalogue']:.1f} s "
          f"({s['catalogue MiB']:,.0f} MiB with indexes) |")  # fmt: skip
    print(f"| seed {s['changes rows']:,} feed changes ({args.tenders // args.batch} transactions) "
          f"| {s['changes']:.1f} s ({s['changes MiB']:,.0f} MiB) |")  # fmt: skip
    print(f"| {'VACUUM (ANALYZE)' if args.vacuum else 'ANALYZE'} both | {s['analyze']:.1f} s |")
    _served(args, figures["served"]["load"])
    print("\n| kind (in-process, EXPLAIN ANALYZE, median) | page statement | facets statement "
          "| search_catalogue |\n|---|---|---|---|")  # fmt: skip
    for kind, e in figures["explain"].items():
        print(f"| {kind} | {e['page_ms']:.1f} ms | {e['facets_ms']:.1f} ms | {e['whole_ms']:.1f} ms |")
    feed = figures["served"]["feed"]
    if feed:
        rate = feed["entries"] / feed["seconds"]
        print(f"\nFeed: {feed['entries']:,} entries in {feed['pages']} pages of 1,000 in "
              f"{feed['seconds']:.1f} s ({rate:,.0f} entries/s, {feed['MiB']:,.0f} MiB); "
              f"distinct positions {feed['distinct']:,} of {s['changes rows']:,}")  # fmt: skip
    if figures.get("rebuild"):
        r = figures["real"]
        print(f"\nRebuild: {args.rebuild_tenants} tenants x {args.rebuild_per_tenant} announced tenders "
              f"(setup {r['setup seconds']:.1f} s; {r['synthetic rows removed']:,} synthetic rows "
              "removed first)")  # fmt: skip
        for n, run in enumerate(figures["rebuild"], start=1):
            rate = run["checked"] / run["seconds"]
            print(f"- run {n}: {run['checked']:,} checked, {run['missing']:,} missing, "
                  f"{run['changed']} changed, {run['removed']} removed, {run['republished']:,} "
                  f"republished in {run['seconds']:.1f} s: "
                  f"{rate:,.0f} tenders/s; extrapolated to 1,000,000: "
                  f"{1_000_000 / rate / 60:.0f} min")  # fmt: skip


def _served(args: argparse.Namespace, blocks: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    alone = {kind: merged(b) for kind, b in blocks["alone"].items()}
    load = {kind: merged(b) for kind, b in blocks["loaded"].items()}
    floor = load["SELECT 1 (baseline)"]["rate"]
    print(f"\n{args.workers} uvicorn workers, a connection per request. Latency: one client, at most "
          f"{args.latency_requests} requests or {args.latency_seconds:.0f} s per kind. Rate: "
          f"{args.concurrency} concurrent clients, {args.rounds} rounds of at most {args.requests} "
          f"requests or {args.seconds:.1f} s per kind, then {args.ratio_pairs} more blocks each of "
          "SELECT 1 and the mix, in turn.\n")  # fmt: skip
    print("| kind | alone: server p50 / p95 / p99 ms | client p50 | loaded: requests | requests/s "
          "| / SELECT 1 | server p50 / p95 ms | errors |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    for kind, f in load.items():
        a, srv = alone[kind], f["server"]
        latency = " / ".join(f"{pct(a['server'], p):.1f}" for p in (50, 95, 99))
        print(f"| {kind} | {latency} | {pct(a['client'], 50):.1f} | {f['requests']:,} | {f['rate']:,.0f} "
              f"| {f['rate'] / floor:.2f} | {pct(srv, 50):.1f} / {pct(srv, 95):.1f} "
              f"| {len(f['errors']) + len(a['errors'])} |")  # fmt: skip
    for kind, f in load.items():
        for error in f["errors"][:2]:
            print(f"\n- {kind}: {error}")


# The run


async def settings_of(url: str) -> tuple[str, str]:
    connection = await asyncpg.connect(url)
    try:
        version = await connection.fetchval("SHOW server_version")
        names = ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit")
        settings = [f"{n}={await connection.fetchval(f'SHOW {n}')}" for n in names]
    finally:
        await connection.close()
    return str(version), ", ".join(settings)


async def existing_places(url: str) -> list[Place]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT code, slug, name, province_code FROM hub.tenants WHERE kind <> 'province' ORDER BY code"
        )
        seeded = await connection.fetchval("SELECT count(*) FROM hub.catalogue")  # a quick seed has no feed
    finally:
        await connection.close()
    return [Place(*r) for r in rows] if seeded else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--database", default="lpse_hub_bench_catalogue")
    parser.add_argument("--tenders", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000, help="feed changes per seeding transaction")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000, help="per kind and round, at most")
    parser.add_argument("--seconds", type=float, default=15, help="per kind and round, at most")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--ratio-pairs", type=int, default=2, help="then more blocks of SELECT 1 and the mix, in turn"
    )
    parser.add_argument(
        "--no-vacuum", dest="vacuum", action="store_false", help="ANALYZE the seed, not VACUUM (ANALYZE)"
    )
    parser.add_argument("--latency-requests", type=int, default=300, help="per kind, one at a time, at most")
    parser.add_argument("--latency-seconds", type=float, default=10, help="per kind, one at a time, at most")
    parser.add_argument("--deep-pages", type=int, default=20)
    parser.add_argument("--explain-repeat", type=int, default=3)
    parser.add_argument(
        "--plans", type=Path, default=Path(tempfile.gettempdir()) / "bench_catalogue_plans.txt"
    )
    parser.add_argument("--rebuild-tenants", type=int, default=20)
    parser.add_argument("--rebuild-per-tenant", type=int, default=500)
    parser.add_argument("--skip-feed", dest="feed", action="store_false")
    parser.add_argument("--keep", action="store_true", help="leave the database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="a kept, seeded database: skip the seed")
    parser.add_argument(
        "--warm", dest="cold", action="store_false", help="keep each search's counts 10 s, as the hub does"
    )
    parser.add_argument("--tenants", type=int, default=None, help="provision only the first N regencies")
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:  # about a minute on a quiet machine: 3% of the catalogue, short blocks, no feed
        args.tenders, args.tenants, args.batch = 30_000, 30, 30_000
        args.requests, args.seconds, args.rounds, args.ratio_pairs = 300, 2.0, 1, 5
        args.latency_requests, args.latency_seconds = 40, 1.0
        args.deep_pages, args.explain_repeat, args.rebuild_tenants, args.feed = 3, 0, 0, False
    url = dsn(args.server, args.database)
    figures: dict[str, Any] = {"provision": 0.0}
    places = asyncio.run(existing_places(url)) if args.reuse else []
    kept = Path(tempfile.gettempdir(), f"{args.database}.seed.json")  # the seed's figures and master key
    if places:
        figures["seed"] = json.loads(kept.read_text())
    else:
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
        figures["provision"], places = asyncio.run(provision(url, args.tenants))
        figures["seed"] = asyncio.run(seed(url, places, args.tenders, args.batch, args.feed, args.vacuum))
        figures["seed"]["master key"] = MasterKey.generate()
        kept.write_text(json.dumps(figures["seed"]))
    args.master_key = figures["seed"]["master key"]
    try:
        figures["tenants"] = len(places)
        kinds = searches(places)
        figures["explain"] = asyncio.run(explain(url, kinds, args.explain_repeat, args.plans))
        paths = {k: [f"/api/catalogue?{urlencode(p)}" for p in params] for k, params in kinds.items()}
        paths["one tender"] = [f"/api/catalogue/{o}" for o in asyncio.run(sample_ocids(url, 2000))]
        load_before = os.getloadavg()
        figures["served"] = served(url, paths, args)
        figures["load_average"] = " / ".join(f"{x:.1f}" for x in (*load_before, *os.getloadavg()))
        if args.rebuild_tenants:
            chosen = [p for p in places if p.province == "35"][: args.rebuild_tenants]
            figures["real"] = asyncio.run(real_tenders(url, chosen, args.rebuild_per_tenant))
            figures["rebuild"] = asyncio.run(rebuild(url, chosen))
        figures["version"], figures["settings"] = asyncio.run(settings_of(url))
    finally:
        if not args.keep:
            asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))

    def markdown(chosen: Mapping[str, Any]) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            report(args, figures)
        lines = [f"| {name} | {value} |" for name, value in chosen.items()]
        return "\n".join([out.getvalue(), "| issue 20 | value |", "|---|---|", *lines])

    print_figures(issue_20(args, figures), args, markdown)


if __name__ == "__main__":
    main()
