"""Figures for the public portal at a million tenders: the server time of its pages (issue 18).

Usage (a PostgreSQL server you can create databases on; the script makes its own database):

    python -m tests.bench.bench_portal --tenders 1000000 --keep     # seed, measure, keep the database
    python -m tests.bench.bench_portal --reuse                       # measure again on the kept one

1. The world: the hub migrated and the 514 regencies and cities provisioned as tenants
   (``bench_catalogue.provision``); ``--tenders`` catalogue rows and their releases as
   ``bench_red_flags`` seeds them (bids, buyers per agency, amendments), the red flags' facts written
   by the feed's trigger.
2. The hub (``tests/bench/catalogue_app.py``: the hub's app with ``Server-Timing`` and ``GET
   /bench/select1``) under uvicorn with two workers, no background probes or sweeps.
3. Each kind of page, one request at a time after a warm-up (latency without queueing), the server's
   own time read from ``Server-Timing``: the home page (no query, words, words and filters, open now,
   a budget range, page 2 by cursor), a regency's page, a tender's page (tenders drawn at random),
   the open-data page, and ``SELECT 1`` on the same pool as the floor, in interleaved rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from hub.core.database import create_engine
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.regions import regions_of_province
from tenants.registry.provisioning import provision_regions
from tests.bench.bench_catalogue import provision, start_hub
from tests.bench.bench_red_flags import migrated, seed
from tests.bench.bench_tenants import admin, dsn
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.live_server import free_port


async def sample(url: str, count: int) -> tuple[list[str], list[str]]:
    """Tenders drawn at random (their public ocids) and the slugs of the busiest and some other tenants."""
    connection = await asyncpg.connect(url)
    try:
        ocids = await connection.fetch(
            "SELECT ocid FROM hub.catalogue TABLESAMPLE SYSTEM (1) REPEATABLE (3) LIMIT $1", count
        )
        slugs = await connection.fetch(
            "(SELECT tenant_slug FROM hub.catalogue GROUP BY 1 ORDER BY count(*) DESC LIMIT 5) "
            "UNION ALL (SELECT slug FROM hub.tenants WHERE kind <> 'province' ORDER BY md5(slug) LIMIT 15)"
        )
        prefix = "ocds-lpsehub"
    finally:
        await connection.close()
    return [f"{prefix}-{r['ocid']}" for r in ocids], [r[0] for r in slugs]


def kinds(ocids: list[str], slugs: list[str], base: str) -> dict[str, list[str]]:
    with httpx.Client(base_url=base, timeout=120) as client:
        home = client.get("/", params={"q": "jalan"}).text
    following = re.search(r'href="(/\?[^"]*cursor=[^"]+)"', home)
    return {
        "SELECT 1 (floor)": ["/bench/select1"],
        "home, no query": ["/"],
        "home, words": ["/?q=jalan", "/?q=puskesmas", "/?q=jembatan+desa", "/?q=pengadaan+komputer"],
        "home, words and filters": [
            "/?q=jalan&province=35&category=construction",
            "/?q=rehabilitasi&category=construction&method=tender",
        ],
        "home, open now": ["/?open=true", "/?open=true&category=goods"],
        "home, budget range": ["/?budget_min=1000000000&budget_max=5000000000"],
        "home, page 2 by cursor": [following.group(1).replace("&amp;", "&")] if following else ["/?q=jalan"],
        "regency page": [f"/lpse/{s}" for s in slugs],
        "tender page": [f"/tender/{o}" for o in ocids],
        "open data page": ["/data"],
    }


async def measure(base: str, pages: dict[str, list[str]], rounds: int, per_kind: int) -> dict[str, Any]:
    server: dict[str, list[float]] = {kind: [] for kind in pages}
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for paths in pages.values():  # warm-up: plans, statement caches, pages in memory
            for path in paths[:20]:
                await client.get(path)
        for _ in range(rounds):
            for kind, paths in pages.items():
                for n in range(per_kind):
                    path = paths[n % len(paths)]
                    answer = await client.get(path)
                    if answer.status_code != 200:
                        errors.append(f"{path} -> {answer.status_code}")
                    server[kind].append(float(answer.headers["server-timing"].split("dur=")[1]))
    return {"server_ms": server, "errors": errors[:20], "error_count": len(errors)}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def markdown(figures: Mapping[str, Any]) -> str:
    lines = [
        f"## bench_portal: {figures['tenders']:,} tenders ({figures['machine']})",
        f"command: {figures['command']}",
        "seed: " + json.dumps(figures.get("seed", {}), default=str),
        "| page | requests | server p50 | p95 | p99 | max |",
        "|---|---|---|---|---|---|",
    ]
    for kind, values in figures["measure"]["server_ms"].items():
        lines.append(
            f"| {kind} | {len(values)} | {statistics.median(values):.1f} ms | {pct(values, 95):.1f} ms "
            f"| {pct(values, 99):.1f} ms | {max(values):.1f} ms |"
        )
    lines.append(f"errors: {figures['measure']['error_count']} {figures['measure']['errors']}")
    return "\n".join(lines)


def summary(server_ms: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Each kind of page's server time: p50, p95, p99 and max, in ms."""
    return {
        kind: {
            "p50_ms": statistics.median(values),
            "p95_ms": pct(values, 95),
            "p99_ms": pct(values, 99),
            "max_ms": max(values),
        }
        for kind, values in server_ms.items()
    }


