"""Figures for the foundation: provisioning, migrating and serving 548 tenants.

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_tenants --server postgresql://postgres@127.0.0.1:5432/postgres

Prints a Markdown report for docs/BENCHMARKS.md (``--json``: issue 20's figures as one object;
``--quick``: one pair of the provisioning figures and the concurrent migration, in under two
minutes). Every comparison runs side by side in one run.

Provisioning is measured against the raw DDL of the same tables in pairs, the order alternating,
each side in a fresh database with the hub migrated and a ``CHECKPOINT`` just before it starts:
PostgreSQL 15 fsyncs every B-tree it builds, even an empty one, and writes a full page image of
each catalogue page first touched after a checkpoint, so a side that a checkpoint (timed, every
five minutes) or the drop of the last side's 548 schemas fell on took up to 2.5x as long.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import create_engine, schema_of
from hub.core.master_key import MasterKey
from hub.core.migrations import TENANT_HISTORY, migrate_hub, migrate_tenants, tenant_schema_script
from hub.core.settings import Settings
from tenants.regions import all_regions
from tenants.registry.provisioning import provision_regions
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.extra_revision import EXTRA_REVISION_ID, history_with_extra_revision
from tests.live_server import free_port, wait_until_live


def dsn(server: str, database: str) -> str:
    return make_url(server).set(database=database).render_as_string(hide_password=False)


async def admin(server: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn(server, "postgres"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_database(server: str, name: str) -> Iterator[str]:
    asyncio.run(admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(admin(server, f'CREATE DATABASE "{name}"'))
    try:
        yield dsn(server, name)
    finally:
        asyncio.run(admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


SERVING_ROLE = "lpse_hub_bench_serving"
"""The role provisioning grants each new schema to, as a hub serving as a role of its own does."""


async def provision_all(url: str, concurrency: int) -> tuple[float, int]:
    """All 548 tenants through the registry, granting ``SERVING_ROLE``; the seconds and the count."""
    engine = create_engine(Settings(database_url=url, migration_concurrency=concurrency))
    try:
        await _ready(engine, url)
        started = time.perf_counter()
        report = await provision_regions(
            engine, list(all_regions().values()), concurrency=concurrency, serving_role=SERVING_ROLE
        )
        elapsed = time.perf_counter() - started
        assert not report.failed, report.failed
        return elapsed, len(report.created)
    finally:
        await engine.dispose()


async def raw_ddl_all(url: str, concurrency: int) -> float:
    """The same 548 schemas by raw DDL: ``CREATE SCHEMA`` and the statements that build a tenant's
    tables, sent by plain asyncpg, one query per schema in its own transaction, no registry rows
    and no grants (what PostgreSQL itself spends on the tables)."""
    engine = create_engine(Settings(database_url=url))
    try:
        await _ready(engine, url)
        async with engine.connect() as connection:
            scripts = {
                schema_of(code): await tenant_schema_script(connection, schema_of(code))
                for code in all_regions()
            }
            await connection.rollback()
    finally:
        await engine.dispose()
    limit = asyncio.Semaphore(concurrency)
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    try:

        async def raw(schema: str) -> None:
            async with limit, pool.acquire() as connection, connection.transaction():
                await connection.execute(f"CREATE SCHEMA {schema};\n{scripts[schema]}")

        started = time.perf_counter()
        await asyncio.gather(*(raw(schema) for schema in scripts))
        return time.perf_counter() - started
    finally:
        await pool.close()


async def _ready(engine: AsyncEngine, url: str) -> None:
    """The hub migrated (both sides start from the same catalogue), then a checkpoint, so that no
    side pays for the last one's dirty pages or meets a timed checkpoint's full page images early
    (on a plain connection: the hub's engine sets a statement timeout a checkpoint may outlast)."""
    await migrate_hub(engine)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


def provisioning_pairs(
    server: str, concurrency: int, pairs: int, then: Callable[[str], dict[str, object]] | None = None
) -> dict[str, object]:
    """Provisioning and raw DDL side by side, ``pairs`` times, the order alternating; ``then`` is run
    on the last provisioned database (with its 548 tenants) before it is dropped, its figures kept."""
    provision, raw, loads = [], [], []
    after: dict[str, object] = {}
    for pair in range(pairs):
        sides = ("raw", "provision") if pair % 2 == 0 else ("provision", "raw")
        for side in sides:
            with fresh_database(server, f"lpse_hub_bench_{side}") as url:
                if side == "raw":
                    raw.append(asyncio.run(raw_ddl_all(url, concurrency)))
                else:
                    provision.append(asyncio.run(provision_all(url, concurrency))[0])
                    loads.append(os.getloadavg()[0])
                    if then is not None and len(provision) == pairs:
                        after = then(url)
                    continue
            loads.append(os.getloadavg()[0])
    ratios = [p / r for p, r in zip(provision, raw, strict=True)]
    return {
        "provision_548_s": round(statistics.median(provision), 2),
        "provision_raw_ddl_s": round(statistics.median(raw), 2),
        "provision_ratio_to_raw_ddl": round(math.exp(statistics.fmean(math.log(r) for r in ratios)), 3),
        "provision_pairs": [
            {"provision_s": round(p, 2), "raw_ddl_s": round(r, 2), "ratio": round(p / r, 3)}
            for p, r in zip(provision, raw, strict=True)
        ],
        "load_average_1m": [round(load, 1) for load in loads],
        **after,
    }


async def migrate_all(url: str, concurrency: int, *, one_by_one: bool = True) -> dict[str, float]:
    """One new revision to all tenants, concurrently and (``one_by_one``) one at a time (the baseline)."""
    with tempfile.TemporaryDirectory() as scripts:
        history = history_with_extra_revision(Path(scripts))
        engine = create_engine(Settings(database_url=url, pool_size=concurrency))
        schemas = [schema_of(code) for code in all_regions()]
        figures: dict[str, float] = {}
        try:
            runs = [(f"concurrency {concurrency}", concurrency), ("one by one", 1)][: 2 if one_by_one else 1]
            for label, workers in runs:
                started = time.perf_counter()
                results = await migrate_tenants(engine, schemas, concurrency=workers, history=history)
                figures[label] = time.perf_counter() - started
                failed = [r for r in results if r.after != EXTRA_REVISION_ID or r.error]
                assert not failed, failed[:3]
                await migrate_tenants(
                    engine,
                    schemas,
                    concurrency=concurrency,
                    target=TENANT_HISTORY.head or "base",
                    history=history,
                )
        finally:
            await engine.dispose()
    return figures


MASTER_KEY = MasterKey.generate()
"""One for the run: the second hub started must open the signing keys the first one made."""


@contextmanager
def hub_server(url: str, statement_cache_size: int) -> Iterator[tuple[str, psutil.Process]]:
    port = free_port()
    env = {
        **os.environ,
        "LPSE_HUB_DATABASE_URL": url,
        "LPSE_HUB_MASTER_KEY": MASTER_KEY,  # an external database needs one (issue 14)
        "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0",  # no background probes in a measurement
        "LPSE_HUB_STATEMENT_CACHE_SIZE": str(statement_cache_size),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "hub.web.app:create_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(base, process)
        yield base, psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def median_ms(client: httpx.Client, base: str, slugs: list[str], requests: int) -> float:
    samples = []
    for i in range(requests):
        started = time.perf_counter()
        response = client.get(f"{base}/t/{slugs[i % len(slugs)]}/api/agencies")
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(samples) * 1000


async def peak_connections_under_load(
    url: str, base: str, slugs: list[str], clients: int, requests: int
) -> int:
    """Drive ``clients`` concurrent clients and sample the hub's server connections meanwhile."""
    monitor = await asyncpg.connect(url)
    peak = 0
    done = asyncio.Event()
    # Set by each answered request: the sampler counts the connections once per answer, while the
    # other clients' requests are in flight, not on a timer.
    answered = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            await answered.wait()
            answered.clear()
            count = await monitor.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = 'lpse-hub' AND datname = current_database()"
            )
            peak = max(peak, int(count))

    async with httpx.AsyncClient(timeout=60) as client:

        async def one(i: int) -> None:
            for j in range(requests):
                response = await client.get(f"{base}/t/{slugs[(i * requests + j) % len(slugs)]}/api/agencies")
                assert response.status_code == 200, response.text
                answered.set()

        sampler = asyncio.create_task(sample())
        try:
            await asyncio.gather(*(one(i) for i in range(clients)))
        finally:
            done.set()
            answered.set()  # wake the sampler to see that it is done
            await sampler
            await monitor.close()
    return peak


def serve_figures(url: str, slugs: list[str], rounds: int, per_round: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    for cache in (2000, 100):
        with hub_server(url, cache) as (base, process), httpx.Client() as client:
            median_ms(client, base, slugs, len(slugs) * 2)  # warm every tenant on the pool's connections
            one, many = [], []
            for _ in range(rounds):  # interleaved rounds: the machine's noise hits both alike
                one.append(median_ms(client, base, slugs[:1], per_round))
                many.append(median_ms(client, base, slugs, per_round))
            figures[f"cache {cache}: 1 tenant ms"] = statistics.median(one)
            figures[f"cache {cache}: 548 tenants ms"] = statistics.median(many)
            if cache == 2000:
                figures["peak connections, 64 concurrent clients"] = asyncio.run(
                    peak_connections_under_load(url, base, slugs, clients=64, requests=40)
                )
                figures["rss MiB"] = process.memory_info().rss / 2**20
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--pairs", type=int, help="provisioning / raw DDL pairs (default 3, 1 with --quick)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=400)
    parser.add_argument(
        "--provision-only", action="store_true", help="only provisioning and its raw-DDL baseline"
    )
    add_run_options(parser)
    args = parser.parse_args()
    asyncio.run(admin(args.server, CREATE_SERVING_ROLE))

    def migrate_and_serve(url: str) -> dict[str, object]:
        found: dict[str, object] = {}
        migrate = asyncio.run(migrate_all(url, args.concurrency, one_by_one=not args.quick))
        found["migrate_548_concurrent_s"] = round(migrate[f"concurrency {args.concurrency}"], 2)
        if not args.quick:
            found["migrate_548_one_by_one_s"] = round(migrate["one by one"], 2)
            slugs = [r.slug for r in all_regions().values()]
            found.update(serve_figures(url, slugs, args.rounds, args.per_round))
        return found

    pairs = args.pairs or (1 if args.quick else 3)
    figures: dict[str, object] = {
        "command": command("tests.bench.bench_tenants"),
        "machine": machine(),
        "postgresql": asyncio.run(_server_version(args.server)),
        "concurrency": args.concurrency,
        **provisioning_pairs(
            args.server, args.concurrency, pairs, then=None if args.provision_only else migrate_and_serve
        ),
    }
    asyncio.run(admin(args.server, f"DROP ROLE IF EXISTS {SERVING_ROLE}"))
    print_figures(figures, args, _markdown)


CREATE_SERVING_ROLE = f"""DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{SERVING_ROLE}') THEN
        CREATE ROLE {SERVING_ROLE};
    END IF;
END $$"""


def _markdown(figures: Mapping[str, Any]) -> str:
    lines = [
        f"Machine: {figures['machine']}; PostgreSQL {figures['postgresql']}",
        f"Load average (1 min) after each side: {figures['load_average_1m']}",
        "",
        "| figure | value | goal |",
        "|---|---|---|",
        f"| provision all 548 tenants from an empty database, median (concurrency {figures['concurrency']}) "
        f"| {figures['provision_548_s']:.1f} s | <= 30 s |",
        f"| the raw DDL of the same tables, same run, median | {figures['provision_raw_ddl_s']:.1f} s | |",
        f"| provisioning / raw DDL (geometric mean of the pairs) "
        f"| {figures['provision_ratio_to_raw_ddl']:.2f}x | <= 1.5x |",
    ]
    for i, pair in enumerate(figures["provision_pairs"], 1):
        lines.append(
            f"| pair {i}: provisioning / raw DDL | {pair['provision_s']:.1f} s / {pair['raw_ddl_s']:.1f} s "
            f"= {pair['ratio']:.2f}x | |"
        )
    if "migrate_548_concurrent_s" in figures:
        lines.append(
            f"| one new tenant migration to all 548, concurrency {figures['concurrency']} "
            f"| {figures['migrate_548_concurrent_s']:.1f} s | <= 30 s |"
        )
    if "migrate_548_one_by_one_s" in figures:
        lines.append(f"| the same, one by one | {figures['migrate_548_one_by_one_s']:.1f} s | |")
    if "cache 2000: 1 tenant ms" in figures:
        one, many = figures["cache 2000: 1 tenant ms"], figures["cache 2000: 548 tenants ms"]
        small = figures["cache 100: 548 tenants ms"] / figures["cache 100: 1 tenant ms"]
        lines += [
            f"| median GET /t/{{slug}}/api/agencies, 1 tenant / cycling 548 | {one:.2f} / {many:.2f} ms | |",
            f"| ratio 548 / 1 tenant (statement cache 2000) | {many / one:.2f}x | <= 1.1x |",
            f"| the same ratio with asyncpg's default cache of 100 | {small:.2f}x | (for comparison) |",
            f"| hub resident memory with 548 tenants, after load | {figures['rss MiB']:.0f} MiB "
            "| <= 300 MiB |",
            f"| peak hub connections, 64 concurrent clients over 548 tenants "
            f"| {figures['peak connections, 64 concurrent clients']:.0f} | <= pool (10 + 10 overflow) |",
        ]
    return "\n".join(lines)


async def _server_version(server: str) -> str:
    connection = await asyncpg.connect(dsn(server, "postgres"))
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
