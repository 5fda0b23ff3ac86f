"""In CI no test skips: a skip there fails, so nothing can stop being tested without anyone seeing.

A skip is right on a developer's machine that lacks a tool (``needs_tool`` in tests/conftest.py),
but in CI (``LPSE_HUB_TOOLS_REQUIRED=1``, set by .ci/run) every tool is installed and every test
must run. ``needs_tool`` already runs its tests there; this plugin is the net under everything
else: any skip (a ``skipif`` written without ``needs_tool``, a ``pytest.skip()`` in a fixture, an
``importorskip`` at a module's top) is reported as a failure, with the reason it gave. Expected
failures (``xfail``) are not skips and are left as they are.

Registered from tests/conftest.py (``pytest_plugins``).
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

REQUIRED = "LPSE_HUB_TOOLS_REQUIRED"


def _skips_forbidden() -> bool:
    return os.environ.get(REQUIRED) == "1"


def _as_failure(report: pytest.TestReport | pytest.CollectReport) -> None:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped where nothing may skip ({REQUIRED}=1): {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if _skips_forbidden() and report.skipped and not hasattr(report, "wasxfail"):
        _as_failure(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    if _skips_forbidden() and report.skipped:
        _as_failure(report)
    return report
