"""Every benchmark script accepts `--quick` and `--json` (issue 20), read from its source.

A script is a ``tests/bench/bench_*.py`` with a ``__main__`` block (``bench_vendors.py`` is a helper
the scripts import). Reading the source, not running ``--help``, keeps this test cheap: importing a
script pulls in the whole hub, Playwright and uvicorn, seconds each on a loaded machine.
"""

from __future__ import annotations

import ast
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _is_main_block(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )


def _options_of(tree: ast.Module) -> set[str]:
    """The run options a script's parser gets: both through ``add_run_options``, or each by hand."""
    options: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "add_run_options":
            options |= {"--quick", "--json"}
        elif name == "add_argument":
            options |= {
                a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            }
    return options & {"--quick", "--json"}


def scripts() -> dict[str, ast.Module]:
    parsed = {path.stem: ast.parse(path.read_text()) for path in sorted(BENCH.glob("bench_*.py"))}
    return {name: tree for name, tree in parsed.items() if any(_is_main_block(n) for n in tree.body)}


def test_the_benchmark_scripts_are_found() -> None:
    found = scripts()
    assert "bench_tenants" in found
    assert "bench_vendors" not in found  # a helper module, not a script


def test_every_benchmark_script_accepts_quick_and_json() -> None:
    missing = {
        name: sorted({"--quick", "--json"} - _options_of(tree))
        for name, tree in scripts().items()
        if _options_of(tree) != {"--quick", "--json"}
    }
    assert missing == {}, f"scripts without issue 20's run options: {missing}"
