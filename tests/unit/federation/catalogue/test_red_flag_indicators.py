"""Each red flag on hand-built compiled releases (OCDS 1.1 and the bids extension): raised with the
facts that raised it, and not raised when the facts are on the safe side of its threshold."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from federation.catalogue.flagged import RedFlagQuery, checked_thresholds
from federation.catalogue.red_flags import (
    Thresholds,
    award_close_to_estimate,
    buyer_dominated_by_supplier,
    contract_above_award,
    identical_bid_prices,
    late_amendment,
    lowest_bid_disqualified,
    red_flags,
    retender_won_by_earlier_bidder,
    short_submission_period,
    single_bid,
)
from hub.core.errors import InvalidInput
from hub.web.schemas.catalogue import RedFlagView

BUYER = {"id": "ID-SATKER-3507-1", "name": "Dinas PU Kabupaten Malang"}


def bid(n: int, amount: int, status: str = "valid", vendor: int | None = None) -> dict[str, Any]:
    v = vendor or n
    return {
        "id": f"bid-{n}",
        "status": status,
        "value": {"amount": amount, "currency": "IDR"},
        "tenderers": [{"id": f"ID-VENDOR-{v}", "name": f"CV Vendor {v}"}],
    }


def compiled(
    n: int = 1,
    *,
    days: int = 20,
    method: str = "open",
    estimate: int = 1_000_000_000,
    tenderers: int | None = 3,
    award: int | None = None,
    supplier: int = 7,
    contract: int | None = None,
    bids: list[dict[str, Any]] | None = None,
    amendments: list[dict[str, Any]] | None = None,
    buyer: dict[str, str] = BUYER,
) -> dict[str, Any]:
    tender: dict[str, Any] = {
        "id": str(n),
        "status": "complete",
        "procurementMethod": method,
        "value": {"amount": estimate, "currency": "IDR"},
        "tenderPeriod": {
            "startDate": "2026-03-01T08:00:00+07:00",
            "endDate": f"2026-03-{1 + days:02d}T16:00:00+07:00",
        },
    }
    if tenderers is not None:
        tender["numberOfTenderers"] = tenderers
        tender["tenderers"] = [{"id": f"ID-VENDOR-{i}", "name": f"CV Vendor {i}"} for i in range(tenderers)]
    if amendments is not None:
        tender["amendments"] = amendments
    release: dict[str, Any] = {
        "ocid": f"ocds-lpsehub-3507-{n}",
        "id": f"ocds-lpsehub-3507-{n}-compiled",
        "tag": ["compiled"],
        "buyer": buyer,
        "tender": tender,
    }
    if award is not None:
        release["awards"] = [
            {
                "id": f"{n}-1",
                "status": "active",
                "value": {"amount": award, "currency": "IDR"},
                "suppliers": [{"id": f"ID-VENDOR-{supplier}", "name": f"CV Vendor {supplier}"}],
            }
        ]
    if contract is not None:
        release["contracts"] = [
            {"id": f"{n}-contract", "awardID": f"{n}-1", "value": {"amount": contract, "currency": "IDR"}}
        ]
    if bids is not None:
        release["bids"] = {"details": bids}
    return release


def test_a_submission_period_shorter_than_the_threshold_is_flagged_with_its_days() -> None:
    [flag] = short_submission_period([compiled(days=10), compiled(2, days=15)])
    assert (flag.code, flag.ocid, flag.threshold, flag.facts["days"]) == (
        "R003",
        "ocds-lpsehub-3507-1",
        15,
        10,
    )
    assert flag.buyer == BUYER["name"]
    assert "10 whole days" in flag.explanation
    assert short_submission_period([compiled(days=10)], Thresholds(short_submission_days=7)) == []


def test_a_direct_procurement_or_a_tender_without_a_period_is_not_flagged_short() -> None:
    no_period = compiled(2)
    del no_period["tender"]["tenderPeriod"]
    assert short_submission_period([compiled(days=2, method="direct"), no_period]) == []


def test_one_tenderer_in_an_open_tender_is_flagged_but_not_in_a_direct_one() -> None:
    [flag] = single_bid([compiled(tenderers=1), compiled(2, tenderers=2), compiled(3, tenderers=None)])
    assert (flag.code, flag.ocid, flag.facts["numberOfTenderers"]) == ("R018", "ocds-lpsehub-3507-1", 1)
    assert single_bid([compiled(tenderers=1, method="direct")]) == []


def test_the_number_of_tenderers_is_read_off_the_list_when_not_given() -> None:
    release = compiled(tenderers=1)
    del release["tender"]["numberOfTenderers"]
    assert [f.code for f in single_bid([release])] == ["R018"]


def test_identical_prices_of_different_tenderers_are_flagged() -> None:
    same = [bid(1, 900_000_000), bid(2, 900_000_000), bid(3, 950_000_000)]
    [flag] = identical_bid_prices([compiled(bids=same)])
    assert flag.facts["prices"] == [{"amount": 900_000_000, "tenderers": ["ID-VENDOR-1", "ID-VENDOR-2"]}]
    different = [bid(1, 900_000_000), bid(2, 900_000_001), bid(3, 900_000_000, "withdrawn")]
    assert identical_bid_prices([compiled(bids=different)]) == []


def test_a_disqualified_lowest_bid_is_flagged_once_a_dearer_one_won() -> None:
    bids = [bid(1, 800_000_000, "disqualified"), bid(2, 950_000_000)]
    [flag] = lowest_bid_disqualified([compiled(bids=bids, award=950_000_000)])
    assert (flag.code, flag.facts["lowestBid"], flag.facts["bidId"]) == ("R036", 800_000_000, "bid-1")
    assert lowest_bid_disqualified([compiled(bids=bids)]) == []  # no award yet
    valid_lowest = [bid(1, 700_000_000), bid(2, 800_000_000, "disqualified")]
    assert lowest_bid_disqualified([compiled(bids=valid_lowest, award=700_000_000)]) == []


def test_an_award_at_99_percent_of_the_estimate_is_flagged_and_at_98_not() -> None:
    [flag] = award_close_to_estimate([compiled(award=995_000_000), compiled(2, award=980_000_000)])
    assert (flag.code, flag.ocid, flag.threshold) == ("H01", "ocds-lpsehub-3507-1", 0.99)
    assert flag.facts == {
        "award": "1-1",
        "awardValue": 995_000_000,
        "estimate": 1_000_000_000,
        "ratio": 0.995,
    }
    assert award_close_to_estimate([compiled(award=980_000_000)], Thresholds(estimate_ratio=0.95)) != []


def test_a_pending_or_cancelled_award_is_not_read_as_the_price() -> None:
    release = compiled(award=1_000_000_000)
    release["awards"][0]["status"] = "pending"
    assert award_close_to_estimate([release]) == []


def test_a_buyer_whose_awards_mostly_go_to_one_supplier_is_flagged_with_its_tenders() -> None:
    releases = [compiled(n, award=500, supplier=7 if n < 4 else n) for n in range(1, 6)]  # 3 of 5
    [flag] = buyer_dominated_by_supplier(releases)
    assert (flag.code, flag.ocid, flag.buyer_id) == ("H02", None, BUYER["id"])
    assert flag.facts == {
        "supplierId": "ID-VENDOR-7",
        "supplier": "CV Vendor 7",
        "won": 3,
        "awardedTenders": 5,
        "share": 0.6,
    }
    assert flag.tenders == [f"ocds-lpsehub-3507-{n}" for n in (1, 2, 3)]
    assert buyer_dominated_by_supplier(releases, Thresholds(dominance_share=0.7)) == []
    assert buyer_dominated_by_supplier(releases[:2]) == []  # too few awards to say


def test_suppliers_spread_over_a_buyer_or_over_buyers_are_not_flagged() -> None:
    other = {"id": "ID-SATKER-3507-2", "name": "Dinas Kesehatan"}
    spread = [compiled(n, award=500, supplier=n) for n in range(1, 6)]
    split = [compiled(n, award=500, buyer=BUYER if n % 2 else other) for n in range(1, 5)]  # 2 each
    assert buyer_dominated_by_supplier(spread + split[:0]) == []
    assert buyer_dominated_by_supplier(split) == []


def test_a_contract_worth_more_than_its_award_is_flagged() -> None:
    [flag] = contract_above_award([compiled(award=900, contract=950), compiled(2, award=900, contract=900)])
    assert (flag.code, flag.facts) == (
        "H03",
        {"contract": "1-contract", "contractValue": 950, "awardValue": 900},
    )


def test_an_amendment_in_the_last_days_of_the_submission_period_is_flagged_with_its_rationale() -> None:
    late = {"id": "a1", "date": "2026-03-20T09:00:00+07:00", "rationale": "Perubahan jadwal"}
    early = {"id": "a2", "date": "2026-03-05T09:00:00+07:00", "rationale": "Adendum dokumen"}
    [flag] = late_amendment([compiled(days=20, amendments=[early, late])])  # bids close 21 March 16:00
    assert flag.code == "H04"
    assert flag.facts["rationale"] == "Perubahan jadwal"
    assert flag.facts["daysBeforeEnd"] == 1.29
    assert late_amendment([compiled(days=20, amendments=[early])]) == []
    after = {"id": "a3", "date": "2026-03-25T09:00:00+07:00", "rationale": "Evaluasi diundur"}
    assert late_amendment([compiled(days=20, amendments=[after])]) == []  # a later stage moved
    assert late_amendment([compiled(days=20, amendments=[late])], Thresholds(late_amendment_days=1)) == []


def test_all_indicators_at_once_or_one_and_every_flag_fits_the_api_schema() -> None:
    releases = [compiled(days=5, tenderers=1, award=999, estimate=1000, contract=1200)]
    codes = [f.code for f in red_flags(releases)]
    assert codes == ["R003", "R018", "H01", "H03"]
    assert [f.code for f in red_flags(releases, indicators=["H03"])] == ["H03"]
    for f in red_flags(releases):
        msgspec.convert(f.to_dict(), RedFlagView)
        assert f.explanation
        assert f.explanation_id


def retender(n: int, repeats: str, *, supplier: int) -> dict[str, Any]:
    again = compiled(n, award=900_000_000, supplier=supplier)
    again["relatedProcesses"] = [
        {"id": "1", "relationship": ["unsuccessfulProcess"], "scheme": "ocid", "identifier": repeats}
    ]
    return again


def test_a_retender_won_by_a_tenderer_of_the_failed_tender_is_flagged_naming_both() -> None:
    failed = compiled(1, tenderers=3)  # ID-VENDOR-0..2 bid, nobody won
    failed["tender"]["status"] = "unsuccessful"
    [flag] = retender_won_by_earlier_bidder(retender(2, failed["ocid"], supplier=2), failed)
    assert (flag.code, flag.ocid) == ("H05", "ocds-lpsehub-3507-2")
    assert flag.facts == {
        "repeats": "ocds-lpsehub-3507-1",
        "repeatedStatus": "unsuccessful",
        "supplierId": "ID-VENDOR-2",
        "supplier": "CV Vendor 2",
        "inRepeated": "a tenderer",
    }
    assert [f.code for f in red_flags([failed, retender(2, failed["ocid"], supplier=2)])] == ["H05"]


def test_a_retender_won_by_a_newcomer_or_of_an_unknown_tender_is_not_flagged() -> None:
    failed = compiled(1, tenderers=3)
    assert retender_won_by_earlier_bidder(retender(2, failed["ocid"], supplier=9), failed) == []
    assert retender_won_by_earlier_bidder(retender(2, failed["ocid"], supplier=2), None) == []
    assert retender_won_by_earlier_bidder(compiled(3, award=1, supplier=2), failed) == []  # no link
    assert red_flags([retender(2, "ocds-lpsehub-3507-1", supplier=2)]) == []  # the failed one not given


def test_bad_filters_and_thresholds_are_refused_naming_the_parameter() -> None:
    for query, name in (
        (RedFlagQuery(province="jatim"), "province"),
        (RedFlagQuery(tenant="Kab Malang"), "tenant"),
        (RedFlagQuery(indicator="R999"), "indicator"),
        (RedFlagQuery(since="kemarin"), "from"),
        (RedFlagQuery(since="2026-05-01", until="2026-04-01"), "from"),
    ):
        with pytest.raises(InvalidInput) as refused:
            query.checked()
        assert refused.value.field == name
    for bad in ({"estimate_ratio": 1.5}, {"dominance_share": float("nan")}, {"short_submission_days": -1}):
        with pytest.raises(InvalidInput) as refused:
            checked_thresholds(**bad)
        assert refused.value.field == next(iter(bad))
    assert checked_thresholds(short_submission_days=7).short_submission_days == 7