async def provisioned(url: str, province: str | None) -> float:
    """Every regency and city a tenant (``bench_catalogue.provision``), or those of one province."""
    if province is None:
        return (await provision(url))[0]
    engine = create_engine(Settings(database_url=url))
    try:
        started = time.perf_counter()
        report = await provision_regions(engine, regions_of_province(province), concurrency=8)
        assert not report.failed, report.failed
        return time.perf_counter() - started
    finally:
        await engine.dispose()


async def places_of(url: str) -> list[tuple[str, str, str, str]]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT code, slug, name, province_code FROM hub.tenants WHERE kind <> 'province' ORDER BY code"
        )
    finally:
        await connection.close()
    places = [tuple(r) for r in rows]
    random.Random(6).shuffle(places)  # the busier tenants spread over the provinces, as bench_catalogue
    return places


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="lpse_hub_bench_portal")
    parser.add_argument("--tenders", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-kind", type=int, default=40, help="requests per kind and round")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--province", help="only this province's regencies and cities (default: all 514)")
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:  # Jawa Timur's tenants, a hundredth of the tenders, a quarter of the requests
        args.province = args.province or "35"
        args.tenders //= 100
        args.per_kind //= 4
    url = dsn(args.server, args.database)
    os.environ["LPSE_HUB_PUBLICATION_SWEEP_SECONDS"] = "0"  # start_hub's hub: nothing in the background
    kept = Path(tempfile.gettempdir(), f"{args.database}.seed.json")
    figures: dict[str, Any] = {
        "command": command("tests.bench.bench_portal"),
        "machine": machine(),
        "tenders": args.tenders,
    }
    if args.reuse:
        figures["seed"] = json.loads(kept.read_text())
    else:
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
        asyncio.run(migrated(url))
        started = time.perf_counter()
        figures["seed"] = {"provision s": asyncio.run(provisioned(url, args.province))}
        figures["seed"] |= asyncio.run(seed(url, args.tenders, args.batch, asyncio.run(places_of(url))))
        figures["seed"]["total s"] = time.perf_counter() - started
        figures["seed"]["master key"] = MasterKey.generate()
        kept.write_text(json.dumps(figures["seed"], default=float))
    hub = None
    try:
        ocids, slugs = asyncio.run(sample(url, 300))
        port = free_port()
        hub = start_hub(url, port, 2, figures["seed"]["master key"])
        base = f"http://127.0.0.1:{port}"
        figures["measure"] = asyncio.run(measure(base, kinds(ocids, slugs, base), args.rounds, args.per_kind))
    finally:
        if hub is not None:
            hub.terminate()
            hub.wait(timeout=30)
        if not args.keep:
            asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
    figures["seed"].pop("master key", None)
    figures["server"] = summary(figures["measure"]["server_ms"])
    print_figures(figures, args, markdown)


if __name__ == "__main__":
    main()
