"""Scoring criteria of merit-point and quality-and-cost tenders, fixed in the tender before announcement.

A scored tender names its technical criteria with integer weights, how technical quality and price
weigh against each other (``technical_weight + price_weight == 100``), and the technical score a
bid needs to pass. Lowest-price tenders have no criteria. Scores are integers 0 to 100 per
criterion; everything computed from them is an exact ``Fraction``, so two bids tie only when
their scores are truly equal, never by a rounding accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hub.core.errors import InvalidInput
from tenants.vocabulary import Evaluation


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    weight: int


@dataclass(frozen=True, slots=True)
class Criteria:
    technical: tuple[Criterion, ...]
    technical_weight: int
    price_weight: int
    passing_score: int

    def as_json(self) -> dict[str, Any]:
        return {
            "technical": [{"name": c.name, "weight": c.weight} for c in self.technical],
            "technical_weight": self.technical_weight,
            "price_weight": self.price_weight,
            "passing_score": self.passing_score,
        }

    def technical_score(self, scores: Mapping[str, int]) -> Fraction:
        """The weighted mean of the criterion scores: 0 to 100."""
        total = sum(c.weight for c in self.technical)
        return Fraction(sum(c.weight * scores[c.name] for c in self.technical), total)

    def combined_score(self, technical: Fraction, price: int, lowest_price: int) -> Fraction:
        """Quality and price together: the lowest passing price scores 100, a price twice as high 50."""
        price_score = Fraction(100 * lowest_price, price)
        return (self.technical_weight * technical + self.price_weight * price_score) / 100

    def check_scores(self, raw: object) -> dict[str, int]:
        """A score from 0 to 100 for each criterion, and for nothing else."""
        if not isinstance(raw, Mapping):
            raise InvalidInput("scores must map each criterion to a score from 0 to 100", field="scores")
        names = {c.name for c in self.technical}
        if set(raw) != names:
            raise InvalidInput(f"score exactly the criteria {', '.join(sorted(names))}", field="scores")
        scores: dict[str, int] = {}
        for name, value in raw.items():
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                raise InvalidInput(f"the score of {name!r} must be a whole number 0 to 100", field="scores")
            scores[name] = value
        return scores


def _whole(value: object, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{what} must be a whole number from {low} to {high}", field="criteria")
    return value


def parse_criteria(evaluation: str, raw: Mapping[str, Any] | None) -> Criteria | None:
    """Check the criteria a tender is created with; ``None`` for lowest-price tenders."""
    if evaluation == Evaluation.LOWEST_PRICE:
        if raw:
            raise InvalidInput("a lowest-price tender has no scoring criteria", field="criteria")
        return None
    if not raw:
        raise InvalidInput(f"a {evaluation} tender needs its scoring criteria", field="criteria")
    unknown = set(raw) - {"technical", "technical_weight", "price_weight", "passing_score"}
    if unknown:
        raise InvalidInput(f"unknown criteria fields: {', '.join(sorted(unknown))}", field="criteria")
    items = raw.get("technical")
    if not isinstance(items, list) or not 1 <= len(items) <= 20:
        raise InvalidInput("criteria.technical lists 1 to 20 criteria", field="criteria")
    technical: list[Criterion] = []
    for item in items:
        name = " ".join(str(item.get("name", "")).split()) if isinstance(item, Mapping) else ""
        if not 2 <= len(name) <= 120:
            raise InvalidInput("each criterion needs a name of 2 to 120 characters", field="criteria")
        technical.append(Criterion(name, _whole(item.get("weight"), 1, 100, f"the weight of {name!r}")))
    if len({c.name for c in technical}) != len(technical):
        raise InvalidInput("criterion names must be unique", field="criteria")
    technical_weight = _whole(raw.get("technical_weight"), 1, 99, "technical_weight")
    price_weight = _whole(raw.get("price_weight"), 1, 99, "price_weight")
    if technical_weight + price_weight != 100:
        raise InvalidInput("technical_weight and price_weight must add up to 100", field="criteria")
    passing = _whole(raw.get("passing_score"), 0, 100, "passing_score")
    return Criteria(tuple(technical), technical_weight, price_weight, passing)


def criteria_of(stored: Mapping[str, Any] | None) -> Criteria | None:
    """Criteria as stored in a tender (checked when the tender was created)."""
    if not stored:
        return None
    return Criteria(
        tuple(Criterion(c["name"], c["weight"]) for c in stored["technical"]),
        stored["technical_weight"],
        stored["price_weight"],
        stored["passing_score"],
    )
