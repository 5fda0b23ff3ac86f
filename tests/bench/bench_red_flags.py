"""Figures for the red flags at a million tenders: a whole province's hub, one province, one release.

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_red_flags --tenders 1000000

1. The world: the hub migrated; ``--tenders`` catalogue rows spread over the 514 regencies and cities
   as ``bench_catalogue`` seeds them (its SQL, same seed), without provisioning the tenants (the
   flags read the catalogue and the feed only).
2. The feed: one release per row, made from a real ``federation.catalogue.ocds.release`` (parties,
   items, documents, awards, contracts) as ``bench_catalogue`` makes it, with what the indicators read
   varied per row by SQL: as many bids as the row has bidders (1-12), their vendors, prices from
   80% to 100% of the HPS and about one in ten disqualified; the winner's vendor id and the buyer's
   (one per agency of a tenant, about 60 tenders each, where the template has one per tenant); an amendment on
   8% of the tenders, 0-9 days before bids close; a contract above its award on 2%. The feed's
   trigger (migration h0018) writes each tender's facts as the release is appended, so the seed's
   time includes it; the seed is timed with the trigger on, then a sample again with it off.
3. The figures, in-process, each repeated: ``federation.catalogue.flagged.flagged`` over every tender
   (the hub of a province of a million tenders), over province 35, and over one buyer (what one new
   release asks again: its own indicators and its buyer's H02); appending one release with its facts
   against appending it with the trigger disabled (the cost a publication pays); and the baseline,
   the previous implementation (each tender's last release found in ``hub.changes``, compiled, then
   ``red_flags``), over province 35, side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Mapping
from typing import Any

import asyncpg
import psutil
from sqlalchemy import func, select

from federation.catalogue.flagged import RedFlagQuery, flagged, judged_on
from federation.catalogue.models import LOCAL, CatalogueEntry, Change, RedFlagFacts
from federation.catalogue.ocds import with_ocid
from federation.catalogue.records import compiled, public_ocid
from federation.catalogue.red_flags import red_flags
from hub.core.database import create_engine, hub_sessions
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from tenants.regions import RegionKind, all_regions
from tests.bench.bench_catalogue import (
    CATALOGUE,
    COMPANY,
    PLACES,
    RARE,
    SLOTS,
    release_sql,
    release_template,
    stems,
)
from tests.bench.bench_tenants import admin, dsn
from tests.bench.figures import add_run_options, command, machine, print_figures

PREFIX = "ocds-lpsehub"

FEED = """
INSERT INTO hub.changes (origin, ocid, tags, release, created_at)
SELECT '', c.ocid, CASE WHEN c.status = 'contracted' THEN ARRAY['contract'] ELSE ARRAY['tender'] END,
    jsonb_set(jsonb_set(jsonb_set(jsonb_set(base, '{{bids,details}}', bids.details),
        '{{tender,numberOfTenderers}}', to_jsonb(coalesce(c.bidders, 0))),
        '{{tender,tenderers}}', bids.tenderers),
        '{{tender,amendments}}', amended.amendments)
    || CASE WHEN c.status = 'contracted' AND abs(hashtext(c.ocid || 'x')) % 50 = 0
            THEN jsonb_build_object('contracts', jsonb_set(base -> 'contracts', '{{0,value,amount}}',
                 to_jsonb((c.contract_value * 1.1)::bigint)))
            ELSE '{{}}'::jsonb END,
    coalesce(c.awarded_at, c.announced_at)
FROM (SELECT c.*, ({release})::jsonb AS base FROM hub.catalogue c WHERE c.id > $3 AND c.id <= $4) c
CROSS JOIN LATERAL (
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', c.ocid || '-bid-' || k,
               'status', CASE WHEN c.awarded_at IS NULL THEN 'pending'
                              WHEN abs(hashtext(c.ocid || 'd' || k)) % 10 = 0 THEN 'disqualified'
                              ELSE 'valid' END,
               'value', jsonb_build_object('amount',
                   (c.owner_estimate * (0.8 + (abs(hashtext(c.ocid || 'p' || k)) % 2000) / 10000.0))::bigint,
                   'currency', 'IDR'),
               'tenderers', jsonb_build_array(jsonb_build_object('id', 'ID-VENDOR-' || v, 'name', 'CV ' || v))
           ) ORDER BY k), '[]'::jsonb) AS details,
           coalesce(jsonb_agg(jsonb_build_object('id', 'ID-VENDOR-' || v, 'name', 'CV ' || v) ORDER BY k),
                    '[]'::jsonb) AS tenderers
    FROM generate_series(1, coalesce(c.bidders, 0)) AS k,
         LATERAL (SELECT abs(hashtext(c.ocid || 'v' || k)) % 20000 AS v) AS vendor
) bids
CROSS JOIN LATERAL (
    SELECT CASE WHEN abs(hashtext(c.ocid || 'a')) % 100 < 8 THEN jsonb_build_array(jsonb_build_object(
        'id', '1',
        'date', to_jsonb(c.submission_ends_at - (abs(hashtext(c.ocid || 'ad')) % 10) * interval '1 day'),
        'rationale', 'Perubahan jadwal', 'description', 'Batas pemasukan penawaran diubah'))
        ELSE '[]'::jsonb END AS amendments
) amended
ORDER BY c.id
"""
"""A feed change per catalogue row: ``bench_catalogue``'s release with bids, tenderers, amendments and
some contracts above their award; the winner's vendor id made of its name."""


