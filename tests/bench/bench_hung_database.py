"""Benchmark of a hung database: how fast readiness and a tender read answer, healthy and hung.

Run: ``python -m tests.bench.bench_hung_database`` (needs nothing else: it starts an embedded
PostgreSQL of its own in a temporary directory, so stopping it disturbs no one). It migrates the hub,
provisions one tenant, and starts one hub process (uvicorn, one worker, the default timeouts) for
each way a database hangs:

- **stopped**: the hub connects straight to the server, whose postmaster and backends are then
  SIGSTOPped (as in the finding: the kernel still accepts connections, nothing answers);
- **blackhole**: the hub connects through ``tests.hung_database.HangingProxy``, which then stops
  forwarding (a wedged network path, or a server behind a load balancer that stopped answering).

For each, the same client measures ``GET /health/ready`` and ``GET /t/kab-malang/api/tenders``
while the database is healthy and then while it hangs (with pooled connections open, as a serving hub
has them), at the client, with a monotonic clock.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psutil

from hub.core.database import create_engine, hub_sessions
from hub.core.embedded_postgres import embedded_postgres
from hub.core.master_key import MasterKey
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from tenants.registry import TenantSpec, create_tenant
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.hung_database import HangingProxy
from tests.live_server import live_hub

READY = "/health/ready"
TENDERS = "/t/kab-malang/api/tenders"
GIVE_UP = 150.0
"""Seconds after which the client stops waiting (the finding: no answer in 50 s)."""

Timings = tuple[list[float], set[int]]
"""Seconds of each request, and the statuses they got (0: no answer)."""


async def _prepare(url: str) -> str:
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
        async with hub_sessions(engine)() as session, session.begin():
            await create_tenant(session, TenantSpec(slug="kab-malang", code="3507"))
        async with engine.connect() as connection:
            return str((await connection.exec_driver_sql("SHOW server_version")).scalar())
    finally:
        await engine.dispose()


def _timed(client: httpx.Client, path: str) -> tuple[float, int]:
    started = time.monotonic()
    try:
        status = client.get(path).status_code
    except httpx.TimeoutException:
        status = 0  # no answer at all
    return time.monotonic() - started, status


def _measure(base: str, path: str, samples: int, *, parallel: bool = False) -> Timings:
    """``samples`` requests of ``path``, one after another, or all at once for the slow hung reads."""
    with httpx.Client(base_url=base, timeout=GIVE_UP) as client:
        if parallel:
            with ThreadPoolExecutor(samples) as pool:
                results = list(pool.map(lambda _: _timed(client, path), range(samples)))
        else:
            results = [_timed(client, path) for _ in range(samples)]
    return [seconds for seconds, _ in results], {status for _, status in results}


def _wait_ready(base: str) -> None:
    """Ask readiness again until it answers 200: each answer waits on the hub's own database check
    (bounded by its timeouts), so the asking paces itself; at most 120 s."""
    deadline = time.monotonic() + 120
    with httpx.Client(base_url=base, timeout=5) as client:
        while _timed(client, READY)[1] != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the hub did not become ready again")


@contextmanager
def _stopped(pgdata: Path) -> Iterator[None]:
    """SIGSTOP the postmaster and every backend; SIGCONT them on the way out."""
    postmaster = psutil.Process(int((pgdata / "postmaster.pid").read_text().splitlines()[0]))
    processes = [postmaster, *postmaster.children(recursive=True)]
    for process in processes:
        process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGCONT)


def _phase(base: str, samples: int, hung_reads: int) -> dict[str, Timings]:
    """The reads first: on a hung database they meet pooled connections (the slowest case: each
    is checked, given up on, and replaced by one that cannot open); readiness then finds whatever
    the reads left."""
    tenders = _measure(base, TENDERS, hung_reads or samples, parallel=hung_reads > 0)
    return {"tenders": tenders, "ready": _measure(base, READY, samples)}


def run_variant(
    hub_url: str, data: Path, hang: Callable[[], AbstractContextManager[None]], samples: int, hung_reads: int
) -> dict[str, dict[str, Timings]]:
    with live_hub(hub_url, data, PROBE_INTERVAL_SECONDS="0") as hub:
        _measure(hub.url, TENDERS, 8, parallel=True)  # warm: pooled connections, statements prepared
        healthy = _phase(hub.url, samples, 0)
        with hang():
            hung = _phase(hub.url, samples, hung_reads)
        _wait_ready(hub.url)
    return {"healthy": healthy, "hung": hung}


def _row(database: str, request: str, healthy: Timings, hung: Timings, goal: str) -> dict[str, Any]:
    h, s = healthy[0], hung[0]
    return {
        "database": database,
        "request": request,
        "healthy_median_ms": statistics.median(h) * 1000,
        "healthy_max_ms": max(h) * 1000,
        "healthy_statuses": sorted(healthy[1]),
        "hung_median_s": statistics.median(s),
        "hung_max_s": max(s),
        "hung_statuses": sorted(hung[1]),
        "hung_ratio_to_healthy": statistics.median(s) / statistics.median(h),
        "goal": goal,
    }


def markdown(figures: Mapping[str, Any]) -> str:
    t = figures["timeouts_s"]
    lines = [
        f"`{figures['command']}`; machine: {figures['machine']}; PostgreSQL {figures['postgres']} (embedded)",
        "",
        f"Timeouts (defaults): readiness {t['readiness']} s, connect {t['connect']} s, "
        f"command {t['command']} s, statement {t['statement']} s, pool {t['pool']} s",
        "",
        "| database | request | healthy: median (max), status | hung: median (max), status "
        "| hung / healthy | goal |",
        "|---|---|---|---|---|---|",
    ]
    for r in figures["rows"]:
        lines.append(
            f"| {r['database']} | `GET {r['request']}` | {r['healthy_median_ms']:.1f} ms "
            f"(max {r['healthy_max_ms']:.1f}), {'/'.join(map(str, r['healthy_statuses']))} "
            f"| {r['hung_median_s']:.2f} s (max {r['hung_max_s']:.2f}), "
            f"{'/'.join(map(str, r['hung_statuses']))} | {r['hung_ratio_to_healthy']:,.0f}x | {r['goal']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20, help="readiness requests per condition")
    parser.add_argument(
        "--hung-reads", type=int, default=4, help="tender reads sent at once on a hung database"
    )
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:  # the same hangs, fewer requests in each
        args.samples, args.hung_reads = 5, 2
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    os.environ["LPSE_HUB_MASTER_KEY"] = MasterKey.generate()  # both hubs open the same signing keys
    defaults = Settings()
    with tempfile.TemporaryDirectory(prefix="lpse-hub-bench-hung-") as tmp:
        root = Path(tmp)
        with embedded_postgres(root / "server") as url:
            version = asyncio.run(_prepare(url))
            stop = partial(_stopped, root / "server" / "postgres")
            results = {"stopped (SIGSTOP)": run_variant(url, root / "a", stop, args.samples, args.hung_reads)}
            with HangingProxy(url) as proxy:
                results["blackhole (proxy)"] = run_variant(
                    proxy.url, root / "b", partial(_hang_proxy, proxy), args.samples, args.hung_reads
                )
    rows = []
    for name, result in results.items():
        healthy, hung = result["healthy"], result["hung"]
        rows.append(_row(name, READY, healthy["ready"], hung["ready"], "hung <= 2 s"))
        rows.append(_row(name, TENDERS, healthy["tenders"], hung["tenders"], "503, bounded"))
    figures = {
        "command": command("tests.bench.bench_hung_database"),
        "machine": machine(),
        "postgres": version,
        "timeouts_s": {
            "readiness": defaults.readiness_timeout_seconds,
            "connect": defaults.database_connect_timeout_seconds,
            "command": defaults.database_command_timeout_seconds,
            "statement": defaults.database_statement_timeout_seconds,
            "pool": defaults.database_pool_timeout_seconds,
        },
        "rows": rows,
    }
    print_figures(figures, args, markdown)


@contextmanager
def _hang_proxy(proxy: HangingProxy) -> Iterator[None]:
    proxy.hang()
    try:
        yield
    finally:
        proxy.resume()


if __name__ == "__main__":
    main()
