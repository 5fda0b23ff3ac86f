"""Ranking: from opened bids and the committee's verdicts to who is out, who ranks where, who leads."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from tenants.tenders.evaluation.ranking import (
    VERIFICATION,
    Aspect,
    OpenedBid,
    Ranking,
    Verdict,
    rank_bids,
)
from tenants.tenders.preparation.criteria import Criteria, Criterion

HPS = 1_000_000  # the owner's estimate of every tender here
OPENED = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)

Assessments = dict[tuple[int, str], Verdict]

# Quality and cost: technical 70 (method 30, staff 70), price 30.
QUALITY_COST = Criteria((Criterion("Metode kerja", 30), Criterion("Tenaga ahli", 70)), 70, 30, 60)
# Half and half, one criterion, so the technical score is the score itself.
HALF_AND_HALF = Criteria((Criterion("Metode kerja", 100),), 50, 50, 0)


def bid(vendor_id: int, price: int | None, *, minute: int = 0, problem: str | None = None) -> OpenedBid:
    """A bid received ``minute`` minutes after 09:00."""
    return OpenedBid(vendor_id, f"CV Vendor {vendor_id}", price, OPENED + timedelta(minutes=minute), problem)


def passed(*vendor_ids: int, aspects: Iterable[Aspect] = tuple(Aspect)) -> Assessments:
    """Every given vendor passes the given aspects (without scores)."""
    return {(v, a): Verdict(True, "") for v in vendor_ids for a in aspects}


def scored(vendor_id: int, scores: dict[str, int]) -> Assessments:
    """A vendor passes every aspect, with these technical scores."""
    verdicts = passed(vendor_id)
    verdicts[(vendor_id, Aspect.TECHNICAL)] = Verdict(True, "", scores)
    return verdicts


def rank(
    bids: list[OpenedBid],
    assessments: Assessments,
    verifications: dict[int, Verdict] | None = None,
    criteria: Criteria | None = None,
) -> Ranking:
    return rank_bids(bids, assessments, verifications or {}, owner_estimate=HPS, criteria=criteria)


def order(ranking: Ranking) -> list[int]:
    return [r.vendor_id for r in ranking.ranked]


def test_the_aspects_are_evaluated_in_the_regulations_order() -> None:
    assert list(Aspect) == ["administrative", "qualification", "technical", "price"]
    assert VERIFICATION == "qualification_verification"


# Judging each bid


def test_a_bid_that_passes_every_aspect_is_ranked() -> None:
    ranking = rank([bid(1, 900_000)], passed(1))
    result = ranking.of(1)
    assert result is not None
    assert (result.status, result.failed_stage, result.reason, result.rank) == ("passed", None, None, 1)
    assert list(result.aspects) == ["administrative", "qualification", "technical", "price"]
    assert ranking.complete
    assert ranking.leader is result


@pytest.mark.parametrize("failing", list(Aspect))
def test_the_first_failed_aspect_puts_the_bid_out(failing: Aspect) -> None:
    # Every aspect from ``failing`` on is recorded as failed; only the first one counts.
    verdicts = passed(1)
    later = list(Aspect)[list(Aspect).index(failing) :]
    for aspect in later:
        verdicts[(1, aspect)] = Verdict(False, f"{aspect} tidak memenuhi syarat")
    result = rank([bid(1, 900_000)], verdicts).of(1)
    assert result is not None
    assert (result.status, result.failed_stage, result.reason) == (
        "failed",
        failing,
        f"{failing} tidak memenuhi syarat",
    )
    assert result.rank is None
    # Aspects after the failed one are not judged.
    assert list(result.aspects)[-1] == failing
    assert result.aspects[failing] == {"passed": False, "reason": f"{failing} tidak memenuhi syarat"}


def test_qualification_failure_comes_before_a_technical_failure() -> None:
    verdicts = passed(1)
    verdicts[(1, "qualification")] = Verdict(False, "SBU tidak sesuai")
    verdicts[(1, "technical")] = Verdict(False, "metode kerja tidak lengkap")
    result = rank([bid(1, 900_000)], verdicts).of(1)
    assert result is not None
    assert (result.failed_stage, result.reason) == ("qualification", "SBU tidak sesuai")
    assert set(result.aspects) == {"administrative", "qualification"}


def test_a_bid_that_could_not_be_opened_fails_administration_whatever_the_committee_wrote() -> None:
    ranking = rank([bid(1, None, problem="signature invalid"), bid(2, None)], passed(1, 2))
    unreadable, damaged = ranking.of(1), ranking.of(2)
    assert unreadable is not None
    assert damaged is not None
    assert (unreadable.status, unreadable.failed_stage, unreadable.reason) == (
        "failed",
        "administrative",
        "the sealed bid could not be opened: signature invalid",
    )
    assert damaged.reason == "the sealed bid could not be opened: damaged"
    assert unreadable.aspects == {}
    assert ranking.complete
    assert ranking.leader is None


def test_an_unopened_bid_from_the_opening_record_has_no_price() -> None:
    opened = OpenedBid.from_opening(
        {"vendor_id": 7, "status": "damaged", "price": 500, "received_at": "2025-03-10T09:00:00+00:00"}
    )
    assert (opened.vendor_id, opened.vendor, opened.price, opened.received_at) == (7, None, None, OPENED)


def test_a_price_above_the_owners_estimate_fails_price_even_if_the_committee_passed_it() -> None:
    result = rank([bid(1, HPS + 1)], passed(1)).of(1)
    assert result is not None
    reason = "price 1000001 is above the owner's estimate (HPS) 1000000"
    assert (result.status, result.failed_stage, result.reason) == ("failed", "price", reason)
    assert result.aspects["price"] == {"passed": False, "reason": reason}
    assert result.rank is None


def test_a_price_equal_to_the_owners_estimate_passes() -> None:
    result = rank([bid(1, HPS)], passed(1)).of(1)
    assert result is not None
    assert (result.status, result.rank) == ("passed", 1)


def test_an_earlier_failure_is_the_stage_shown_even_above_the_owners_estimate() -> None:
    verdicts = passed(1)
    verdicts[(1, "administrative")] = Verdict(False, "jaminan penawaran tidak ada")
    result = rank([bid(1, HPS * 2)], verdicts).of(1)
    assert result is not None
    assert (result.failed_stage, result.reason) == ("administrative", "jaminan penawaran tidak ada")


def test_a_bid_above_the_owners_estimate_is_out_before_the_committee_assesses_it() -> None:
    ranking = rank([bid(1, HPS + 1)], {})
    result = ranking.of(1)
    assert result is not None
    assert (result.status, result.failed_stage) == ("failed", "price")
    assert list(result.aspects) == ["price"]
    assert ranking.complete


def test_a_missing_aspect_leaves_the_bid_pending() -> None:
    verdicts = passed(1, 2)
    del verdicts[(2, Aspect.TECHNICAL)]
    ranking = rank([bid(1, 900_000), bid(2, 800_000)], verdicts)
    pending = ranking.of(2)
    assert pending is not None
    assert (pending.status, pending.failed_stage, pending.rank) == ("pending", None, None)
    assert list(pending.aspects) == ["administrative", "qualification", "price"]
    assert not ranking.complete
    # The cheaper bid is not ranked until it is fully assessed.
    assert order(ranking) == [1]


def test_the_ranking_is_complete_once_every_bid_passed_or_failed() -> None:
    verdicts = passed(1, 2)
    verdicts[(2, Aspect.TECHNICAL)] = Verdict(False, "tenaga ahli tidak ada")
    ranking = rank([bid(1, 900_000), bid(2, 800_000)], verdicts)
    assert ranking.complete
    assert order(ranking) == [1]


def test_nothing_assessed_means_nothing_complete_and_no_leader() -> None:
    ranking = rank([bid(1, 900_000), bid(2, 800_000)], {})
    assert [r.status for r in ranking.results] == ["pending", "pending"]
    assert not ranking.complete
    assert ranking.leader is None


def test_of_an_unknown_vendor_is_none() -> None:
    assert rank([bid(1, 900_000)], passed(1)).of(2) is None


# Lowest price


def test_lowest_price_ranks_the_lower_price_first() -> None:
    ranking = rank([bid(1, 900_000), bid(2, 700_000), bid(3, 800_000)], passed(1, 2, 3))
    assert order(ranking) == [2, 3, 1]
    assert [r.rank for r in ranking.ranked] == [1, 2, 3]
    assert all(r.combined_score is None and r.technical_score is None for r in ranking.results)


def test_equal_prices_go_to_the_bid_received_earlier() -> None:
    # Vendor 1 has the lower id but sent its final version a minute later.
    ranking = rank([bid(1, 800_000, minute=5), bid(2, 800_000, minute=4)], passed(1, 2))
    assert order(ranking) == [2, 1]


def test_equal_prices_received_at_the_same_time_go_to_the_lower_vendor_id() -> None:
    ranking = rank([bid(9, 800_000), bid(3, 800_000), bid(5, 800_000)], passed(3, 5, 9))
    assert order(ranking) == [3, 5, 9]


def test_a_lower_price_beats_an_earlier_receipt_and_a_lower_id() -> None:
    ranking = rank([bid(1, 800_001), bid(2, 800_000, minute=30)], passed(1, 2))
    assert order(ranking) == [2, 1]


# Scored tenders


def test_scored_tenders_rank_by_the_combined_score() -> None:
    # Lowest passing price 100_000.
    # 1: technical (30*60 + 70*60)/100 = 60; price part 100; (70*60 + 30*100)/100 = 72
    # 2: technical 100; price part 100 * 100_000/200_000 = 50; (70*100 + 30*50)/100 = 85
    # 3: technical (30*80 + 70*75)/100 = 76.5; price part 80; (70*76.5 + 30*80)/100 = 77.55
    verdicts = {
        **scored(1, {"Metode kerja": 60, "Tenaga ahli": 60}),
        **scored(2, {"Metode kerja": 100, "Tenaga ahli": 100}),
        **scored(3, {"Metode kerja": 80, "Tenaga ahli": 75}),
    }
    bids = [bid(1, 100_000), bid(2, 200_000), bid(3, 125_000)]
    ranking = rank(bids, verdicts, criteria=QUALITY_COST)
    assert order(ranking) == [2, 3, 1]
    assert [r.technical_score for r in ranking.ranked] == [100, Fraction(153, 2), 60]
    assert [r.combined_score for r in ranking.ranked] == [85, Fraction(1551, 20), 72]


def test_equal_combined_scores_go_to_the_lower_price() -> None:
    # Half and half, lowest price 100:
    # 1: technical 80, price 125 -> price part 80;  (50*80 + 50*80)/100  = 80
    # 2: technical 60, price 100 -> price part 100; (50*60 + 50*100)/100 = 80
    # Vendor 1 also has the lower id and the earlier receipt: the price alone decides.
    verdicts = {**scored(1, {"Metode kerja": 80}), **scored(2, {"Metode kerja": 60})}
    ranking = rank([bid(1, 125, minute=1), bid(2, 100, minute=2)], verdicts, criteria=HALF_AND_HALF)
    assert [r.combined_score for r in ranking.results] == [80, 80]
    assert order(ranking) == [2, 1]


def test_equal_combined_scores_and_prices_go_to_the_bid_received_earlier() -> None:
    # Both: technical 70, price 100 -> (50*70 + 50*100)/100 = 85
    verdicts = {**scored(1, {"Metode kerja": 70}), **scored(2, {"Metode kerja": 70})}
    ranking = rank([bid(1, 100, minute=2), bid(2, 100, minute=1)], verdicts, criteria=HALF_AND_HALF)
    assert [r.combined_score for r in ranking.results] == [85, 85]
    assert order(ranking) == [2, 1]


def test_equal_in_everything_but_vendor_id_goes_to_the_lower_id() -> None:
    verdicts = {**scored(4, {"Metode kerja": 70}), **scored(2, {"Metode kerja": 70})}
    ranking = rank([bid(4, 100), bid(2, 100)], verdicts, criteria=HALF_AND_HALF)
    assert order(ranking) == [2, 4]


def test_a_higher_combined_score_beats_a_lower_price() -> None:
    # 1: technical 90, price 110 -> price part 10000/110 = 1000/11; (50*90 + 50*1000/11)/100 = 995/11 ~ 90.45
    # 2: technical 50, price 100 -> (50*50 + 50*100)/100 = 75
    verdicts = {**scored(1, {"Metode kerja": 90}), **scored(2, {"Metode kerja": 50})}
    ranking = rank([bid(1, 110), bid(2, 100)], verdicts, criteria=HALF_AND_HALF)
    assert order(ranking) == [1, 2]
    first = ranking.of(1)
    assert first is not None
    assert first.combined_score == Fraction(995, 11)


def test_the_price_part_is_relative_to_the_lowest_passing_price() -> None:
    # Vendor 3 is cheapest (50) but fails technical: it does not set the lowest price.
    # 1: technical 60, price 100 -> (50*60 + 50*100)/100 = 80
    # 2: technical 80, price 200 -> price part 50; (50*80 + 50*50)/100 = 65
    verdicts = {**scored(1, {"Metode kerja": 60}), **scored(2, {"Metode kerja": 80}), **passed(3)}
    verdicts[(3, Aspect.TECHNICAL)] = Verdict(False, "spesifikasi tidak sesuai", {"Metode kerja": 10})
    ranking = rank([bid(1, 100), bid(2, 200), bid(3, 50)], verdicts, criteria=HALF_AND_HALF)
    assert [(r.vendor_id, r.combined_score) for r in ranking.ranked] == [(1, Fraction(80)), (2, Fraction(65))]
    failed = ranking.of(3)
    assert failed is not None
    assert (failed.failed_stage, failed.technical_score) == ("technical", Fraction(10))
    assert failed.combined_score is None


# Verification of qualification (pembuktian kualifikasi)


def test_a_verified_leader_keeps_its_rank() -> None:
    ranking = rank([bid(1, 700_000), bid(2, 800_000)], passed(1, 2), {1: Verdict(True, "")})
    leader = ranking.leader
    assert leader is not None
    assert (leader.vendor_id, leader.rank, leader.verified, leader.status) == (1, 1, True, "passed")
    second = ranking.of(2)
    assert second is not None
    assert second.verified is None


def test_a_failed_verification_puts_the_bidder_out_and_the_next_one_leads() -> None:
    bids = [bid(1, 700_000), bid(2, 800_000), bid(3, 900_000)]
    ranking = rank(bids, passed(1, 2, 3), {1: Verdict(False, "SKP palsu")})
    out = ranking.of(1)
    assert out is not None
    assert (out.status, out.failed_stage, out.reason, out.verified, out.rank) == (
        "failed",
        VERIFICATION,
        "SKP palsu",
        False,
        None,
    )
    assert ranking.leader is ranking.of(2)
    assert [(r.vendor_id, r.rank) for r in ranking.ranked] == [(2, 1), (3, 2)]
    assert ranking.complete


def test_a_verification_of_a_bid_that_failed_evaluation_changes_nothing() -> None:
    verdicts = passed(1)
    verdicts[(1, Aspect.QUALIFICATION)] = Verdict(False, "SBU kedaluwarsa")
    result = rank([bid(1, 700_000)], verdicts, {1: Verdict(True, "")}).of(1)
    assert result is not None
    assert (result.failed_stage, result.reason, result.verified) == ("qualification", "SBU kedaluwarsa", None)


def test_no_leader_when_every_bidder_fails_verification() -> None:
    verifications = {1: Verdict(False, "tidak hadir"), 2: Verdict(False, "dokumen asli tidak ada")}
    ranking = rank([bid(1, 700_000), bid(2, 800_000)], passed(1, 2), verifications)
    assert ranking.leader is None
    assert ranking.ranked == []
    assert [r.failed_stage for r in ranking.results] == [VERIFICATION, VERIFICATION]


def test_no_leader_when_no_bid_passes_evaluation() -> None:
    verdicts = passed(1)
    verdicts[(1, Aspect.TECHNICAL)] = Verdict(False, "tidak memenuhi spesifikasi")
    ranking = rank([bid(1, 700_000), bid(2, HPS + 1), bid(3, None)], verdicts)
    assert ranking.complete
    assert ranking.leader is None
    assert [r.failed_stage for r in ranking.results] == ["technical", "price", "administrative"]


def test_a_failed_verification_in_a_scored_tender_moves_the_next_one_up() -> None:
    # Half and half, lowest passing price 100 (vendor 3):
    # 3: technical 100, price 100 -> 100
    # 1: technical 80,  price 200 -> price part 50;    (50*80 + 50*50)/100 = 65
    # 2: technical 60,  price 150 -> price part 200/3; (50*60 + 50*200/3)/100 = 190/3 ~ 63.33
    verdicts = {
        **scored(1, {"Metode kerja": 80}),
        **scored(2, {"Metode kerja": 60}),
        **scored(3, {"Metode kerja": 100}),
    }
    bids = [bid(1, 200), bid(2, 150), bid(3, 100)]
    before = rank(bids, verdicts, criteria=HALF_AND_HALF)
    assert order(before) == [3, 1, 2]
    assert [r.combined_score for r in before.ranked] == [100, 65, Fraction(190, 3)]
    # Vendor 3 fails verification: vendor 1, second so far, should now lead. With the lowest price
    # recomputed to 150, vendor 1 scores (50*80 + 50*75)/100 = 77.5 and vendor 2 scores 80.
    after = rank(bids, verdicts, {3: Verdict(False, "SKP palsu")}, criteria=HALF_AND_HALF)
    assert order(after) == [1, 2]


# Publication


def test_as_json_gives_rounded_scores_and_the_aspects() -> None:
    # Lowest passing price 100.
    # 1: technical 100; (70*100 + 30*100)/100 = 100
    # 2: technical (30*80 + 70*75)/100 = 153/2 = 76.5; price part 100*100/700 = 100/7;
    #    (70*153/2 + 30*100/7)/100 = 1071/20 + 30/7 = 8097/140 = 57.8357... -> 57.84
    verdicts = {
        **scored(1, {"Metode kerja": 100, "Tenaga ahli": 100}),
        **scored(2, {"Metode kerja": 80, "Tenaga ahli": 75}),
    }
    ranking = rank([bid(1, 100), bid(2, 700, minute=3)], verdicts, {1: Verdict(True, "")}, QUALITY_COST)
    second = ranking.of(2)
    assert second is not None
    assert second.combined_score == Fraction(8097, 140)
    published = second.as_json()
    assert published == {
        "vendor_id": 2,
        "vendor": "CV Vendor 2",
        "price": 700,
        "received_at": "2025-03-10T09:03:00+00:00",
        "status": "passed",
        "failed_stage": None,
        "reason": None,
        "technical_score": 76.5,
        "combined_score": 57.84,
        "rank": 2,
        "qualification_verified": None,
        "aspects": {
            "administrative": {"passed": True, "reason": ""},
            "qualification": {"passed": True, "reason": ""},
            "technical": {"passed": True, "reason": "", "scores": {"Metode kerja": 80, "Tenaga ahli": 75}},
            "price": {"passed": True, "reason": ""},
        },
    }
    first = ranking.of(1)
    assert first is not None
    assert first.as_json()["combined_score"] == 100.0
    assert first.as_json()["qualification_verified"] is True
    # The published form is plain JSON, aspect names included.
    assert json.loads(json.dumps(published)) == published


def test_as_json_of_a_failed_bid_names_the_stage_and_reason() -> None:
    verdicts = passed(1)
    verdicts[(1, Aspect.QUALIFICATION)] = Verdict(False, "SBU tidak sesuai")
    result = rank([bid(1, 900_000)], verdicts).of(1)
    assert result is not None
    published = result.as_json()
    assert {k: published[k] for k in ("status", "failed_stage", "reason", "rank", "technical_score")} == {
        "status": "failed",
        "failed_stage": "qualification",
        "reason": "SBU tidak sesuai",
        "rank": None,
        "technical_score": None,
    }
    assert published["aspects"] == {
        "administrative": {"passed": True, "reason": ""},
        "qualification": {"passed": False, "reason": "SBU tidak sesuai"},
    }
