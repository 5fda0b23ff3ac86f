"""Issue 20's table in one command: every script that measures one of its figures, run with `--json`.

    python -m tests.bench.issue20 --quick                        # this checkout, the quick runs
    python -m tests.bench.issue20 --tree ../old --tree . --pairs 2   # before and after, alternating

Each script runs in a subprocess of its own (``python -m tests.bench.<script> --json [--quick]``)
with the tree as its working directory and its ``PYTHONPATH``, so each tree measures its own code.
With two trees the runs alternate per script (A, B, A, B for ``--pairs 2``), so both meet the same
load; a tree's value is the median of its runs. The first tree is the old one and the last the new
one: the ratio is new ÷ old and the goal is judged on the new value.

A script that fails, times out, or leaves a figure out shows that figure as "not measured" with its
exit code and the last line it wrote on stderr; the table is still printed, and the exit status is
then 1. A goal not met is a figure, not a failure: it does not change the exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.bench.figures import ISSUE_20_FIGURES, add_run_options, command, machine, print_figures

MODULE = "tests.bench.issue20"
SCRIPTS: dict[str, tuple[str, ...]] = {
    "bench_tenants": ("provision_548_s", "provision_raw_ddl_s", "provision_ratio_to_raw_ddl"),
    "bench_bids": ("rush_bids_per_s", "rush_plain_inserts_per_s", "rush_ratio_to_plain_inserts"),
    "bench_lifecycle": ("tender_hub_cpu_ms", "tender_statements"),
    "bench_catalogue": (
        "catalogue_mix_ratio_to_select_1",
        "catalogue_mix_p95_cold_ms",
        "q_with_filters_p95_ms",
        "relevance_sparse_words_p95_ms",
    ),
    "bench_identity": ("token_first_sight_us", "token_raw_es256_verify_us", "token_ratio_to_raw_verify"),
    "bench_metrics": ("metrics_548_tenants_p50_ms",),
    "bench_event_loop": ("event_loop_p99_logins_ms", "event_loop_p99_opening_ms"),
}
"""Each script of issue 20 and the figures it owns: a figure missing from every output is blamed
on its owner (its exit code and stderr); a figure found in another script's output is taken."""


@dataclass(frozen=True, slots=True)
class Run:
    """One script run in one tree: what it printed and how it ended."""

    script: str
    tree: str
    seconds: float
    exit_code: int | None  # None: killed after the timeout
    last_stderr: str
    load: tuple[float, float]  # the machine's 1-minute load average when the run started and ended
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.exit_code != 0

    def why(self) -> str:
        """Why this run gave no figure, as the table's cell says it."""
        ended = "timed out" if self.exit_code is None else f"exit {self.exit_code}"
        return f"{ended}: {self.last_stderr}" if self.last_stderr else ended


def json_object_in(stdout: str) -> dict[str, Any]:
    """The last JSON object on stdout starting at the beginning of a line (a script may print
    progress before it); empty when there is none."""
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
    offset = 0
    for line in stdout.splitlines(keepends=True):
        if line.startswith("{"):
            try:
                value, _ = decoder.raw_decode(stdout, offset)
            except json.JSONDecodeError:
                value = None
            if isinstance(value, dict):
                found = value
        offset += len(line)
    return found


def run_script(script: str, tree: Path, *, quick: bool, timeout: float, grace: float) -> Run:
    """``python -m tests.bench.<script> --json`` in ``tree``; on timeout its process group gets
    SIGINT (a script's cleanup runs: databases dropped, hubs stopped), then SIGKILL after ``grace``."""
    argv = [sys.executable, "-m", f"tests.bench.{script}", "--json", *(["--quick"] if quick else [])]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    load = os.getloadavg()[0]
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        cwd=tree,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: its hubs and workers end with it
    )
    exit_code: int | None
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        exit_code = process.returncode
    except subprocess.TimeoutExpired:
        stdout, stderr = _stopped(process, grace)
        exit_code = None
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return Run(
        script,
        str(tree),
        time.monotonic() - started,
        exit_code,
        lines[-1] if lines else "",
        (load, os.getloadavg()[0]),
        json_object_in(stdout) if exit_code == 0 else {},
    )


def _stopped(process: subprocess.Popen[str], grace: float) -> tuple[str, str]:
    os.killpg(process.pid, signal.SIGINT)
    try:
        return process.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()


def run_all(
    trees: Sequence[Path], scripts: Sequence[str], pairs: int, *, quick: bool, timeout: float, grace: float
) -> list[Run]:
    """Every script ``pairs`` times in every tree, the trees alternating per script."""
    runs = []
    for script in scripts:
        for _ in range(pairs):
            for tree in trees:
                run = run_script(script, tree, quick=quick, timeout=timeout, grace=grace)
                print(
                    f"{script} in {tree}: {run.seconds:.1f} s, {'ok' if not run.failed else run.why()}",
                    file=sys.stderr,
                    flush=True,
                )
                runs.append(run)
    return runs


