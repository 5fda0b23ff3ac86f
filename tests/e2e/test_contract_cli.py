"""``lpse-hub contract ...``: the operator records a contract's implementation with the API's rules."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from cli.main import app
from hub.core.settings import Settings
from tests.e2e.test_contract_implementation import Contracted, contracted, today

__all__ = ["contracted"]  # the fixture, shared with the API's tests


def lpse(settings: Settings, *args: str) -> Result:
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url or ""}
    return CliRunner().invoke(app, list(args), env=env)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_operator_pays_amends_and_reads_with_the_apis_rules(
    contracted: Contracted, settings: Settings
) -> None:
    where = ("--tenant", contracted.malang.slug, "--tender", str(contracted.desk.tender_id))
    day = today().isoformat()
    paid = as_json(lpse(settings, "contract", "pay", *where, "--amount", "100000000", "--on", day, "--json"))
    assert (paid["term"], paid["recorded_by"], paid["recorded_by_client"]) == (1, None, "operator")

    over = lpse(settings, "contract", "pay", *where, "--amount", "50000000", "--on", day)
    assert over.exit_code == 2  # bad input, as the project's CLI answers it
    assert "above the contract's value" in over.stderr
    assert len(over.stderr.strip().splitlines()) == 1  # one line, no traceback

    reason = ("--reason", "Tambahan 4 unit komputer")
    amended = lpse(settings, "contract", "amend", *where, *reason, "--value", "150000000", "--on", day)
    assert amended.exit_code == 0, amended.stderr
    back = lpse(settings, "contract", "progress", *where, "--percent", "40", "--on", day)
    assert back.exit_code == 0, back.stderr
    no_reason = lpse(settings, "contract", "progress", *where, "--percent", "10", "--on", day)
    assert no_reason.exit_code == 2
    assert "reason" in no_reason.stderr

    shown = as_json(lpse(settings, "contract", "show", *where, "--json"))
    assert (shown["value"], shown["paid"], shown["progress_percent"]) == (150_000_000, 100_000_000, "40.00")