def unprovisioned() -> list[tuple[str, str, str, str]]:
    """Every regency and city as (code, slug, name, province), without tenants: the flags need none."""
    regions = sorted(
        (r for r in all_regions().values() if r.kind is not RegionKind.PROVINCE), key=lambda r: r.code
    )
    return [(r.code, f"t{r.code}", r.name, r.code[:2]) for r in regions]


async def seed(
    url: str, tenders: int, batch: int, places: list[tuple[str, str, str, str]] | None = None
) -> dict[str, float]:
    """The catalogue (``bench_catalogue``'s SQL) over ``places`` (every regency by default, or the
    tenants a caller provisioned), and the feed with what the indicators read varied per row."""
    regions = places or unprovisioned()
    figures: dict[str, float] = {}
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "CREATE TEMP TABLE bench_tenants (n int, code text, slug text, name text, province text);"
            "CREATE TEMP TABLE bench_stems (slot int, category text, title text, agency text, kbli text)"
        )
        await connection.copy_records_to_table(
            "bench_tenants",
            records=[(n, *place) for n, place in enumerate(regions)],
        )
        await connection.copy_records_to_table(
            "bench_stems", records=[(n, *s) for n, s in enumerate(stems())]
        )
        await connection.execute("SELECT setseed(0.6)")
        started = time.perf_counter()
        await connection.execute(CATALOGUE, tenders, RARE, PLACES, len(regions), SLOTS, COMPANY)
        figures["catalogue s"] = time.perf_counter() - started
        winner = "'ID-VENDOR-' || abs(hashtext(coalesce(c.winner, ''))) % 20000"
        buyer = "'ID-SATKER-' || c.tenant_code || '-' || (abs(hashtext(c.agency)) % 1000 + 1) || '\"'"
        release = f"replace({release_sql()}, 'ID-VENDOR-70001', {winner})"
        release = f"replace({release}, 'ID-SATKER-' || c.tenant_code || '-1\"', {buyer})"
        statement = FEED.format(release=release)
        templates = release_template(True), release_template(False)
        started = time.perf_counter()
        for low in range(0, tenders, batch):
            await connection.execute(statement, *templates, low, low + batch)
        figures["feed with facts s"] = time.perf_counter() - started
        await connection.execute("ANALYZE hub.catalogue; ANALYZE hub.changes; ANALYZE hub.red_flag_facts")
        for table in ("changes", "red_flag_facts"):
            size = await connection.fetchval(f"SELECT pg_total_relation_size('hub.{table}')")
            figures[f"{table} MiB"] = size / 2**20
        figures["facts rows"] = await connection.fetchval("SELECT count(*) FROM hub.red_flag_facts")
        figures["average release bytes"] = await connection.fetchval(
            "SELECT avg(pg_column_size(release)) FROM (SELECT release FROM hub.changes LIMIT 10000) s"
        )
        figures["average facts bytes"] = await connection.fetchval(
            "SELECT avg(pg_column_size(facts)) FROM (SELECT facts FROM hub.red_flag_facts LIMIT 10000) s"
        )
    finally:
        await connection.close()
    return figures


async def baseline(session: Any, province: str) -> tuple[int, int]:
    """The previous ``compiled_releases`` + ``red_flags``: each tender's last release from the feed."""
    e = CatalogueEntry
    last = (
        select(func.max(Change.position).label("position"))
        .where(Change.origin == LOCAL)
        .group_by(Change.ocid)
        .subquery()
    )
    statement = (
        select(Change.ocid, Change.position, Change.release)
        .join(last, last.c.position == Change.position)
        .join(e, (e.origin == Change.origin) & (e.ocid == Change.ocid))
        .where(e.province_code == province)
        .order_by(Change.ocid)
    )
    rows = await session.execute(statement)
    releases = [compiled([with_ocid(r, public_ocid(PREFIX, o), p)]) for o, p, r in rows]
    return len(releases), len(red_flags(releases, as_of=await judged_on(session)))  # H07 as flagged judges


