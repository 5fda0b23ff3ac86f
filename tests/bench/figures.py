"""What every benchmark script shares: `--quick`, `--json`, and the names of issue 20's figures.

A script adds the two options with `add_run_options`, runs smaller when `args.quick` (at most two
minutes on the 2-core CI machine, the same ratios), and ends with `print_figures`: one JSON object
on stdout with `--json`, its own Markdown otherwise. The figures of issue 20's table carry the names
below, so `python -m tests.bench.issue20` can gather them from every script into one table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psutil

# Issue 20's table, a row a name: (name, what it is, unit, goal as text). The names are the keys
# the scripts' `--json` objects carry; a script may carry more.
ISSUE_20_FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("provision_548_s", "provision all 548 tenants from an empty database", "s", "<= 30"),
    ("provision_raw_ddl_s", "the raw DDL of the same tables, same run", "s", ""),
    ("provision_ratio_to_raw_ddl", "provisioning ÷ raw DDL", "x", "<= 1.5"),
    ("rush_bids_per_s", "deadline rush: accepted bids per second", "/s", ""),
    ("rush_plain_inserts_per_s", "plain asyncpg inserts of the same bundles", "/s", ""),
    ("rush_ratio_to_plain_inserts", "rush ÷ plain inserts", "x", ">= 0.60"),
    ("tender_hub_cpu_ms", "hub CPU per tender, announcement to contract", "ms", "<= 100"),
    ("tender_statements", "statements per tender", "", "<= 120"),
    ("catalogue_mix_ratio_to_select_1", "catalogue mix ÷ bare SELECT 1 route", "x", ">= 0.50"),
    ("catalogue_mix_p95_cold_ms", "catalogue mix p95, cold (no facet cache)", "ms", "<= 30"),
    ("q_with_filters_p95_ms", "`q` with filters, p95", "ms", "<= 30"),
    ("relevance_sparse_words_p95_ms", "`sort=relevance` of sparse correlated words, p95", "ms", "<= 50"),
    ("token_first_sight_us", "access token, first sight", "us", ""),
    ("token_raw_es256_verify_us", "raw ES256 verify, same run", "us", ""),
    ("token_ratio_to_raw_verify", "token first sight ÷ raw verify", "x", "<= 1.5"),
    ("metrics_548_tenants_p50_ms", "`/metrics` with 548 tenants, p50", "ms", "<= 50"),
    ("event_loop_p99_logins_ms", "p99 `GET /health/live` under 32 concurrent logins", "ms", "<= 20"),
    ("event_loop_p99_opening_ms", "p99 `GET /health/live` while 2,000 bids open", "ms", "<= 20"),
)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """`--quick` (a run of at most two minutes, same ratios) and `--json` (figures on stdout)."""
    parser.add_argument(
        "--quick", action="store_true", help="a smaller run of at most two minutes, with the same ratios"
    )
    parser.add_argument(
        "--json", action="store_true", help="the figures as one JSON object on stdout, not Markdown"
    )


def machine() -> str:
    """The machine a figure ran on, as BENCHMARKS.md names it."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{platform.node()}: {os.cpu_count()} cores ({cpu}), "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}"
    )


def command(module: str) -> str:
    """The command line that produced this run, for BENCHMARKS.md."""
    return " ".join(["python -m", module, *sys.argv[1:]])


def print_figures(
    figures: Mapping[str, Any], args: argparse.Namespace, markdown: Callable[[Mapping[str, Any]], str]
) -> None:
    """One JSON object on stdout with `--json`; the script's Markdown otherwise."""
    if args.json:
        print(json.dumps(figures, indent=2, default=str))
    else:
        print(markdown(figures))
