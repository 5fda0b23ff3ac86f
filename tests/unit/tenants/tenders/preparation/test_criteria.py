"""Scoring criteria: what a scored tender must fix before announcement, and the exact scores they give."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from hub.core.errors import InvalidInput
from tenants.tenders.preparation.criteria import Criteria, Criterion, criteria_of, parse_criteria
from tenants.vocabulary import Evaluation


def raw_criteria(**changes: Any) -> dict[str, Any]:
    """Valid criteria of a quality-and-cost tender: 70 technical (method 30, staff 70), 30 price."""
    raw: dict[str, Any] = {
        "technical": [{"name": "Metode kerja", "weight": 30}, {"name": "Tenaga ahli", "weight": 70}],
        "technical_weight": 70,
        "price_weight": 30,
        "passing_score": 60,
    }
    raw.update(changes)
    return raw


@pytest.fixture
def criteria() -> Criteria:
    parsed = parse_criteria(Evaluation.QUALITY_COST, raw_criteria())
    assert parsed is not None
    return parsed


def refused(evaluation: str, raw: dict[str, Any] | None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_criteria(evaluation, raw)
    return caught.value


# parse_criteria: which tenders have criteria


def test_valid_criteria_are_parsed_as_given(criteria: Criteria) -> None:
    assert criteria == Criteria(
        technical=(Criterion("Metode kerja", 30), Criterion("Tenaga ahli", 70)),
        technical_weight=70,
        price_weight=30,
        passing_score=60,
    )


def test_lowest_price_tender_has_no_criteria() -> None:
    assert parse_criteria(Evaluation.LOWEST_PRICE, None) is None
    assert parse_criteria(Evaluation.LOWEST_PRICE, {}) is None


def test_lowest_price_tender_refuses_criteria() -> None:
    error = refused(Evaluation.LOWEST_PRICE, raw_criteria())
    assert error.field == "criteria"
    assert "lowest-price" in error.detail


@pytest.mark.parametrize("evaluation", [Evaluation.MERIT_POINT, Evaluation.QUALITY_COST])
@pytest.mark.parametrize("raw", [None, {}])
def test_scored_tender_needs_criteria(evaluation: str, raw: dict[str, Any] | None) -> None:
    error = refused(evaluation, raw)
    assert error.field == "criteria"
    assert evaluation in error.detail


def test_merit_point_tender_takes_the_same_criteria() -> None:
    parsed = parse_criteria(Evaluation.MERIT_POINT, raw_criteria())
    assert parsed is not None
    assert [c.name for c in parsed.technical] == ["Metode kerja", "Tenaga ahli"]


# parse_criteria: the shape of the criteria


def test_unknown_fields_are_refused_by_name() -> None:
    error = refused(Evaluation.QUALITY_COST, raw_criteria(bonus=5, extra=1))
    assert error.field == "criteria"
    assert "bonus, extra" in error.detail


@pytest.mark.parametrize("technical", [None, "Metode kerja", {"name": "Metode kerja", "weight": 100}, []])
def test_technical_must_be_a_non_empty_list(technical: object) -> None:
    assert refused(Evaluation.QUALITY_COST, raw_criteria(technical=technical)).field == "criteria"


def test_at_most_twenty_criteria() -> None:
    twenty = [{"name": f"Kriteria {i}", "weight": 5} for i in range(20)]
    parsed = parse_criteria(Evaluation.QUALITY_COST, raw_criteria(technical=twenty))
    assert parsed is not None
    assert len(parsed.technical) == 20
    twenty_one = [*twenty, {"name": "Kriteria 20", "weight": 5}]
    assert refused(Evaluation.QUALITY_COST, raw_criteria(technical=twenty_one)).field == "criteria"


def test_criterion_names_are_normalised_for_whitespace() -> None:
    raw = raw_criteria(technical=[{"name": "  Metode \t  kerja\n", "weight": 100}])
    parsed = parse_criteria(Evaluation.QUALITY_COST, raw)
    assert parsed is not None
    assert parsed.technical == (Criterion("Metode kerja", 100),)


@pytest.mark.parametrize(
    "item",
    [
        {"weight": 50},  # no name
        {"name": "", "weight": 50},
        {"name": "   ", "weight": 50},  # blank once whitespace is collapsed
        {"name": "K", "weight": 50},  # 1 character: too short
        {"name": "x" * 121, "weight": 50},  # 121 characters: too long
        "Metode kerja",  # not an object
    ],
)
def test_criterion_without_a_proper_name_is_refused(item: object) -> None:
    error = refused(Evaluation.QUALITY_COST, raw_criteria(technical=[item]))
    assert error.field == "criteria"
    assert "name" in error.detail


def test_names_of_two_and_of_120_characters_are_accepted() -> None:
    raw = raw_criteria(technical=[{"name": "K3", "weight": 1}, {"name": "x" * 120, "weight": 1}])
    parsed = parse_criteria(Evaluation.QUALITY_COST, raw)
    assert parsed is not None
    assert [len(c.name) for c in parsed.technical] == [2, 120]


def test_duplicate_criterion_names_are_refused() -> None:
    technical = [{"name": "Metode kerja", "weight": 50}, {"name": "Metode   kerja", "weight": 50}]
    error = refused(Evaluation.QUALITY_COST, raw_criteria(technical=technical))
    assert error.field == "criteria"
    assert "unique" in error.detail


@pytest.mark.parametrize("weight", [0, 101, -1, 50.0, "50", True, None])
def test_criterion_weight_must_be_a_whole_number_from_1_to_100(weight: object) -> None:
    error = refused(Evaluation.QUALITY_COST, raw_criteria(technical=[{"name": "Metode", "weight": weight}]))
    assert error.field == "criteria"
    assert "'Metode'" in error.detail


@pytest.mark.parametrize("weight", [1, 100])
def test_criterion_weight_bounds_are_inclusive(weight: int) -> None:
    raw = raw_criteria(technical=[{"name": "Metode", "weight": weight}])
    parsed = parse_criteria(Evaluation.QUALITY_COST, raw)
    assert parsed is not None
    assert parsed.technical[0].weight == weight


@pytest.mark.parametrize(
    ("technical_weight", "price_weight"),
    [(70, 20), (70, 40), (50, 49)],
)
def test_technical_and_price_weights_must_add_up_to_100(technical_weight: int, price_weight: int) -> None:
    error = refused(
        Evaluation.QUALITY_COST, raw_criteria(technical_weight=technical_weight, price_weight=price_weight)
    )
    assert error.field == "criteria"
    assert "add up to 100" in error.detail


@pytest.mark.parametrize(
    "changes",
    [
        {"technical_weight": 100, "price_weight": 0},  # each from 1 to 99, even if they add up to 100
        {"technical_weight": 0, "price_weight": 100},
        {"technical_weight": 70.0},
        {"technical_weight": "70"},
        {"price_weight": True},  # a bool is not a number here, though True == 1
        {"price_weight": None},
        {"passing_score": -1},
        {"passing_score": 101},
        {"passing_score": False},  # False == 0 would otherwise be in range
        {"passing_score": 60.5},
    ],
)
def test_out_of_range_or_non_integer_numbers_are_refused(changes: dict[str, Any]) -> None:
    assert refused(Evaluation.QUALITY_COST, raw_criteria(**changes)).field == "criteria"


def test_missing_passing_score_is_refused() -> None:
    raw = raw_criteria()
    del raw["passing_score"]
    error = refused(Evaluation.QUALITY_COST, raw)
    assert error.field == "criteria"
    assert "passing_score" in error.detail


@pytest.mark.parametrize("passing", [0, 100])
def test_passing_score_bounds_are_inclusive(passing: int) -> None:
    parsed = parse_criteria(Evaluation.QUALITY_COST, raw_criteria(passing_score=passing))
    assert parsed is not None
    assert parsed.passing_score == passing


# criteria_of and as_json


def test_stored_criteria_round_trip(criteria: Criteria) -> None:
    stored = criteria.as_json()
    assert stored == raw_criteria()
    assert criteria_of(stored) == criteria


def test_no_stored_criteria_means_none() -> None:
    assert criteria_of(None) is None
    assert criteria_of({}) is None


# check_scores


def test_check_scores_returns_the_scores(criteria: Criteria) -> None:
    assert criteria.check_scores({"Metode kerja": 0, "Tenaga ahli": 100}) == {
        "Metode kerja": 0,
        "Tenaga ahli": 100,
    }


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [80, 75],
        "80",
        {"Metode kerja": 80},  # a criterion left out
        {"Metode kerja": 80, "Tenaga ahli": 75, "Harga": 90},  # a name that is no criterion
        {"Metode kerja": 80, "tenaga ahli": 75},  # names are exact
        {},
    ],
)
def test_check_scores_needs_exactly_the_criteria(criteria: Criteria, raw: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        criteria.check_scores(raw)
    assert caught.value.field == "scores"


@pytest.mark.parametrize("score", [-1, 101, 80.0, 79.5, "80", None, True, False])
def test_check_scores_needs_whole_numbers_from_0_to_100(criteria: Criteria, score: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        criteria.check_scores({"Metode kerja": 80, "Tenaga ahli": score})
    assert caught.value.field == "scores"
    assert "'Tenaga ahli'" in caught.value.detail


# technical_score and combined_score


def test_technical_score_is_the_weighted_mean(criteria: Criteria) -> None:
    # (30 * 80 + 70 * 75) / (30 + 70) = (2400 + 5250) / 100 = 7650 / 100 = 153/2
    score = criteria.technical_score({"Metode kerja": 80, "Tenaga ahli": 75})
    assert score == Fraction(153, 2)
    assert isinstance(score, Fraction)


def test_technical_score_is_exact_when_weights_do_not_add_to_100() -> None:
    criteria = Criteria((Criterion("A1", 1), Criterion("B2", 2)), 60, 40, 0)
    # (1 * 70 + 2 * 80) / 3 = 230/3, not a rounded 76.67
    assert criteria.technical_score({"A1": 70, "B2": 80}) == Fraction(230, 3)


def test_technical_score_ranges_from_0_to_100(criteria: Criteria) -> None:
    assert criteria.technical_score({"Metode kerja": 0, "Tenaga ahli": 0}) == 0
    assert criteria.technical_score({"Metode kerja": 100, "Tenaga ahli": 100}) == 100


def test_lowest_price_scores_100_on_the_price_part(criteria: Criteria) -> None:
    # (70 * 153/2 + 30 * 100) / 100 = (5355 + 3000) / 100 = 8355/100 = 1671/20 = 83.55
    assert criteria.combined_score(Fraction(153, 2), 100_000, 100_000) == Fraction(1671, 20)


def test_twice_the_lowest_price_scores_50_on_the_price_part(criteria: Criteria) -> None:
    # (70 * 153/2 + 30 * 50) / 100 = (5355 + 1500) / 100 = 6855/100 = 1371/20 = 68.55
    assert criteria.combined_score(Fraction(153, 2), 200_000, 100_000) == Fraction(1371, 20)


def test_combined_score_is_exact(criteria: Criteria) -> None:
    # price part 100 * 100 / 300 = 100/3; (70 * 60 + 30 * 100/3) / 100 = (4200 + 1000) / 100 = 52
    assert criteria.combined_score(Fraction(60), 300, 100) == 52
    # price part 100 * 2 / 3 = 200/3; (70 * 0 + 30 * 200/3) / 100 = 2000 / 100 = 20
    assert criteria.combined_score(Fraction(0), 3, 2) == 20
    # price part 100 * 3 / 7 = 300/7; (70 * 0 + 30 * 300/7) / 100 = 90/7, kept as a fraction
    assert criteria.combined_score(Fraction(0), 7, 3) == Fraction(90, 7)
