"""The committee's evaluation forms (``/kantor/{slug}/tender/{id}/evaluasi``) read into what the API's
services take: a verdict on one bid's aspect, a verification, a vendor, a re-tender's schedule.

A browser sends text: a number that is not one, or a time without its date, is refused here naming
its field, as the API's schema refuses a body; every rule beyond the shape of a field is the
service's (a failed aspect's reason, a score below the passing mark, the order of the stages).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.core.errors import InvalidInput
from hub.web.schemas.tenders import StageWindow, check_schedule
from tenants.tenders.evaluation.assessments import AssessmentInput
from tenants.tenders.preparation.criteria import Criteria
from tenants.tenders.stages import REQUIRED, Stage

RETENDER_STAGES: tuple[Stage, ...] = REQUIRED
"""The stages a re-tender's form asks for: the ones every new tender needs."""

MAX_ID = 2**62


def whole(form: Mapping[str, str], name: str, *, high: int = MAX_ID) -> int:
    """The whole number in the field ``name``, from 0 to ``high``."""
    raw = form.get(name, "").strip()
    if not raw.isdigit() or int(raw) > high:
        raise InvalidInput(f"{name} must be a whole number from 0 to {high}", field=name)
    return int(raw)


def verdict(form: Mapping[str, str]) -> bool:
    """``passed``: ``lulus`` or ``gugur``, as the form's two buttons of a radio group send it."""
    value = form.get("passed", "")
    if value not in ("lulus", "gugur"):
        raise InvalidInput("choose pass or fail", field="passed")
    return value == "lulus"


def assessment_fields(criteria: Criteria | None) -> list[str]:
    """The fields of a verdict's form, as a refusal names them."""
    scores = [f"score-{n}" for n in range(len(criteria.technical))] if criteria is not None else []
    return ["aspect", "passed", "reason", "scores", *scores]


def assessment(form: Mapping[str, str], criteria: Criteria | None) -> AssessmentInput:
    """One verdict on one bid's aspect; the technical aspect of a scored tender with its scores
    (``score-<n>`` for the tender's n-th criterion)."""
    aspect = form.get("aspect", "")
    scores: dict[str, int] | None = None
    if aspect == "technical" and criteria is not None:
        scores = {}
        for n, criterion in enumerate(criteria.technical):
            field = f"score-{n}"
            raw = form.get(field, "").strip()
            if not raw.isdigit() or int(raw) > 100:
                raise InvalidInput(
                    f"the score of {criterion.name!r} must be a whole number 0 to 100", field=field
                )
            scores[criterion.name] = int(raw)
    return AssessmentInput(
        vendor_id=whole(form, "vendor_id"),
        aspect=aspect,
        passed=verdict(form),
        reason=form.get("reason", ""),
        scores=scores,
    )


@dataclass(frozen=True, slots=True)
class StageField:
    """A schedule field of the re-tender form: ``<stage>-starts_at`` or ``<stage>-ends_at``."""

    stage: Stage
    end: str

    @property
    def name(self) -> str:
        return f"{self.stage.value}-{self.end}"


RETENDER_FIELDS: tuple[StageField, ...] = tuple(
    StageField(stage, end) for stage in RETENDER_STAGES for end in ("starts_at", "ends_at")
)


def retender_schedule(form: Mapping[str, str], timezone: str) -> dict[str, tuple[datetime, datetime]]:
    """The re-tender's schedule from ``datetime-local`` fields, read in the tenant's time zone (the
    zone the page names), checked within the calendar as the API's body is."""
    zone = ZoneInfo(timezone)
    moments: dict[str, datetime] = {}
    for field in RETENDER_FIELDS:
        raw = form.get(field.name, "").strip()
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(f"{field.name} needs a date and a time", field=field.name) from None
        moments[field.name] = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    windows = {
        stage.value: StageWindow(moments[f"{stage.value}-starts_at"], moments[f"{stage.value}-ends_at"])
        for stage in RETENDER_STAGES
    }
    try:
        check_schedule(windows)
    except ValueError as outside:
        raise InvalidInput(str(outside), field="schedule") from None
    return {name: (w.starts_at, w.ends_at) for name, w in windows.items()}