async def measure(url: str, repeat: int, appends: int) -> dict[str, Any]:
    engine = create_engine(Settings(database_url=url))
    figures: dict[str, Any] = {}
    process = psutil.Process()
    try:
        sessions = hub_sessions(engine)

        async def run(query: RedFlagQuery) -> tuple[int, int, dict[str, int]]:
            async with sessions() as session, session.begin():
                found = await flagged(session, PREFIX, query)
            counts: dict[str, int] = {}
            for f in found.flags:
                counts[f.code] = counts.get(f.code, 0) + 1
            return found.tenders, len(found.flags), counts

        async def baseline_run(province: str) -> tuple[int, int]:
            async with sessions() as session, session.begin():
                return await baseline(session, province)

        async def timed_async(label: str, work: Any) -> None:
            took, answer = [], None
            for _ in range(repeat):
                rss = process.memory_info().rss
                started = time.perf_counter()
                answer = await work()
                took.append(time.perf_counter() - started)
                figures.setdefault(f"{label} rss growth MiB", []).append(
                    (process.memory_info().rss - rss) / 2**20
                )
            figures[label] = {"seconds": took, "answer": answer}

        # Side by side, alternating: the baseline and the facts over the same province.
        for _ in range(repeat):
            for label, work in (
                ("baseline: province 35", lambda: baseline_run("35")),
                ("facts: province 35", lambda: run(RedFlagQuery(province="35"))),
            ):
                started = time.perf_counter()
                answer = await work()
                entry = figures.setdefault(label, {"seconds": [], "answer": None})
                entry["seconds"].append(time.perf_counter() - started)
                entry["answer"] = answer
        await timed_async("facts: every tender", lambda: run(RedFlagQuery()))
        async with sessions() as session:  # the buyers of 20 tenders drawn at random, as new releases are
            buyers = (
                (await session.execute(select(RedFlagFacts.buyer_id).order_by(func.random()).limit(20)))
                .scalars()
                .all()
            )
        took = []
        for buyer in buyers:
            started = time.perf_counter()
            await run(RedFlagQuery(buyer=buyer))
            took.append(time.perf_counter() - started)
        figures["facts: one buyer (H02 and its tenders' own)"] = {"seconds": took, "answer": len(buyers)}
        figures["append one release"] = await appends_timed(url, appends)
    finally:
        await engine.dispose()
    return figures


async def appends_timed(url: str, count: int) -> dict[str, list[float]]:
    """One release appended, committed, with the facts' trigger on and off, alternating."""
    connection = await asyncpg.connect(url)
    took: dict[str, list[float]] = {"with facts": [], "trigger disabled": []}
    try:
        sample = await connection.fetch(
            "SELECT ocid, release::text AS release FROM hub.changes ORDER BY random() LIMIT $1", count
        )
        insert = (
            "INSERT INTO hub.changes (origin, ocid, tags, release) "
            "VALUES ('', $1, ARRAY['tenderUpdate'], $2::jsonb)"
        )
        for n, row in enumerate(sample):
            for label in ("with facts", "trigger disabled") if n % 2 else ("trigger disabled", "with facts"):
                if label == "trigger disabled":
                    await connection.execute("ALTER TABLE hub.changes DISABLE TRIGGER keep_red_flag_facts")
                started = time.perf_counter()
                await connection.execute(insert, row["ocid"], row["release"])
                took[label].append(time.perf_counter() - started)
                if label == "trigger disabled":
                    await connection.execute("ALTER TABLE hub.changes ENABLE TRIGGER keep_red_flag_facts")
    finally:
        await connection.close()
    return took


async def migrated(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
    finally:
        await engine.dispose()


def markdown(figures: Mapping[str, Any]) -> str:
    def ms(values: list[float]) -> str:
        low, mid, high = (x * 1000 for x in (min(values), statistics.median(values), max(values)))
        return f"median {mid:,.1f} ms (min {low:,.1f}, max {high:,.1f})"

    lines = [
        f"## bench_red_flags: {figures['tenders']:,} tenders ({figures['machine']})",
        f"command: {figures['command']}",
        "seed: " + json.dumps(figures["seed"], default=str),
    ]
    for label, entry in figures["measure"].items():
        if isinstance(entry, dict) and "seconds" in entry:
            lines.append(f"- {label}: {ms(entry['seconds'])}; answer {entry['answer']}")
        elif label == "append one release":
            lines += [f"- append one release, {kind}: {ms(values)}" for kind, values in entry.items()]
        else:
            lines.append(f"- {label}: {entry}")
    ratio = figures["facts_ratio_to_baseline_province_35"]
    lines.append(
        f"- province 35, facts against the baseline: {1 / ratio:.1f}x faster ({ratio:.3f} of its time)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="lpse_hub_bench_red_flags")
    parser.add_argument("--tenders", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--appends", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="leave the database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="a kept, seeded database: skip the seed")
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:  # a hundredth of the tenders over the same regencies, a quarter of the appends
        args.tenders //= 100
        args.appends //= 4
    url = dsn(args.server, args.database)
    figures: dict[str, Any] = {
        "command": command("tests.bench.bench_red_flags"),
        "machine": machine(),
        "tenders": args.tenders,
    }
    if args.reuse:
        figures["seed"] = {"reused": True}
    else:
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
        asyncio.run(migrated(url))
        figures["seed"] = asyncio.run(seed(url, args.tenders, args.batch))
    try:
        figures["measure"] = asyncio.run(measure(url, args.repeat, args.appends))
    finally:
        if not args.keep:
            asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
    base = statistics.median(figures["measure"]["baseline: province 35"]["seconds"])
    facts = statistics.median(figures["measure"]["facts: province 35"]["seconds"])
    figures["facts_ratio_to_baseline_province_35"] = facts / base
    print_figures(figures, args, markdown)


if __name__ == "__main__":
    main()
