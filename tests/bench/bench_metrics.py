"""Benchmark of the metrics: their overhead on request latency, and one scrape with 548 tenants.

Run: ``python -m tests.bench.bench_metrics`` (a database server at ``--server``; the script creates
and drops ``lpse_hub_bench_metrics``). It provisions every region as a tenant (514 regencies and
cities, 34 provinces), gives each tenant series as traffic would (requests on three routes, a probe
round, tenders in progress at several stages, inserted into the catalogue by SQL), then:

1. **Overhead.** Two hubs on the same database, one with metrics and one with
   ``LPSE_HUB_METRICS=false``, one worker each; one client sends the same tenant requests to
   both, interleaved, so both see the same machine noise. Latency is measured at the client.
2. **A scrape.** ``GET /metrics`` of a hub with one worker and of a hub with two workers
   (multi-process mode, files added up at the scrape): size, series, and the time to produce it.
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

import httpx
from prometheus_client.parser import text_string_to_metric_families

from hub.core.database import create_engine
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from monitoring.probes import probe_all
from tests.bench.bench_tenants import admin, dsn, machine, provision_all
from tests.live_server import free_port

IN_PROGRESS = """
INSERT INTO hub.catalogue (ocid, tenant_code, tenant_slug, tenant_name, province_code, tender_id, title,
    agency, category, method, evaluation, fiscal_year, budget, owner_estimate, status, stage, announced_at,
    submission_starts_at, submission_ends_at, search_text)
SELECT t.code || '-' || g, t.code, t.slug, t.name, t.province_code, g, 'Pembangunan Jalan', 'Dinas PUPR',
    'construction', 'tender', 'lowest_price', 2026, 1000000000, 900000000,
    (ARRAY['announced', 'announced', 'opened', 'awarded', 'award_announced', 'award_letter'])[g],
    (ARRAY['announcement', 'announcement', 'evaluation', 'award_announcement', 'award_letter',
           'contract_signing'])[g],
    now() - interval '3 days', now() + (g - 2) * interval '1 day', now() + g * interval '1 day', 'jalan'
FROM hub.tenants t CROSS JOIN generate_series(1, 6) AS g
"""


MASTER_KEY = MasterKey.generate()
"""One master key for every hub of the run: the first one seals the signing key the others open."""


@contextmanager
def hub(url: str, *, metrics: bool, workers: int = 1) -> Iterator[str]:
    port = free_port()
    data = tempfile.mkdtemp()
    env = {**os.environ, "LPSE_HUB_DATABASE_URL": url, "LPSE_HUB_DATA_DIR": data,
           "LPSE_HUB_MASTER_KEY": MASTER_KEY, "LPSE_HUB_METRICS": "true" if metrics else "false",
           "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0"}  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-c", "from cli.main import run; run()", "serve", "--no-migrate",
               "--workers", str(workers), "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/health/live").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
            if process.poll() is not None:
                raise RuntimeError(f"the hub exited with {process.returncode}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=60)


def traffic(base: str, slugs: list[str]) -> None:
    """Requests on three tenant routes in every tenant, as a working day leaves series behind."""
    with httpx.Client(base_url=base, timeout=60) as client:
        for slug in slugs:
            for path in ("/api/agencies", "/api/tenders", "/api/procurement-rules"):
                client.get(f"/t/{slug}{path}")


def overhead(with_metrics: str, without: str, slugs: list[str], requests: int) -> dict[str, float]:
    timings: dict[str, list[float]] = {with_metrics: [], without: []}
    with httpx.Client(timeout=60) as client:
        for base in timings:  # warm both
            for slug in slugs[:50]:
                client.get(f"{base}/t/{slug}/api/agencies")
        for i in range(requests):
            for base in (with_metrics, without) if i % 2 else (without, with_metrics):
                started = time.perf_counter()
                answer = client.get(f"{base}/t/{slugs[i % len(slugs)]}/api/agencies")
                timings[base].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.text
    on, off = timings[with_metrics], timings[without]
    return {
        "on p50": statistics.median(on),
        "off p50": statistics.median(off),
        "on p95": statistics.quantiles(on, n=20)[-1],
        "off p95": statistics.quantiles(off, n=20)[-1],
    }


def scrape(base: str, times: int) -> dict[str, float]:
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get("/metrics")
        took, size, body = [], 0, ""
        for _ in range(times):
            started = time.perf_counter()
            answer = client.get("/metrics")
            took.append((time.perf_counter() - started) * 1000)
            body, size = answer.text, len(answer.content)
    families = list(text_string_to_metric_families(body))
    tenants = {s.labels["tenant"] for f in families for s in f.samples if s.labels.get("tenant")}
    return {
        "bytes": size,
        "series": sum(len(f.samples) for f in families),
        "tenants": len(tenants),
        "p50 ms": statistics.median(took),
        "max ms": max(took),
    }


async def prepare(url: str) -> list[str]:
    await provision_all(url, 8)
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql(IN_PROGRESS)
            slugs = list(
                (await connection.exec_driver_sql("SELECT slug FROM hub.tenants ORDER BY code")).scalars()
            )
        await probe_all(engine, 8)
    finally:
        await engine.dispose()
    return slugs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--requests", type=int, default=3000, help="per hub, interleaved")
    parser.add_argument("--scrapes", type=int, default=20)
    args = parser.parse_args()
    name = "lpse_hub_bench_metrics"
    asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{name}"'))
    url = dsn(args.server, name)
    try:
        slugs = asyncio.run(prepare(url))
        with hub(url, metrics=True) as on, hub(url, metrics=False) as off:
            costs = overhead(on, off, slugs, args.requests)
            traffic(on, slugs)
            one = scrape(on, args.scrapes)
        with hub(url, metrics=True, workers=2) as two:
            traffic(two, slugs)
            both = scrape(two, args.scrapes)
    finally:
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    report(args, len(slugs), costs, one, both)


def report(
    args: argparse.Namespace,
    tenants: int,
    costs: dict[str, float],
    one: dict[str, float],
    two: dict[str, float],
) -> None:
    print(f"Machine: {machine()}\n")
    print(f"Overhead: {args.requests:,} requests to each hub, interleaved, `GET /t/{{slug}}/api/agencies`")
    print("| | metrics on | metrics off | on / off |\n|---|---|---|---|")
    for p in ("p50", "p95"):
        on, off = costs[f"on {p}"], costs[f"off {p}"]
        print(f"| client {p} | {on:.2f} ms | {off:.2f} ms | {on / off:.3f} |")
    print(f"\nOne scrape of `/metrics` with {tenants} tenants ({args.scrapes} scrapes, client-side time)")
    print("| workers | size | series | tenants in it | p50 | max |\n|---|---|---|---|---|---|")
    for workers, s in ((1, one), (2, two)):
        print(f"| {workers} | {s['bytes'] / 2**10:,.0f} KiB | {s['series']:,.0f} | {s['tenants']:.0f} "
              f"| {s['p50 ms']:.1f} ms | {s['max ms']:.1f} ms |")  # fmt: skip
    print(
        f"\nCommand: python -m tests.bench.bench_metrics --requests {args.requests} --scrapes {args.scrapes}"
    )


if __name__ == "__main__":
    main()
