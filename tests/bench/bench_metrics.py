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
   With ``--old PATH`` (a checkout of an earlier commit), a hub of that code runs beside the new
   one on the same database with the same traffic, and their scrapes alternate: before and after
   in one run, under the same noise.

``--quick`` (about two minutes) registers the 548 tenants without building their schemas and
writes one probe result a tenant by SQL instead of probing: the scrape reads only the registry,
the catalogue and the probe history, so it carries the same series (the tenant requests then
answer with an error, and count as such), and leaves out the overhead. ``--json`` prints issue
20's figures as one object.
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
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families

from hub.core.database import create_engine, hub_sessions
from hub.core.master_key import MasterKey
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from monitoring.probes import probe_all
from tenants.regions import all_regions
from tenants.registry.tenants import resolve_spec, spec_of_region
from tests.bench.bench_tenants import CREATE_SERVING_ROLE, SERVING_ROLE, admin, dsn, provision_all
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.live_server import free_port, wait_until_live

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
PROBED = """
INSERT INTO hub.probe_results (tenant_code, tenant_slug, up, checks, duration_seconds)
SELECT code, slug, true, '{"schema": true, "migrations": true, "read": true, "audit": true}', 0.05
FROM hub.tenants
"""


MASTER_KEY = MasterKey.generate()
"""One master key for every hub of the run: the first one seals the signing key the others open."""


@dataclass(frozen=True)
class Hub:
    """A hub this script started: where it answers, and its process (its workers are its children)."""

    base: str
    process: psutil.Process

    def cpu_seconds(self) -> float:
        """User and system CPU of the hub's process and its workers so far."""
        processes = [self.process, *self.process.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in processes)


@contextmanager
def hub(url: str, *, metrics: bool, workers: int = 1, code: str | None = None) -> Iterator[Hub]:
    """A hub serving ``url``; ``code``: the checkout whose code it runs (this one by default)."""
    port = free_port()
    data = tempfile.mkdtemp()
    env = {**os.environ, **({"PYTHONPATH": code} if code else {}),
           "LPSE_HUB_DATABASE_URL": url, "LPSE_HUB_DATA_DIR": data,
           "LPSE_HUB_MASTER_KEY": MASTER_KEY, "LPSE_HUB_METRICS": "true" if metrics else "false",
           "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0"}  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-c", "from cli.main import run; run()", "serve", "--no-migrate",
               "--workers", str(workers), "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(base, process, timeout=60)
        yield Hub(base, psutil.Process(process.pid))
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


def scrape(hubs: list[Hub], times: int) -> list[dict[str, float]]:
    """``times`` scrapes of each hub in ``hubs``, alternating between them (the first is discarded),
    each timed at the client and in the hub's CPU (its processes' user and system time)."""
    took: list[list[float]] = [[] for _ in hubs]
    cpu: list[list[float]] = [[] for _ in hubs]
    last: list[httpx.Response] = []
    with httpx.Client(timeout=60) as client:
        for served in hubs:
            client.get(served.base + "/metrics")
        for i in range(times):
            last = []
            for k in range(len(hubs)) if i % 2 == 0 else reversed(range(len(hubs))):
                before = hubs[k].cpu_seconds()
                started = time.perf_counter()
                answer = client.get(hubs[k].base + "/metrics")
                took[k].append((time.perf_counter() - started) * 1000)
                cpu[k].append((hubs[k].cpu_seconds() - before) * 1000)
                last.append(answer)
    return [
        _scrape_figures(answer, times, cpu_times)
        for answer, times, cpu_times in zip(
            sorted_answers(last, [h.base for h in hubs]), took, cpu, strict=True
        )
    ]


def sorted_answers(answers: list[httpx.Response], bases: list[str]) -> list[httpx.Response]:
    return [next(a for a in answers if str(a.url).startswith(base)) for base in bases]


def _scrape_figures(answer: httpx.Response, took: list[float], cpu: list[float]) -> dict[str, float]:
    families = list(text_string_to_metric_families(answer.text))
    tenants = {s.labels["tenant"] for f in families for s in f.samples if s.labels.get("tenant")}
    return {
        "bytes": len(answer.content),
        "series": sum(len(f.samples) for f in families),
        "tenants": len(tenants),
        "p50 ms": statistics.median(took),
        "max ms": max(took),
        "hub cpu ms": statistics.fmean(cpu),  # the mean: process times tick in 10 ms
    }


async def prepare(url: str, *, quick: bool) -> list[str]:
    engine = create_engine(Settings(database_url=url))
    try:
        if quick:  # the registry's rows without schemas, and a probe result a tenant by SQL
            await migrate_hub(engine)
            async with hub_sessions(engine)() as session, session.begin():
                session.add_all(resolve_spec(spec_of_region(code)) for code in all_regions())
        else:
            await provision_all(url, 8)
        async with engine.begin() as connection:
            await connection.exec_driver_sql(IN_PROGRESS)
            if quick:
                await connection.exec_driver_sql(PROBED)
            slugs = list(
                (await connection.exec_driver_sql("SELECT slug FROM hub.tenants ORDER BY code")).scalars()
            )
        if not quick:
            await probe_all(engine, 8)
    finally:
        await engine.dispose()
    return slugs


