"""`python -m tests.bench.issue20`: issue 20's table from the scripts' `--json`, against stand-ins.

The stand-in scripts live in a temporary tree (``tests/bench/bench_*.py`` there), as a checkout's
scripts do: one prints its figures after a progress line, one fails, one never ends, one leaves a
figure out, and one prints a figure that differs per run and per tree.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.bench import issue20

PRINTS_FIGURES = """
    import json, sys
    print("provisioning...")  # progress before the figures
    print(json.dumps({"provision_548_s": 25.0, "provision_raw_ddl_s": 20.0,
                      "provision_ratio_to_raw_ddl": 1.25, "machine": "stand-in"}, indent=2))
"""
FAILS = """
    import sys
    print("Traceback (most recent call last):", file=sys.stderr)
    print("RuntimeError: the database went away", file=sys.stderr)
    sys.exit(3)
"""
NEVER_ENDS = """
    import threading
    threading.Event().wait()  # until the runner interrupts it
"""
LEAVES_ONE_OUT = """
    import json, sys
    cold = 12.0 if "--quick" in sys.argv else 99.0
    print(json.dumps({"catalogue_mix_ratio_to_select_1": 0.55, "catalogue_mix_p95_cold_ms": cold,
                      "q_with_filters_p95_ms": 31.0}))
"""
COUNTS_RUNS = """
    import json
    from pathlib import Path
    runs = Path(__file__).with_name("runs")
    runs.write_text(runs.read_text() + "x" if runs.exists() else "x")
    base = float(Path(__file__).with_name("base").read_text())
    first_sight = base * len(runs.read_text())  # base, then 2 x base: the median is 1.5 x base
    print(json.dumps({"token_first_sight_us": first_sight, "token_raw_es256_verify_us": 100.0,
                      "token_ratio_to_raw_verify": first_sight / 100.0}))
"""


def tree_of(root: Path, scripts: dict[str, str]) -> Path:
    bench = root / "tests" / "bench"
    bench.mkdir(parents=True)
    (root / "tests" / "__init__.py").write_text("")
    (bench / "__init__.py").write_text("")
    for name, source in scripts.items():
        (bench / f"{name}.py").write_text(textwrap.dedent(source))
    return root


def rows_of(markdown: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in markdown.splitlines()]


def table_of(markdown: str) -> dict[str, list[str]]:
    """The figure table's rows by figure name, each row's cells after the name."""
    return {cells[0].strip("`"): cells[1:] for cells in rows_of(markdown) if cells[0].startswith("`")}


def endings_of(markdown: str) -> dict[str, str]:
    """How each script's run ended, from the table of runs."""
    return {cells[0]: cells[-1] for cells in rows_of(markdown) if cells[0].startswith("bench_")}


def test_a_failing_a_hanging_and_an_incomplete_script_show_as_not_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tree_of(
        tmp_path,
        {
            "bench_tenants": PRINTS_FIGURES,
            "bench_bids": FAILS,
            "bench_lifecycle": NEVER_ENDS,
            "bench_catalogue": LEAVES_ONE_OUT,
        },
    )
    scripts = ["--script", "bench_tenants", "--script", "bench_bids", "--script", "bench_lifecycle"]
    scripts += ["--script", "bench_catalogue"]

    status = issue20.main(["--tree", str(tree), "--quick", "--timeout", "5", "--grace", "10", *scripts])

    out = capsys.readouterr().out
    table, ended = table_of(out), endings_of(out)
    assert status == 1
    # what, goal, the tree's value, goal met
    assert table["provision_548_s"] == [
        "provision all 548 tenants from an empty database",
        "<= 30 s",
        "25 s",
        "yes",
    ]
    assert table["provision_raw_ddl_s"][1:] == ["-", "20 s", "-"]
    assert table["provision_ratio_to_raw_ddl"][2:] == ["1.25 x", "yes"]
    failed = "not measured (exit 3: RuntimeError: the database went away)"
    assert [table[name][2:] for name in ("rush_bids_per_s", "rush_ratio_to_plain_inserts")] == [
        [failed, "-"],
        [failed, "-"],
    ]
    assert table["tender_hub_cpu_ms"][2].startswith("not measured (timed out")
    assert table["catalogue_mix_p95_cold_ms"][2:] == ["12 ms", "yes"]  # the --quick run's figure
    assert table["q_with_filters_p95_ms"][2:] == ["31 ms", "**no**"]
    assert table["relevance_sparse_words_p95_ms"][2:] == [
        "not measured (exit 0: `relevance_sparse_words_p95_ms` not in its JSON)",
        "-",
    ]
    assert "token_first_sight_us" not in table  # bench_identity was not asked for
    # and each run's ending, in the table of runs
    assert ended["bench_tenants"] == "ok"
    assert ended["bench_bids"] == "exit 3: RuntimeError: the database went away"
    assert ended["bench_lifecycle"].startswith("timed out")


def test_two_trees_alternate_and_the_ratio_is_new_over_old(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tree_of(tmp_path / "old", {"bench_identity": COUNTS_RUNS})
    new = tree_of(tmp_path / "new", {"bench_identity": COUNTS_RUNS})
    (old / "tests" / "bench" / "base").write_text("200")
    (new / "tests" / "bench" / "base").write_text("100")
    argv = ["--tree", str(old), "--tree", str(new), "--pairs", "2", "--script", "bench_identity"]

    status = issue20.main([*argv, "--json"])

    report = json.loads(capsys.readouterr().out)
    rows = {row["name"]: row for row in report["figures"]}
    assert status == 0
    assert [run["tree"] for run in report["runs"]] == [str(old), str(new), str(old), str(new)]
    assert rows["token_first_sight_us"]["values"] == [300.0, 150.0]  # the medians of 200, 400 and 100, 200
    assert rows["token_first_sight_us"]["ratio"] == 0.5
    assert rows["token_ratio_to_raw_verify"]["goal_met"] is True  # the new tree's 1.5 <= 1.5
    assert report["command"] == f"python -m tests.bench.issue20 {' '.join(argv)} --json"
    assert report["machine"]

    for tree in (old, new):
        (tree / "tests" / "bench" / "runs").unlink()  # the same runs again, now as Markdown
    assert issue20.main(argv) == 0
    table = table_of(capsys.readouterr().out)
    assert table["token_first_sight_us"][2:] == ["300 us", "150 us", "0.50", "-"]
