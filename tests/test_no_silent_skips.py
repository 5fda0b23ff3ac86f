"""The test tooling itself: in CI a skip fails the run (tests/no_silent_skips.py)."""

from __future__ import annotations

import pytest

SKIPPING = """
import pytest

@pytest.mark.skipif(True, reason="promtool is not installed")
def test_skipped_by_a_mark() -> None:
    pass

def test_skipped_from_inside() -> None:
    pytest.skip("no database")

@pytest.mark.xfail(reason="a known bug")
def test_expected_to_fail() -> None:
    assert False

def test_that_runs() -> None:
    pass
"""
SKIPPED_MODULE = """
import pytest

pytest.importorskip("a_module_nobody_installed")

def test_never_collected() -> None:
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_skipping=SKIPPING, test_skipped_module=SKIPPED_MODULE)
    return pytester


def test_skips_are_skips_on_a_developers_machine(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LPSE_HUB_TOOLS_REQUIRED", raising=False)
    result = suite.runpytest("-p", "tests.no_silent_skips")
    result.assert_outcomes(passed=1, skipped=3, xfailed=1)
    assert result.ret == pytest.ExitCode.OK


def test_in_ci_every_skipped_test_fails_and_says_why(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LPSE_HUB_TOOLS_REQUIRED", "1")
    result = suite.runpytest("-p", "tests.no_silent_skips", "test_skipping.py")
    result.assert_outcomes(passed=1, failed=1, errors=1, xfailed=1)  # a mark skips in the setup
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*skipped where nothing may skip (LPSE_HUB_TOOLS_REQUIRED=1)*promtool is not installed*",
            "*skipped where nothing may skip (LPSE_HUB_TOOLS_REQUIRED=1)*no database*",
        ],
        consecutive=False,
    )


def test_in_ci_a_skipped_module_stops_the_run_as_an_error(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LPSE_HUB_TOOLS_REQUIRED", "1")
    result = suite.runpytest("-p", "tests.no_silent_skips")
    result.assert_outcomes(errors=1)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # as any module that cannot be collected does
    result.stdout.fnmatch_lines(["*skipped where nothing may skip*a_module_nobody_installed*"])
