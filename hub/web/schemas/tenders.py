"""Packages and tenders, as the API takes and shows them.

Times are ISO 8601 strings in the tenant's zone (WIB, WITA or WIT), as the tender view writes them;
money is whole rupiah. ``TenderView`` is the one shape of a tender every route returns, from its
draft to its contract: the parts after the opening are those of ``hub.web.schemas.outcomes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar.params import PathParameter

from hub.web.edge import within_calendar
from hub.web.schemas.bids import OpeningView
from hub.web.schemas.custody import KeyCustodyRecord
from hub.web.schemas.outcomes import (
    AwardView,
    ContractView,
    FailureView,
    ObjectionView,
    PublishedResultsView,
)
from tenants.tenders.models import Package, Tender
from tenants.tenders.stages import Stage, Window
from tenants.vocabulary import Category, Evaluation, Method, TenderStatus

Id = Annotated[int, PathParameter(ge=1, le=2**62)]
"""A tender's (document's, question's) number in the path: bounded, so that a number no row can have
is refused as input (400) rather than reaching the database."""


class Criterion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    """2 to 120 characters, unique in the tender."""
    weight: int
    """1 to 100, relative to the other criteria's."""


class ScoringCriteria(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How a merit-point or quality-and-cost tender scores its bids, fixed before announcement and
    public from it. Lowest-price tenders have none."""

    technical: list[Criterion]
    """1 to 20 technical criteria, each scored 0 to 100 by the committee."""
    technical_weight: int
    price_weight: int
    """With ``technical_weight``, adds up to 100."""
    passing_score: int
    """The weighted technical score (0 to 100) a bid needs to pass."""


@dataclass(frozen=True, slots=True)
class StageWindow:
    starts_at: datetime
    ends_at: datetime


def check_schedule(schedule: Mapping[str, StageWindow]) -> None:
    """Every time of the schedule within the calendar, named by its stage (``within_calendar``)."""
    for stage, window in schedule.items():
        within_calendar(window.starts_at, f"schedule.{stage}.starts_at")
        within_calendar(window.ends_at, f"schedule.{stage}.ends_at")


@dataclass(frozen=True, slots=True)
class NewTender:
    """A package put to tender, as a draft only the tenant's officials see until it is announced."""

    package_id: int
    evaluation: str
    """``lowest_price``, ``merit_point`` or ``quality_cost``."""
    schedule: dict[str, StageWindow]
    """The stages by name (announcement, document_download, clarification, bid_submission,
    bid_opening, and optionally the later ones); the time zone of each time is required."""
    criteria: ScoringCriteria | None = None
    """Required for scored evaluations; none for lowest price."""
    objection_days: int | None = None
    """The objection period (masa sanggah) in days, within the tenant's limits; its default if none."""

    def __post_init__(self) -> None:
        check_schedule(self.schedule)

    def criteria_input(self) -> dict[str, Any] | None:
        return msgspec.to_builtins(self.criteria) if self.criteria is not None else None


@dataclass(frozen=True, slots=True)
class Retender:
    """A failed or cancelled tender's package put to tender again: a new draft, linked to it."""

    schedule: dict[str, StageWindow]
    """As a new tender's."""
    evaluation: str | None = None
    """The failed tender's evaluation if none."""
    criteria: ScoringCriteria | None = None
    """The failed tender's criteria if none and the evaluation is unchanged."""
    objection_days: int | None = None

    def __post_init__(self) -> None:
        check_schedule(self.schedule)

    def criteria_input(self) -> dict[str, Any] | None:
        return msgspec.to_builtins(self.criteria) if self.criteria is not None else None


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    stage: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    """Recorded in the audit trail."""

    def __post_init__(self) -> None:
        within_calendar(self.starts_at, "starts_at")
        within_calendar(self.ends_at, "ends_at")


@dataclass(frozen=True, slots=True)
class Reason:
    reason: str


class PackageView(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A procurement package (paket): what an agency buys, with its budget, before any tender."""

    id: int
    agency_id: int
    title: str
    fiscal_year: int
    category: Category
    method: Method
    budget: int
    """The ceiling (pagu)."""
    owner_estimate: int
    """The owner's estimate (HPS): bids above it fail."""
    location: str
    kbli: list[str]
    """Business classification codes (KBLI), five digits each."""
    plan_item_id: int | None = None
    """The plan item (RUP) it is procured under (``GET /api/plans/{rup_code}``), if any."""

    @classmethod
    def of(cls, package: Package) -> PackageView:
        return cls(
            id=package.id,
            agency_id=package.agency_id,
            title=package.title,
            fiscal_year=package.fiscal_year,
            category=Category(package.category),
            method=Method(package.method),
            budget=package.budget,
            owner_estimate=package.owner_estimate,
            location=package.location,
            kbli=list(package.kbli),
            plan_item_id=package.plan_item_id,
        )


class ScheduledStage(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    stage: Stage
    starts_at: str
    ends_at: str


class DocumentView(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A tender document; registered vendors and officials download it at ``documents/{id}``."""

    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class DirectProcurementView(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    invited_vendor_id: int
    """The one vendor a direct procurement (pengadaan langsung) takes an offer from."""


class TenderView(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A tender as the caller may see it: what the stage it is at allows, nothing of a bid before
    the opening, the evaluation results from the award announcement (or the failure) on."""

    id: int
    tenant: str
    """The tenant's slug."""
    status: TenderStatus
    evaluation: Evaluation
    package: PackageView
    timezone: str
    """The tenant's zone, in which every time of the tender is shown."""
    announced_at: str | None
    schedule: list[ScheduledStage]
    """The stages in their order."""
    open_stages: list[Stage]
    """Before the opening, the stages open now; after it, the one step the tender is at."""
    tender_key: str | None
    """The X25519 public key bids are sealed for, from the announcement on."""
    key_fingerprint: str | None
    key_custody: KeyCustodyRecord
    """Who holds the tender's private key: the hub, or the committee in shares (with their holders)."""
    documents: list[DocumentView]
    cancel_reason: str | None
    opening: OpeningView | None
    """``None`` until the committee opens the bids; then public."""
    stage: str
    """One word for where the tender is: a stage's name, or its status when no stage is running."""
    round: int
    """Evaluation round: an upheld objection reopens evaluation in the next one."""
    criteria: ScoringCriteria | None
    objection_days: int | None
    """The objection period (masa sanggah), in days; ``None`` in direct procurement."""
    direct_procurement: DirectProcurementView | None
    retender_of: int | None
    """The failed tender this one procures again."""
    retendered_as: int | None
    """The tender that procures this failed one's package again."""
    failed: FailureView | None
    results: PublishedResultsView | None
    """Published with the award announcement or the failure, never before."""
    awards: list[AwardView]
    """The public ones, by round."""
    objections: list[ObjectionView]
    contract: ContractView | None

    @classmethod
    def of(cls, view: Mapping[str, Any]) -> TenderView:
        """From ``tenants.tenders.views.tender_view`` (or ``tender_view_now``)."""
        return msgspec.convert(view, cls)


class RescheduledStage(msgspec.Struct, frozen=True):
    stage: Stage
    starts_at: str
    ends_at: str

    @classmethod
    def of(cls, stage: str, window: Window) -> RescheduledStage:
        return cls(Stage(stage), window.starts_at.isoformat(), window.ends_at.isoformat())


class CancelledTender(msgspec.Struct, frozen=True):
    id: int
    status: TenderStatus
    cancel_reason: str | None

    @classmethod
    def of(cls, tender: Tender) -> CancelledTender:
        return cls(id=tender.id, status=TenderStatus(tender.status), cancel_reason=tender.cancel_reason)
