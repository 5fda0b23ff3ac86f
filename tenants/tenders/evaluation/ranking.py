"""From opened bids and the committee's assessments to a ranking: pure functions, no database.

Every bid goes through the aspects in the regulation's order (administrative, qualification,
technical, price). The first failed aspect puts it out, with the stage and the reason shown to
the public after the award announcement. A bid that could not be opened fails administration; a
price above the owner's estimate (HPS) fails price evaluation whatever the committee wrote.

Ranking of the bids that passed every aspect:

- lowest price: the lower price first;
- merit points and quality-and-cost: the higher combined score first, then the lower price.

**Ties** (equal on the above) go to the bid received earlier on the database clock (its final
version's receipt time), then to the lower vendor id, so a ranking is always total and repeatable.

The top-ranked bidder's qualification is then verified (*pembuktian kualifikasi*); a bidder that
fails verification is out, and the next one moves up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any

from tenants.tenders.preparation.criteria import Criteria


class Aspect(StrEnum):
    ADMINISTRATIVE = "administrative"
    QUALIFICATION = "qualification"
    TECHNICAL = "technical"
    PRICE = "price"


EVALUATED = tuple(Aspect)
VERIFICATION = "qualification_verification"


@dataclass(frozen=True, slots=True)
class OpenedBid:
    vendor_id: int
    vendor: str | None
    price: int | None  # None when the sealed bid could not be opened
    received_at: datetime
    problem: str | None = None

    @classmethod
    def from_opening(cls, entry: Mapping[str, Any]) -> OpenedBid:
        return cls(
            vendor_id=entry["vendor_id"],
            vendor=entry.get("vendor"),
            price=entry.get("price") if entry["status"] == "ok" else None,
            received_at=datetime.fromisoformat(entry["received_at"]),
            problem=entry.get("problem"),
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    reason: str
    scores: Mapping[str, int] | None = None


@dataclass(slots=True)
class BidderResult:
    vendor_id: int
    vendor: str | None
    price: int | None
    received_at: datetime
    status: str = "pending"  # passed, failed or pending (not every aspect assessed yet)
    failed_stage: str | None = None
    reason: str | None = None
    technical_score: Fraction | None = None
    combined_score: Fraction | None = None
    rank: int | None = None
    verified: bool | None = None
    aspects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def fail(self, stage: str, reason: str) -> None:
        self.status, self.failed_stage, self.reason = "failed", stage, reason

    def as_json(self) -> dict[str, Any]:
        def score(value: Fraction | None) -> float | None:
            return round(float(value), 2) if value is not None else None

        return {
            "vendor_id": self.vendor_id,
            "vendor": self.vendor,
            "price": self.price,
            "received_at": self.received_at.isoformat(),
            "status": self.status,
            "failed_stage": self.failed_stage,
            "reason": self.reason,
            "technical_score": score(self.technical_score),
            "combined_score": score(self.combined_score),
            "rank": self.rank,
            "qualification_verified": self.verified,
            "aspects": self.aspects,
        }


@dataclass(frozen=True, slots=True)
class Ranking:
    results: list[BidderResult]

    @property
    def complete(self) -> bool:
        """Every bid has either failed an aspect or passed them all."""
        return all(r.status != "pending" for r in self.results)

    @property
    def ranked(self) -> list[BidderResult]:
        return sorted((r for r in self.results if r.rank is not None), key=lambda r: r.rank or 0)

    @property
    def leader(self) -> BidderResult | None:
        """The best-ranked bidder not failed in verification: the one to verify or award."""
        return next(iter(self.ranked), None)

    def of(self, vendor_id: int) -> BidderResult | None:
        return next((r for r in self.results if r.vendor_id == vendor_id), None)


def rank_bids(
    bids: Sequence[OpenedBid],
    assessments: Mapping[tuple[int, str], Verdict],
    verifications: Mapping[int, Verdict],
    *,
    owner_estimate: int,
    criteria: Criteria | None,
) -> Ranking:
    results = [_assess(bid, assessments, owner_estimate, criteria) for bid in bids]
    evaluated = [r for r in results if r.status == "passed"]
    if criteria is not None and evaluated:
        # Price scores are relative to the lowest price that passed evaluation; a later failed
        # verification removes a bidder but does not re-score the others.
        lowest = min(r.price or 0 for r in evaluated)
        for r in evaluated:
            assert r.technical_score is not None
            assert r.price is not None
            r.combined_score = criteria.combined_score(r.technical_score, r.price, lowest)
    for result in evaluated:
        verdict = verifications.get(result.vendor_id)
        if verdict is not None:
            result.verified = verdict.passed
            if not verdict.passed:
                result.fail(VERIFICATION, verdict.reason)
    passing = [r for r in evaluated if r.status == "passed"]
    for position, result in enumerate(sorted(passing, key=_order), start=1):
        result.rank = position
    return Ranking(results)


def _order(result: BidderResult) -> tuple[Fraction, int, datetime, int]:
    """Best first: higher combined score (scored tenders), lower price, earlier receipt, lower id."""
    return (-(result.combined_score or Fraction(0)), result.price or 0, result.received_at, result.vendor_id)


def _assess(
    bid: OpenedBid,
    assessments: Mapping[tuple[int, str], Verdict],
    owner_estimate: int,
    criteria: Criteria | None,
) -> BidderResult:
    result = BidderResult(bid.vendor_id, bid.vendor, bid.price, bid.received_at)
    if bid.price is None:
        result.fail(Aspect.ADMINISTRATIVE, f"the sealed bid could not be opened: {bid.problem or 'damaged'}")
        return result
    pending = False
    for aspect in EVALUATED:
        verdict = assessments.get((bid.vendor_id, aspect))
        if aspect is Aspect.PRICE and bid.price > owner_estimate:
            verdict = Verdict(
                False, f"price {bid.price} is above the owner's estimate (HPS) {owner_estimate}"
            )
        if verdict is None:
            pending = True
            continue
        result.aspects[aspect] = {"passed": verdict.passed, "reason": verdict.reason}
        if aspect is Aspect.TECHNICAL and criteria is not None and verdict.scores is not None:
            result.technical_score = criteria.technical_score(verdict.scores)
            result.aspects[aspect]["scores"] = dict(verdict.scores)
        if not verdict.passed:
            result.fail(aspect, verdict.reason)
            return result
    if not pending:
        result.status = "passed"
    return result