async def tenant_slugs(url: str) -> list[str]:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.begin() as connection:
            return list(
                (await connection.exec_driver_sql("SELECT slug FROM hub.tenants ORDER BY code")).scalars()
            )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--requests", type=int, default=3000, help="per hub, interleaved")
    parser.add_argument("--scrapes", type=int, default=20)
    parser.add_argument(
        "--database", help="a database this script prepared before (kept): no provisioning, no drop"
    )
    parser.add_argument("--old", help="a checkout of the code before: its hub's scrapes alternate with ours")
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:
        args.requests, args.scrapes = min(args.requests, 300), min(args.scrapes, 10)
    name = args.database or "lpse_hub_bench_metrics"
    if not args.database:
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(admin(args.server, f'CREATE DATABASE "{name}"'))
        if not args.quick:  # the full run provisions the schemas, granting them to bench_tenants' role
            asyncio.run(admin(args.server, CREATE_SERVING_ROLE))
    url = dsn(args.server, name)
    codes = [None, args.old] if args.old else [None]
    try:
        slugs = asyncio.run(tenant_slugs(url) if args.database else prepare(url, quick=args.quick))
        costs = None
        if not args.quick and args.requests:  # without schemas, the tenant requests it times answer 500
            with hub(url, metrics=True) as on, hub(url, metrics=False) as off:
                costs = overhead(on.base, off.base, slugs, args.requests)
        with ExitStack() as stack:
            hubs = [stack.enter_context(hub(url, metrics=True, code=code)) for code in codes]
            for served in hubs:
                traffic(served.base, slugs)
            one = scrape(hubs, args.scrapes)
        with ExitStack() as stack:
            hubs = [stack.enter_context(hub(url, metrics=True, workers=2, code=code)) for code in codes]
            for served in hubs:
                traffic(served.base, slugs)
            two = scrape(hubs, args.scrapes)
    finally:
        if not args.database:
            asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not args.quick:
                asyncio.run(admin(args.server, f"DROP ROLE IF EXISTS {SERVING_ROLE}"))
    figures: dict[str, Any] = {
        "machine": machine(),
        "command": command("tests.bench.bench_metrics"),
        "load": os.getloadavg()[0],
        "tenants": len(slugs),
        "scrapes": args.scrapes,
        "requests": args.requests,
        "metrics_548_tenants_p50_ms": one[0]["p50 ms"],
        "overhead": costs,
        "one_worker": one[0],
        "two_workers": two[0],
    }
    if args.old:
        figures |= {
            "old": args.old,
            "old_metrics_548_tenants_p50_ms": one[1]["p50 ms"],
            "old_one_worker": one[1],
            "old_two_workers": two[1],
            "new_to_old_p50_one_worker": one[0]["p50 ms"] / one[1]["p50 ms"],
            "new_to_old_p50_two_workers": two[0]["p50 ms"] / two[1]["p50 ms"],
            "new_to_old_hub_cpu_one_worker": one[0]["hub cpu ms"] / one[1]["hub cpu ms"],
        }
    print_figures(figures, args, markdown)


def markdown(figures: Mapping[str, Any]) -> str:
    costs = figures["overhead"]
    lines = [
        f"Machine: {figures['machine']}  \nCommand: `{figures['command']}` (load {figures['load']:.1f})\n"
    ]
    if costs is not None:
        lines += [
            f"Overhead: {figures['requests']:,} requests to each hub, interleaved, "
            "`GET /t/{slug}/api/agencies`",
            "| | metrics on | metrics off | on / off |\n|---|---|---|---|",
        ]
        for p in ("p50", "p95"):
            on, off = costs[f"on {p}"], costs[f"off {p}"]
            lines.append(f"| client {p} | {on:.2f} ms | {off:.2f} ms | {on / off:.3f} |")
    lines += [
        f"\nOne scrape of `/metrics` with {figures['tenants']} tenants "
        f"({figures['scrapes']} scrapes; p50 and max at the client, the hub's CPU from its processes' times)",
        "| code | workers | size | series | tenants in it | p50 | max | hub CPU, mean |\n"
        "|---|---|---|---|---|---|---|---|",
    ]
    for code in ("", "old_") if "old" in figures else ("",):
        for workers, key in ((1, "one_worker"), (2, "two_workers")):
            s = figures[code + key]
            lines.append(
                f"| {code.rstrip('_') or 'new'} | {workers} | {s['bytes'] / 2**10:,.0f} KiB "
                f"| {s['series']:,.0f} "
                f"| {s['tenants']:.0f} | {s['p50 ms']:.1f} ms | {s['max ms']:.1f} ms "
                f"| {s['hub cpu ms']:.1f} ms |"
            )
    if "old" in figures:
        lines.append(
            f"\nnew / old, p50: {figures['new_to_old_p50_one_worker']:.2f} (one worker), "
            f"{figures['new_to_old_p50_two_workers']:.2f} (two); hub CPU a scrape, one worker: "
            f"{figures['new_to_old_hub_cpu_one_worker']:.2f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
