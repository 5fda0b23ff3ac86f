"""H06 and H07, the red flags over what a contract's release says of its implementation (issue 21), on
hand-built compiled releases shaped as the e-monev publishes them: payments as
``contracts[].implementation.transactions``, physical progress as ``reporting`` milestones of code
``physicalProgress`` with the percentage in the title."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import msgspec

from federation.catalogue.ocds_implementation import (
    PublicImplementation,
    PublicMilestone,
    PublicPayment,
    PublicProgress,
    implementation_parts,
)
from federation.catalogue.red_flags import (
    Thresholds,
    contract_past_end_without_progress,
    last_progress,
    payments_above_contract,
    red_flags,
)
from hub.web.schemas.catalogue import RedFlagView
from tests.unit.federation.catalogue.test_red_flag_indicators import compiled

ENDS = "2026-06-30T23:59:59+07:00"


def payment(term: int, amount: int) -> dict[str, Any]:
    return {
        "id": f"1-payment-{term}",
        "date": f"2026-0{3 + term}-10T00:00:00+07:00",
        "value": {"amount": amount, "currency": "IDR"},
        "payer": {"id": "ID-SATKER-3507-1", "name": "Dinas PU"},
        "payee": {"id": "ID-VENDOR-7", "name": "CV Vendor 7"},
    }


def progress(n: int, percent: str, day: str) -> dict[str, Any]:
    return {
        "id": f"progress-{n}",
        "title": f"Progres fisik {percent}%",
        "type": "reporting",
        "code": "physicalProgress",
        "status": "met",
        "dateMet": f"{day}T00:00:00+07:00",
        "dateModified": f"{day}T00:00:00+07:00",
    }


def implemented(
    n: int = 1,
    *,
    value: int = 1_000_000,
    payments: tuple[int, ...] = (),
    reports: list[dict[str, Any]] | None = None,
    ends: str = ENDS,
    status: str = "active",
) -> dict[str, Any]:
    """A tender with its contract (``value``, ending ``ends``), its payments and its progress reports."""
    release = compiled(n, award=value, contract=value)
    contract = release["contracts"][0]
    contract["status"] = status
    contract["period"] = {"startDate": "2026-04-01T00:00:00+07:00", "endDate": ends}
    implementation: dict[str, Any] = {}
    if payments:
        implementation["transactions"] = [payment(term, a) for term, a in enumerate(payments, 1)]
    milestones = [
        {
            "id": "milestone-1",
            "title": "Serah terima",
            "type": "delivery",
            "status": "scheduled",
            "dueDate": ends,
        },
    ]
    implementation["milestones"] = milestones + (reports or [])
    contract["implementation"] = implementation
    return release


def test_payments_adding_up_to_more_than_the_contract_are_flagged_with_each_one_counted() -> None:
    [flag] = payments_above_contract([implemented(payments=(600_000, 500_000))])
    assert (flag.code, flag.ocid, flag.threshold) == ("H06", "ocds-lpsehub-3507-1", "contract value")
    assert flag.facts == {
        "contract": "1-contract",
        "contractValue": 1_000_000,
        "paid": 1_100_000,
        "transactions": [{"id": "1-payment-1", "amount": 600_000}, {"id": "1-payment-2", "amount": 500_000}],
    }
    assert "1,100,000" in flag.explanation
    assert "melebihi nilai kontrak" in flag.explanation_id


def test_payments_up_to_the_contract_value_or_none_at_all_are_not_flagged() -> None:
    exactly = implemented(payments=(600_000, 400_000))
    nothing = implemented(2)
    no_value = implemented(3, payments=(5,))
    del no_value["contracts"][0]["value"]
    assert payments_above_contract([exactly, nothing, no_value]) == []


def test_the_value_compared_is_the_contracts_own_after_its_amendments() -> None:
    """An amendment that raised the value (the release's ``value`` is the latest terms) clears H06."""
    raised = implemented(payments=(600_000, 500_000), value=1_200_000)
    raised["contracts"][0]["amendments"] = [{"id": "1", "rationale": "Pekerjaan tambah"}]
    assert payments_above_contract([raised]) == []


def test_a_contract_past_its_end_with_no_progress_report_is_flagged_with_the_days_past() -> None:
    [flag] = contract_past_end_without_progress([implemented()], date(2026, 7, 15))
    assert (flag.code, flag.threshold) == ("H07", 0)
    assert flag.facts == {
        "contract": "1-contract",
        "endDate": ENDS,
        "daysPast": 15,
        "asOf": "2026-07-15",
        "lastProgress": None,
        "lastProgressDate": None,
    }
    assert "no progress report" in flag.explanation
    assert "belum ada laporan progres fisik" in flag.explanation_id


def test_the_last_progress_report_below_100_percent_is_named_in_the_flag() -> None:
    reports = [progress(2, "80.00", "2026-06-20"), progress(1, "40", "2026-05-20")]
    [flag] = contract_past_end_without_progress([implemented(reports=reports)], date(2026, 7, 1))
    assert (flag.facts["lastProgress"], flag.facts["lastProgressDate"]) == (80.0, "2026-06-20T00:00:00+07:00")
    assert flag.facts["daysPast"] == 1
    assert "80% (2026-06-20)" in flag.explanation


def test_a_contract_reported_complete_still_running_or_cancelled_is_not_flagged() -> None:
    done = implemented(1, reports=[progress(1, "60", "2026-05-20"), progress(2, "100.00", "2026-06-28")])
    late_but_done = implemented(2, reports=[progress(1, "100", "2026-07-10")])
    running = implemented(3, ends="2026-07-31T23:59:59+07:00")
    cancelled = implemented(4, status="cancelled")
    releases = [done, late_but_done, running, cancelled]
    assert contract_past_end_without_progress(releases, date(2026, 7, 15)) == []
    assert contract_past_end_without_progress([implemented()], date(2026, 6, 30)) == []  # its last day


def test_a_later_report_below_100_percent_after_a_complete_one_is_the_last_word() -> None:
    """Progress may go back with a reason (a failed inspection): the latest report decides."""
    back = [progress(1, "100", "2026-06-10"), progress(2, "90", "2026-06-25")]
    assert last_progress(implemented(reports=back)["contracts"][0]) == (90.0, "2026-06-25T00:00:00+07:00")
    assert len(contract_past_end_without_progress([implemented(reports=back)], date(2026, 7, 2))) == 1


def test_the_grace_days_delay_the_flag_and_without_an_evaluation_date_there_is_none() -> None:
    late = [implemented()]
    assert contract_past_end_without_progress(late, date(2026, 7, 5), Thresholds(overdue_grace_days=5)) == []
    assert (
        len(contract_past_end_without_progress(late, date(2026, 7, 6), Thresholds(overdue_grace_days=5))) == 1
    )
    assert red_flags(late) == []  # no as_of: H07 is not judged
    assert [f.code for f in red_flags(late, as_of=date(2026, 7, 6))] == ["H07"]


def test_a_contract_without_a_period_or_milestones_without_a_percentage_say_nothing_or_no_progress() -> None:
    no_period = implemented()
    del no_period["contracts"][0]["period"]
    assert contract_past_end_without_progress([no_period], date(2027, 1, 1)) == []
    unreadable = implemented(reports=[{**progress(1, "x", "2026-06-01"), "title": "Progres fisik"}])
    [flag] = contract_past_end_without_progress([unreadable], date(2026, 7, 1))
    assert flag.facts["lastProgress"] is None


def test_h06_and_h07_come_last_among_all_indicators_and_fit_the_api_schema() -> None:
    release = implemented(payments=(700_000, 700_000), reports=[progress(1, "50", "2026-06-01")])
    flags = red_flags([release], as_of=date(2026, 8, 1))
    assert [f.code for f in flags] == ["H06", "H07"]
    for f in flags:
        msgspec.convert(f.to_dict(), RedFlagView)
        assert f.name
        assert f.explanation
        assert f.explanation_id


def test_the_indicators_read_the_implementation_as_the_e_monev_publishes_it() -> None:
    """The shapes above are ``ocds_implementation``'s: its progress reports and payments, read back."""
    published = PublicImplementation(
        progress=[
            PublicProgress(1, date(2026, 5, 2), Decimal("30.00"), "Tahap 1", None),
            PublicProgress(2, date(2026, 6, 2), Decimal("62.50"), "Tahap 2", None),
        ],
        payments=[PublicPayment(1, date(2026, 5, 10), 700_000), PublicPayment(2, date(2026, 6, 10), 400_000)],
        milestones=[PublicMilestone(1, "Serah terima", date(2026, 6, 30), None)],
    )
    buyer, supplier = {"id": "ID-SATKER-3507-1", "name": "Dinas PU"}, {"id": "ID-VENDOR-7", "name": "CV 7"}
    release = implemented()
    contract = release["contracts"][0]
    contract |= implementation_parts(1, published, "Asia/Jakarta", buyer, supplier)
    assert last_progress(contract) == (62.5, "2026-06-02T00:00:00+07:00")
    flags = red_flags([release], as_of=date(2026, 7, 1))
    assert [(f.code, f.facts.get("paid"), f.facts.get("lastProgress")) for f in flags] == [
        ("H06", 1_100_000, None),
        ("H07", None, 62.5),
    ]
