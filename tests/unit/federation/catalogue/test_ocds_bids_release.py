"""The pure ``release()`` for bids and amendments: the cases the HTTP tests do not reach."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from federation.catalogue.ocds import PublicAmendment, PublicBid, TenderSnapshot, release, with_ocid

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SNAPSHOT = TenderSnapshot(
    tenant_code="3507", tenant_slug="kab-malang", tenant_name="Kabupaten Malang", tender_id=12,
    status="announced", stage="", evaluation="lowest_price", title="Pembangunan Jalan", agency_id=1,
    agency="Dinas PU", category="construction", method="tender", fiscal_year=2026, budget=110,
    owner_estimate=100, kbli=[], location="", announced_at=T0, schedule={},
)  # fmt: skip


def test_nothing_about_bids_before_the_opening_even_if_the_snapshot_carried_some() -> None:
    carried = replace(SNAPSHOT, bids=[PublicBid(7, "CV Arum", T0, 90)], bidders=[(7, "CV Arum")])
    published = release(carried, ["tender"], T0)
    assert "bids" not in published
    assert "numberOfTenderers" not in published["tender"]


def test_a_bid_that_could_not_be_opened_has_no_value_and_is_disqualified_once_results_are_out() -> None:
    opened = replace(
        SNAPSHOT,
        status="failed",
        opened_at=T0,
        bids=[PublicBid(7, "CV Arum", T0, None, "failed"), PublicBid(8, "CV Bayu", None, 95, "pending")],
        evaluated=True,
    )
    bids = release(opened, ["tenderUpdate"], T0)["bids"]
    assert bids["details"] == [
        {"id": "12-7", "status": "disqualified", "tenderers": [{"id": "ID-VENDOR-7", "name": "CV Arum"}],
         "date": T0.isoformat()},
        {"id": "12-8", "status": "pending", "tenderers": [{"id": "ID-VENDOR-8", "name": "CV Bayu"}],
         "value": {"amount": 95, "currency": "IDR"}},
    ]  # fmt: skip
    assert [(s["measure"], s["value"]) for s in bids["statistics"]] == [
        ("bids", 2),
        ("validBids", 0),
        ("disqualifiedBids", 1),
    ]


def test_a_stage_first_set_after_the_announcement_is_an_amendment_from_nothing() -> None:
    new = (T0 + timedelta(days=3), T0 + timedelta(days=4))
    amended = replace(
        SNAPSHOT, amendments=[PublicAmendment(41, T0, "clarification", "Tambah aanwijzing", None, new)]
    )
    [amendment] = release(amended, ["tenderAmendment"], T0)["tender"]["amendments"]
    assert amendment == {
        "id": "41",
        "date": T0.isoformat(),
        "rationale": "Tambah aanwijzing",
        "description": "clarification: - -> 2026-12-04T09:00:00+07:00/2026-12-05T09:00:00+07:00",
    }


def test_a_retender_links_the_tender_it_repeats_and_publishing_makes_the_link_public() -> None:
    again = replace(SNAPSHOT, tender_id=13, repeats="3507-12")
    stored = release(again, ["tender"], T0)
    assert stored["relatedProcesses"][0]["identifier"] == "3507-12"  # stored local, like the ocid
    published = with_ocid(stored, "ocds-lpsehub-3507-13", 4)
    assert published["relatedProcesses"] == [
        {"id": "1", "relationship": ["unsuccessfulProcess"], "title": "Pembangunan Jalan", "scheme": "ocid",
         "identifier": "ocds-lpsehub-3507-12"},
    ]  # fmt: skip
    assert with_ocid(published, "ocds-lpsehub-3507-13", 4) == published  # public already: left alone
    assert "relatedProcesses" not in release(SNAPSHOT, ["tender"], T0)