def goal_met(value: float, goal: str) -> bool | None:
    """Whether ``value`` meets a goal written as ``<= 30`` or ``>= 0.60``; None without a goal."""
    if not goal:
        return None
    operator, bound = goal.split()
    return value <= float(bound) if operator == "<=" else value >= float(bound)


def figure_rows(trees: Sequence[Path], scripts: Sequence[str], runs: Sequence[Run]) -> list[dict[str, Any]]:
    """Issue 20's figures of ``scripts``, each with its value in every tree (the median of its runs
    there) or why it was not measured, the ratio of the last tree to the first, and whether the goal
    is met."""
    owner = {name: script for script, names in SCRIPTS.items() for name in names}
    rows = []
    for name, what, unit, goal in ISSUE_20_FIGURES:
        if owner.get(name) not in scripts:
            continue
        values: list[float | None] = []
        missing: list[str | None] = []
        for tree in trees:
            here = [r for r in runs if r.tree == str(tree)]
            measured = [float(r.figures[name]) for r in here if _is_number(r.figures.get(name))]
            values.append(statistics.median(measured) if measured else None)
            missing.append(None if measured else _why_missing(name, owner.get(name), here))
        first, last = values[0], values[-1]
        ratio = last / first if len(values) > 1 and first and last is not None else None
        rows.append(
            {
                "name": name,
                "what": what,
                "unit": unit,
                "goal": goal,
                "values": values,
                "not_measured": missing,
                "ratio": ratio,
                "goal_met": goal_met(last, goal) if last is not None else None,
            }
        )
    return rows


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _why_missing(name: str, script: str | None, runs: Sequence[Run]) -> str:
    theirs = [r for r in runs if r.script == script]
    failed = [r for r in theirs if r.failed]
    if failed:
        return failed[-1].why()
    if theirs:
        return f"exit 0: `{name}` not in its JSON"
    return "no script measures it"


def number(value: float) -> str:
    """A figure as the table shows it: three significant digits, no exponent."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 0.01 else f"{value:.2g}"


def markdown(report: Mapping[str, Any]) -> str:
    trees = report["trees"]
    two = len(trees) > 1
    lines = [
        f"`{report['command']}` on {report['machine']}; "
        f"{'quick runs' if report['quick'] else 'full runs'}, {report['pairs']} per tree.",
        "",
    ]
    head = ["figure", "what", "goal", *trees, *(["new / old"] if two else []), "goal met"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in report["figures"]:
        cells = [
            f"`{row['name']}`",
            row["what"],
            f"{row['goal']} {row['unit']}".strip() if row["goal"] else "-",
        ]
        for value, why in zip(row["values"], row["not_measured"], strict=True):
            cells.append(
                f"{number(value)} {row['unit']}".strip() if value is not None else f"not measured ({why})"
            )
        if two:
            cells.append(f"{row['ratio']:.2f}" if row["ratio"] is not None else "-")
        cells.append({True: "yes", False: "**no**", None: "-"}[row["goal_met"]])
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    lines += ["", "| script | tree | seconds | load at start, end | ended |", "|---|---|---:|---|---|"]
    for run in report["runs"]:
        ended = "ok" if run["exit_code"] == 0 else Run(**run).why()
        ended = ended.replace("|", "\\|")
        load = ", ".join(f"{value:.1f}" for value in run["load"])
        lines.append(f"| {run['script']} | {run['tree']} | {run['seconds']:.1f} | {load} | {ended} |")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    built = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_run_options(built)
    built.add_argument(
        "--tree",
        type=Path,
        action="append",
        help="a checkout to measure (repeat it: the first is the old one, the last the new one); "
        "default: this checkout",
    )
    built.add_argument("--pairs", type=int, default=1, help="runs of each script in each tree")
    built.add_argument(
        "--script", action="append", choices=list(SCRIPTS), help="only these scripts (repeatable)"
    )
    built.add_argument(
        "--timeout", type=float, default=None, help="seconds per script run (default 300 quick, 3600 full)"
    )
    built.add_argument("--grace", type=float, default=30.0, help="seconds a timed-out script has to clean up")
    return built


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    trees = [tree.resolve() for tree in args.tree or [Path(__file__).resolve().parents[2]]]
    timeout = args.timeout or (300.0 if args.quick else 3600.0)
    scripts = args.script or list(SCRIPTS)
    runs = run_all(trees, scripts, args.pairs, quick=args.quick, timeout=timeout, grace=args.grace)
    rows = figure_rows(trees, scripts, runs)
    report = {
        "command": command(MODULE) if argv is None else " ".join(["python -m", MODULE, *argv]),
        "machine": machine(),
        "quick": args.quick,
        "pairs": args.pairs,
        "trees": [str(tree) for tree in trees],
        "figures": rows,
        "runs": [asdict(run) for run in runs],
    }
    print_figures(report, args, markdown)
    complete = not any(run.failed for run in runs) and all(
        value is not None for row in rows for value in row["values"]
    )
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
