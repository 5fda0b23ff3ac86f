"""The pure OCDS of a contract's implementation: the cases the HTTP tests do not reach."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from federation.catalogue.ocds import PublicAward, PublicContract, TenderSnapshot, release
from federation.catalogue.ocds_implementation import (
    PublicContractAmendment,
    PublicImplementation,
    PublicMilestone,
    PublicProgress,
)

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SIGNED = date(2026, 12, 1)
CONTRACTED = TenderSnapshot(
    tenant_code="3507", tenant_slug="kab-malang", tenant_name="Kabupaten Malang", tender_id=12,
    status="contracted", stage="contracted", evaluation="lowest_price", title="Pembangunan Jalan",
    agency_id=1, agency="Dinas PU", category="construction", method="tender", fiscal_year=2026,
    budget=110, owner_estimate=100, kbli=[], location="", announced_at=T0, schedule={},
    awards=[PublicAward(1, 7, "CV Arum", 90, T0, None)],
    contract=PublicContract("HK/1", 90, SIGNED, SIGNED, date(2026, 12, 31)),
)  # fmt: skip


def _contract(implementation: PublicImplementation, ends_on: date = date(2026, 12, 31)) -> dict[str, object]:
    assert CONTRACTED.contract is not None
    contract = replace(CONTRACTED.contract, ends_on=ends_on, implementation=implementation)
    [published] = release(replace(CONTRACTED, contract=contract), ["implementation"], T0)["contracts"]
    return dict(published)


def test_a_contract_without_implementation_publishes_none() -> None:
    published = _contract(PublicImplementation())
    assert "implementation" not in published
    assert "amendments" not in published


def test_progress_going_back_shows_its_reason_and_a_milestone_not_met_is_scheduled() -> None:
    progress = [
        PublicProgress(1, SIGNED, Decimal("40.00"), "Pengaspalan", None),
        PublicProgress(2, date(2026, 12, 3), Decimal("35.00"), "", "Lapisan ditolak pengawas"),
    ]
    milestone = PublicMilestone(5, "Serah terima pertama", date(2026, 12, 20), None)
    implementation = _contract(PublicImplementation(progress=progress, milestones=[milestone]))[
        "implementation"
    ]
    assert isinstance(implementation, dict)
    assert "transactions" not in implementation
    due, first, back = implementation["milestones"]
    assert (due["status"], due["dueDate"]) == ("scheduled", "2026-12-20T23:59:59+07:00")
    assert (first["title"], first["description"]) == ("Progres fisik 40.00%", "Pengaspalan")
    assert back["description"] == "(alasan: Lapisan ditolak pengawas)"
    assert back["dateMet"] == "2026-12-03T00:00:00+07:00"


def test_an_amendment_of_the_end_alone_says_so_and_the_period_ends_then() -> None:
    later = date(2027, 1, 31)
    amendment = PublicContractAmendment(1, date(2026, 12, 10), 90, 90, date(2026, 12, 31), later, "Banjir")
    published = _contract(PublicImplementation(amendments=[amendment]), ends_on=later)
    assert published["amendments"] == [
        {
            "id": "1",
            "date": "2026-12-10T00:00:00+07:00",
            "rationale": "Banjir",
            "description": "Adendum 1: endDate: 2026-12-31 -> 2027-01-31",
        }
    ]
    assert published["period"] == {
        "startDate": "2026-12-01T00:00:00+07:00",
        "endDate": "2027-01-31T23:59:59+07:00",
    }
