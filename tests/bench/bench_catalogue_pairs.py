"""Two trees' catalogue searches side by side, in-process, alternating kind by kind on one database.

The served run of ``bench_catalogue`` measures the machine as much as the code when other work
shares its two cores. This one runs each kind of typical search (``bench_catalogue.searches``) in
``search_catalogue`` itself, without a facet cache (cold), first in one tree then in the other, kind
after kind, in a fresh process per tree and kind (``PYTHONPATH`` names the tree), so both meet the
same load at nearly the same time. Figures per kind and tree: the median and p95 of a whole search
(every statement and its Python), the CPU time this process spent on it (Python: SQLAlchemy, asyncpg,
the counts), and the statements it sends. Both trees run this file's ``measure``, each on its own code.

    python -m tests.bench.bench_catalogue_pairs --before /work/wt/old --after . --database <seeded>
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

from tests.bench.figures import add_run_options, command, machine, print_figures

KINDS = ("q + filters", "q, sort=relevance", "q: two words", "q: one common word", "filters only",
         "first page, no filter (newest)")  # fmt: skip


async def measure(url: str, kind: str, repeat: int) -> dict[str, Any]:
    """In the tree on ``sys.path``: each query of ``kind`` searched ``repeat`` times, cold."""
    from sqlalchemy import event

    from federation.catalogue.search import search_catalogue
    from hub.core.database import create_engine, hub_sessions
    from hub.core.settings import Settings
    from tests.bench.bench_catalogue import catalogue_query, existing_places, searches

    queries = searches(await existing_places(url))[kind]
    engine = create_engine(Settings(database_url=url))
    sent: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    times: list[float] = []
    cpu: list[float] = []
    statements: list[int] = []
    try:
        for run in range(repeat + 1):
            for params in queries:
                sent.clear()
                async with hub_sessions(engine)() as session, session.begin():
                    started, used = time.perf_counter(), time.process_time()
                    await search_catalogue(session, catalogue_query(params))
                    if run:  # the first round warms plans and pages
                        times.append((time.perf_counter() - started) * 1000)
                        cpu.append((time.process_time() - used) * 1000)
                        statements.append(len(sent))
    finally:
        await engine.dispose()
    ordered = sorted(times)
    return {
        "p50": statistics.median(times),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)],
        "cpu": statistics.mean(cpu),
        "statements": statistics.mean(statements),
    }


def run_side(tree: str, url: str, kind: str, repeat: int) -> dict[str, Any]:
    # This file's ``measure`` in both trees (an old tree's may measure less), the tree's code.
    code = (
        "import asyncio, importlib.util, json, sys; "
        "spec = importlib.util.spec_from_file_location('pairs', sys.argv[4]); "
        "pairs = importlib.util.module_from_spec(spec); spec.loader.exec_module(pairs); "
        "print(json.dumps(asyncio.run(pairs.measure(sys.argv[1], sys.argv[2], int(sys.argv[3])))))"
    )
    env = {**os.environ, "PYTHONPATH": tree}
    done = subprocess.run(
        [sys.executable, "-c", code, url, kind, str(repeat), os.path.abspath(__file__)],
        cwd=tree, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def markdown(figures: Mapping[str, Any]) -> str:
    lines = [
        f"Machine: {figures['machine']}; load average {figures['load_average']}; "
        f"{figures['rounds']} rounds\n",
        "| kind | before p50 / p95 ms | after p50 / p95 ms | p95 after/before | CPU ms before / after "
        "| statements before / after |",
        "|---|---|---|---|---|---|",
    ]
    for kind, pair in figures["kinds"].items():
        b, a = pair["before"], pair["after"]
        lines.append(
            f"| {kind} | {b['p50']:.1f} / {b['p95']:.1f} | {a['p50']:.1f} / {a['p95']:.1f} "
            f"| {a['p95'] / b['p95']:.2f} | {b['cpu']:.1f} / {a['cpu']:.1f} "
            f"| {b['statements']:.1f} / {a['statements']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the old tree")
    parser.add_argument("--after", default=".", help="the new tree")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--database", default="lpse_hub_bench_catalogue", help="seeded by bench_catalogue --keep"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query per tree and round")
    parser.add_argument("--rounds", type=int, default=2, help="before, after, before, after, ...")
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.rounds = 2, 1
    from tests.bench.bench_tenants import dsn

    url = dsn(args.server, args.database)
    load = [os.getloadavg()]
    kinds: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for _ in range(args.rounds):
            for side in ("before", "after"):
                runs[side].append(run_side(os.path.abspath(getattr(args, side)), url, kind, args.repeat))
        kinds[kind] = {
            side: {k: statistics.median(r[k] for r in measured) for k in ("p50", "p95", "cpu", "statements")}
            for side, measured in runs.items()
        }
    load.append(os.getloadavg())
    figures: dict[str, Any] = {
        "q_with_filters_p95_ms": round(kinds["q + filters"]["after"]["p95"], 1),
        "relevance_sparse_words_p95_ms": round(kinds["q, sort=relevance"]["after"]["p95"], 1),
        "q_with_filters_p95_ms_before": round(kinds["q + filters"]["before"]["p95"], 1),
        "relevance_sparse_words_p95_ms_before": round(kinds["q, sort=relevance"]["before"]["p95"], 1),
        "kinds": kinds,
        "rounds": args.rounds,
        "load_average": " -> ".join(" / ".join(f"{x:.1f}" for x in one) for one in load),
        "machine": machine(),
        "command": command("tests.bench.bench_catalogue_pairs"),
    }
    print_figures(figures, args, markdown)


if __name__ == "__main__":
    main()
