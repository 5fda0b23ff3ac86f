"""Figures for the foundation: provisioning, migrating and serving 548 tenants.

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_tenants --server postgresql://postgres@127.0.0.1:5432/postgres

Prints a Markdown report for docs/BENCHMARKS.md. Every comparison runs side by side in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import psutil
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hub.core.database import create_engine, schema_of
from hub.core.master_key import MasterKey
from hub.core.migrations import (
    TENANT_HISTORY,
    migrate_hub,
    migrate_tenant_schema,
    migrate_tenants,
    tenant_schema_script,
)
from hub.core.settings import Settings
from tenants.regions import all_regions
from tenants.registry.provisioning import provision_regions
from tests.bench.figures import machine
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


async def provision_all(url: str, concurrency: int) -> tuple[float, int]:
    engine = create_engine(Settings(database_url=url, migration_concurrency=concurrency))
    try:
        await migrate_hub(engine)
        started = time.perf_counter()
        report = await provision_regions(engine, list(all_regions().values()), concurrency=concurrency)
        elapsed = time.perf_counter() - started
        assert not report.failed, report.failed
        return elapsed, len(report.created)
    finally:
        await engine.dispose()


async def baselines_of_provisioning(url: str, concurrency: int) -> dict[str, float]:
    """What provisioning is measured against, on the same 548 schemas (no registry rows):

    - raw DDL: the statements that build a tenant schema, each schema's sent by plain asyncpg as
      one query in its own transaction (what PostgreSQL itself spends);
    - migrations: ``CREATE SCHEMA`` and the tenant migrations run by Alembic in each schema, the
      way every tenant was provisioned before issue 14.
    """
    engine = create_engine(Settings(database_url=url, pool_size=concurrency))
    codes = list(all_regions())
    limit = asyncio.Semaphore(concurrency)
    figures: dict[str, float] = {}
    try:
        async with engine.connect() as connection:
            scripts = {f"r_{c}": await tenant_schema_script(connection, f"r_{c}") for c in codes}
            await connection.rollback()
        pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)

        async def raw(schema: str) -> None:
            async with limit, pool.acquire() as connection, connection.transaction():
                await connection.execute(f"CREATE SCHEMA {schema};\n{scripts[schema]}")

        async def migrations(schema: str) -> None:
            async with limit, engine.begin() as connection:
                await connection.execute(text(f"CREATE SCHEMA {schema}"))
                await migrate_tenant_schema(connection, schema)

        started = time.perf_counter()
        await asyncio.gather(*(raw(schema) for schema in scripts))
        figures["raw DDL"] = time.perf_counter() - started
        await pool.close()
        started = time.perf_counter()
        await asyncio.gather(*(migrations(f"m_{c}") for c in codes))
        figures["migrations"] = time.perf_counter() - started
    finally:
        await engine.dispose()
    return figures


async def migrate_all(url: str, concurrency: int) -> dict[str, float]:
    """One new revision to all tenants, concurrently and one by one (the baseline)."""
    with tempfile.TemporaryDirectory() as scripts:
        history = history_with_extra_revision(Path(scripts))
        engine = create_engine(Settings(database_url=url, pool_size=concurrency))
        schemas = [schema_of(code) for code in all_regions()]
        figures: dict[str, float] = {}
        try:
            for label, workers in ((f"concurrency {concurrency}", concurrency), ("one by one", 1)):
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
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=400)
    parser.add_argument(
        "--provision-only", action="store_true", help="only provisioning and its baselines (issue 14)"
    )
    args = parser.parse_args()
    slugs = [r.slug for r in all_regions().values()]
    with fresh_database(args.server, "lpse_hub_bench_ddl") as url:
        baselines = asyncio.run(baselines_of_provisioning(url, args.concurrency))
    with fresh_database(args.server, "lpse_hub_bench") as url:
        provision_s, created = asyncio.run(provision_all(url, args.concurrency))
        if not args.provision_only:
            migrate = asyncio.run(migrate_all(url, args.concurrency))
            serve = serve_figures(url, slugs, args.rounds, args.per_round)
    version = asyncio.run(_server_version(args.server))
    print(f"Machine: {machine()}; PostgreSQL {version}\n")
    print("| figure | value | goal |\n|---|---|---|")
    print(
        f"| provision all {created} tenants from an empty database (concurrency {args.concurrency}) "
        f"| {provision_s:.1f} s | <= 30 s |"
    )
    for label, seconds in baselines.items():
        print(
            f"| the same 548 schemas by {label}, no registry (concurrency {args.concurrency}) "
            f"| {seconds:.1f} s (provisioning: {provision_s / seconds:.2f}x) | provisioning <= 1.5x raw DDL |"
        )
    if args.provision_only:
        return
    for label, seconds in migrate.items():
        print(f"| one new tenant migration to all 548, {label} | {seconds:.1f} s | <= 30 s |")
    ratio = serve["cache 2000: 548 tenants ms"] / serve["cache 2000: 1 tenant ms"]
    print(f"| median GET /t/{{slug}}/api/agencies, 1 tenant | {serve['cache 2000: 1 tenant ms']:.2f} ms | |")
    print(
        f"| median GET /t/{{slug}}/api/agencies, cycling 548 tenants "
        f"| {serve['cache 2000: 548 tenants ms']:.2f} ms "
        f"| |"
    )
    print(f"| ratio 548 / 1 tenant (statement cache 2000) | {ratio:.2f}x | <= 1.1x |")
    ratio_small = serve["cache 100: 548 tenants ms"] / serve["cache 100: 1 tenant ms"]
    print(
        f"| ratio 548 / 1 tenant with asyncpg's default cache of 100 "
        f"| {ratio_small:.2f}x | (for comparison) |"
    )
    print(f"| hub resident memory with 548 tenants, after load | {serve['rss MiB']:.0f} MiB | <= 300 MiB |")
    print(
        f"| peak hub connections to PostgreSQL, 64 concurrent clients over 548 tenants | "
        f"{serve['peak connections, 64 concurrent clients']:.0f} | <= pool (10 + 10 overflow) |"
    )


async def _server_version(server: str) -> str:
    connection = await asyncpg.connect(dsn(server, "postgres"))
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
