"""Figures for issue 8: several hub processes behind one port, sharing one PostgreSQL server.

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_scaleout --server postgresql://postgres@127.0.0.1:5432/postgres

1. The world: the hub migrated, the tenants of one province (``--province``, 39 for Jawa Timur)
   provisioned through the registry, ``--tenders`` catalogue rows seeded by the SQL of
   ``tests/bench/bench_catalogue.py`` (spread over those tenants).
2. For each N of ``--workers``: ``uvicorn --workers N`` (N processes accepting on one listening
   socket), probes off. From this process, ``--clients`` concurrent clients, a connection per
   request, drive a tenant read (``GET /t/{slug}/api/agencies``, cycling the tenants) and then a
   catalogue search (two-word queries), each for at most ``--requests`` requests or ``--seconds``;
   ``--rounds`` interleaved rounds. CPU time of the hub processes, of every PostgreSQL process
   and of the load generator is read with psutil around each block.
3. Probes across processes: for N of ``--probe-workers``, the hub with
   ``LPSE_HUB_PROBE_INTERVAL_SECONDS=2`` for ``--probe-seconds``; the rounds written are the
   distinct ``probed_at`` of ``hub.probe_results``.

Prints a Markdown report for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import psutil

from hub.core.database import create_engine
from hub.core.master_key import MasterKey
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from tenants.regions import regions_of_province
from tenants.registry.provisioning import provision_regions
from tests.bench.bench_catalogue import TWO_WORDS, Place, seed
from tests.bench.bench_tenants import fresh_database
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.live_server import free_port

Cpu = dict[int, float]
MASTER_KEY = MasterKey.generate()  # one for the run: every hub started opens the keys the first made


async def world(url: str, province: str, tenders: int) -> tuple[list[Place], dict[str, float]]:
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
        report = await provision_regions(engine, regions_of_province(province), concurrency=8)
        assert not report.failed, report.failed
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT code, slug, name, province_code FROM hub.tenants ORDER BY code")
    finally:
        await connection.close()
    places = [Place(*r) for r in rows]
    return places, await seed(url, places, tenders, batch=max(tenders // 20, 1))


@contextmanager
def hub(url: str, workers: int, probe_interval: int) -> Iterator[tuple[str, psutil.Process]]:
    port = free_port()
    env = {
        **os.environ,
        "LPSE_HUB_DATABASE_URL": url,
        "LPSE_HUB_PROBE_INTERVAL_SECONDS": str(probe_interval),
        "LPSE_HUB_MASTER_KEY": MASTER_KEY,
        "LPSE_HUB_DATA_DIR": tempfile.mkdtemp(),
        "LPSE_HUB_ISSUER": "http://bench-hub.example",
        "LPSE_HUB_PUBLIC_REQUESTS_PER_MINUTE": str(10**9),
    }
    argv = [sys.executable, "-m", "uvicorn", "--factory", "hub.web.app:create_app", "--port", str(port)]
    argv += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(argv, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/health/live").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the hub did not start")
        parent = psutil.Process(process.pid)
        while len(parent.children(recursive=True)) < (workers if workers > 1 else 0):
            time.sleep(0.1)
        yield base, parent
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def cpu_of(processes: list[psutil.Process]) -> Cpu:
    out: Cpu = {}
    for p in processes:
        try:
            times = p.cpu_times()
            out[p.pid] = times.user + times.system
        except psutil.Error:
            pass
    return out


def postgres_processes() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] in {"postgres", "postmaster"}]


def used(before: Cpu, after: Cpu) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


async def block(base: str, paths: list[str], clients: int, requests: int, seconds: float) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=0)
    numbers = iter(range(requests))
    latencies: list[float] = []
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            for i in numbers:
                if time.perf_counter() > deadline:
                    return
                started = time.perf_counter()
                answer = await client.get(paths[i % len(paths)])
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    errors.append(f"{paths[i % len(paths)]} -> {answer.status_code}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - started
    return {"wall": wall, "done": len(latencies), "latencies": latencies, "errors": errors}


async def sessions(url: str) -> int:
    """Sessions ever opened on the database (PostgreSQL 14+): the backends the block started."""
    connection = await asyncpg.connect(url)
    try:
        query = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        return int(await connection.fetchval(query))
    finally:
        await connection.close()


def measured(base: str, parent: psutil.Process, paths: list[str], args: argparse.Namespace) -> dict[str, Any]:
    hubs = [parent, *parent.children(recursive=True)]
    opened = asyncio.run(sessions(args.url))
    me = psutil.Process()
    before = cpu_of(hubs), cpu_of(postgres_processes()), cpu_of([me])
    machine_before = psutil.cpu_times()
    out = asyncio.run(block(base, paths, args.clients, args.requests, args.seconds))
    machine_after = psutil.cpu_times()
    after = cpu_of(hubs), cpu_of(postgres_processes()), cpu_of([me])
    wall = out["wall"]
    out["cores"] = {
        k: used(b, a) / wall for k, b, a in zip(("hub", "postgres", "load"), before, after, strict=True)
    }
    out["sessions"] = asyncio.run(sessions(args.url)) - opened - 1
    for field in ("idle", "steal"):  # the whole machine: what nobody used, and what the host took
        out["cores"][field] = (getattr(machine_after, field) - getattr(machine_before, field)) / wall
    return out


def throughput(url: str, places: list[Place], args: argparse.Namespace) -> dict[int, dict[str, Any]]:
    kinds = {
        "tenant read": [f"/t/{p.slug}/api/agencies" for p in places],
        "catalogue search": [f"/api/catalogue?{urlencode({'q': q})}" for q in TWO_WORDS],
    }
    figures: dict[int, dict[str, Any]] = {}
    for workers in args.workers:
        with hub(url, workers, probe_interval=0) as (base, parent):
            for paths in kinds.values():  # warm up: every worker's pool, plans, statement caches
                asyncio.run(block(base, paths, args.clients, 4 * args.clients * workers, args.seconds))
            runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
            for _ in range(args.rounds):
                for kind, paths in kinds.items():
                    runs[kind].append(measured(base, parent, paths, args))
            figures[workers] = runs
            print(
                f"N={workers}: " + ", ".join(f"{k} {rate(v):.0f}/s" for k, v in runs.items()), file=sys.stderr
            )
    return figures


def rate(runs: list[dict[str, Any]]) -> float:
    return statistics.median(float(r["done"] / r["wall"]) for r in runs)


def cores(runs: list[dict[str, Any]], who: str) -> float:
    return statistics.median(float(r["cores"][who]) for r in runs)


def p95_ms(runs: list[dict[str, Any]]) -> float:
    values: list[float] = sorted(v for r in runs for v in r["latencies"])
    return values[int(0.95 * (len(values) - 1))] * 1000


async def rounds_written(url: str) -> tuple[int, list[float], int]:
    connection = await asyncpg.connect(url)
    try:
        times = [
            r["probed_at"]
            for r in await connection.fetch("SELECT DISTINCT probed_at FROM hub.probe_results ORDER BY 1")
        ]
        results = await connection.fetchval("SELECT count(*) FROM hub.probe_results")
        await connection.execute("DELETE FROM hub.probe_results")
    finally:
        await connection.close()
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    return len(times), gaps, int(results)


def probes(url: str, args: argparse.Namespace) -> dict[int, tuple[int, list[float], int, float]]:
    out = {}
    asyncio.run(rounds_written(url))  # nothing from before
    for workers in args.probe_workers:
        with hub(url, workers, probe_interval=2):
            started = time.perf_counter()
            time.sleep(args.probe_seconds)
            ran = time.perf_counter() - started
        out[workers] = (*asyncio.run(rounds_written(url)), ran)
    return out


def figures_of(
    args: argparse.Namespace,
    places: list[Place],
    setup: dict[str, float],
    figures: dict[int, Any],
    probed: dict[int, tuple[int, list[float], int, float]],
) -> dict[str, Any]:
    base = {kind: rate(runs) for kind, runs in figures[args.workers[0]].items()}
    return {
        "command": command("tests.bench.bench_scaleout"),
        "machine": machine(),
        "tenants": len(places),
        "setup": setup,
        "clients": args.clients,
        "rounds": args.rounds,
        "requests": args.requests,
        "seconds": args.seconds,
        "probe_seconds": args.probe_seconds,
        "throughput": [
            {
                "processes": workers,
                "kind": kind,
                "requests_per_s": rate(r),
                "ratio_to_first": rate(r) / base[kind],
                "p95_ms": p95_ms(r),
                "cores": {who: cores(r, who) for who in ("hub", "postgres", "load", "idle", "steal")},
                "new_backends_per_s": statistics.median(x["sessions"] / x["wall"] for x in r),
                "errors": sum(len(x["errors"]) for x in r),
            }
            for workers, runs in figures.items()
            for kind, r in runs.items()
        ],
        "probes": [
            {"processes": workers, "rounds_written": count, "gaps_s": gaps, "results": results, "ran_s": ran}
            for workers, (count, gaps, results, ran) in probed.items()
        ],
    }


def markdown(figures: Mapping[str, Any]) -> str:
    lines = [
        f"`{figures['command']}`; machine: {figures['machine']}",
        "",
        f"{figures['tenants']} tenants; {figures['setup']['catalogue rows']:,.0f} catalogue rows; "
        f"{figures['clients']} clients, a connection per request; {figures['rounds']} rounds of at most "
        f"{figures['requests']} requests or {figures['seconds']:.0f} s per kind and N "
        "(medians of the rounds)",
        "",
        "| N processes | kind | requests/s | x N=1 | p95 ms "
        "| cores: hub / PostgreSQL / load generator / idle / steal | new backends/s | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in figures["throughput"]:
        c = r["cores"]
        lines.append(
            f"| {r['processes']} | {r['kind']} | {r['requests_per_s']:.0f} | {r['ratio_to_first']:.2f} "
            f"| {r['p95_ms']:.0f} | {c['hub']:.2f} / {c['postgres']:.2f} / {c['load']:.2f} / "
            f"{c['idle']:.2f} / {c['steal']:.2f} | {r['new_backends_per_s']:.0f} | {r['errors']} |"
        )
    lines += [
        "",
        f"Probes, `LPSE_HUB_PROBE_INTERVAL_SECONDS=2`, for {figures['probe_seconds']:.0f} s:",
        "",
        "| N processes | rounds written | expected, one per interval | gaps between rounds, s | results |",
        "|---|---|---|---|---|",
    ]
    for p in figures["probes"]:
        gaps = p["gaps_s"]
        spread = f"{min(gaps):.1f}-{max(gaps):.1f}" if gaps else "-"
        lines.append(
            f"| {p['processes']} | {p['rounds_written']} | about {p['ran_s'] / 2 - 1:.0f} | {spread} "
            f"| {p['results']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--province", default="35")
    parser.add_argument("--tenders", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--probe-workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--probe-seconds", type=float, default=20.0)
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:  # a twentieth of the tenders; one and two processes (the cores here), shorter blocks
        args.tenders //= 20
        args.workers, args.probe_workers = [1, 2], [1, 2]
        args.seconds, args.probe_seconds = 3.0, 10.0
    with fresh_database(args.server, "lpse_hub_bench_scaleout") as url:
        args.url = url
        places, setup = asyncio.run(world(url, args.province, args.tenders))
        figures = throughput(url, places, args)
        probed = probes(url, args)
    print_figures(figures_of(args, places, setup, figures, probed), args, markdown)


if __name__ == "__main__":
    main()
