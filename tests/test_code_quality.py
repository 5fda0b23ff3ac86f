"""ruff, mypy (strict) and the import layers stay clean: CI fails the moment they do not.

The tools come with the test extra. Where one is missing (a developer's machine without the extra)
its test skips; in CI (``LPSE_HUB_TOOLS_REQUIRED=1``) it fails instead (``needs_tool``).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import needs_tool

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str) -> str | None:
    """A console script of this interpreter's environment, else the first on ``PATH``."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


RUFF = _script("ruff")
MYPY = importlib.util.find_spec("mypy")
LINT_IMPORTS = _script("lint-imports")


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=240)


@needs_tool(RUFF, "ruff")
def test_ruff_reports_nothing() -> None:
    assert RUFF is not None, "ruff is not installed (pip install -e '.[test]')"
    result = _run(RUFF, "check", "--quiet", str(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_tool(MYPY, "mypy")
def test_mypy_strict_reports_nothing() -> None:
    assert MYPY is not None, "mypy is not installed (pip install -e '.[test]')"
    result = _run(sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_tool(LINT_IMPORTS, "lint-imports")
def test_imports_keep_to_their_layers_and_form_no_cycle() -> None:
    """The contracts in pyproject.toml: shells over monitoring over the domains over the core."""
    assert LINT_IMPORTS is not None, "lint-imports is not installed (pip install -e '.[test]')"
    result = _run(LINT_IMPORTS, "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
