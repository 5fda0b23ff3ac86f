"""A tender's schedule: its stages in the order the regulation sets, and which are open now.

Which stage is open is never taken from the caller: it is derived from the schedule and the
database clock (``now()`` of the transaction), so every replica and every request agrees.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.core.errors import InvalidInput


class Stage(StrEnum):
    ANNOUNCEMENT = "announcement"  # pengumuman
    DOCUMENT_DOWNLOAD = "document_download"  # download dokumen pemilihan
    CLARIFICATION = "clarification"  # pemberian penjelasan
    BID_SUBMISSION = "bid_submission"  # upload dokumen penawaran
    BID_OPENING = "bid_opening"  # pembukaan dokumen penawaran
    EVALUATION = "evaluation"
    QUALIFICATION_VERIFICATION = "qualification_verification"
    AWARD_DECISION = "award_decision"
    AWARD_ANNOUNCEMENT = "award_announcement"
    OBJECTION_PERIOD = "objection_period"  # masa sanggah
    AWARD_LETTER = "award_letter"  # SPPBJ
    CONTRACT_SIGNING = "contract_signing"


ORDER = list(Stage)
REQUIRED = (Stage.ANNOUNCEMENT, Stage.DOCUMENT_DOWNLOAD, Stage.BID_SUBMISSION, Stage.BID_OPENING)


@dataclass(frozen=True, slots=True)
class Window:
    starts_at: datetime
    ends_at: datetime

    def is_open(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


def parse_schedule(raw: Mapping[str, tuple[datetime, datetime]]) -> dict[Stage, Window]:
    """Check a schedule: known stages, the required ones present, times with a zone, in order. A
    refusal names the stage it concerns (``schedule.<stage>``), so a form can show it there."""
    schedule: dict[Stage, Window] = {}
    for name, (starts_at, ends_at) in raw.items():
        try:
            stage = Stage(name)
        except ValueError:
            raise InvalidInput(f"unknown stage {name!r}", field="schedule") from None
        if starts_at.tzinfo is None or ends_at.tzinfo is None:
            raise InvalidInput(f"{name}: times need a time zone offset", field=f"schedule.{name}")
        if ends_at <= starts_at:
            raise InvalidInput(f"{name}: the end must come after the start", field=f"schedule.{name}")
        schedule[stage] = Window(starts_at, ends_at)
    missing = [s.value for s in REQUIRED if s not in schedule]
    if missing:
        raise InvalidInput(
            f"the schedule needs the stages {', '.join(missing)}", field=f"schedule.{missing[0]}"
        )
    check_order(schedule)
    return schedule


def check_order(schedule: Mapping[Stage, Window]) -> None:
    """Stages start in the regulation's order, and bids are opened only after submission closes."""
    present = [s for s in ORDER if s in schedule]
    for earlier, later in itertools.pairwise(present):
        if schedule[later].starts_at < schedule[earlier].starts_at:
            raise InvalidInput(
                f"{later.value} cannot start before {earlier.value}", field=f"schedule.{later.value}"
            )
    if schedule[Stage.BID_OPENING].starts_at < schedule[Stage.BID_SUBMISSION].ends_at:
        raise InvalidInput(
            "bid_opening cannot start before bid_submission ends", field="schedule.bid_opening"
        )


def open_stages(schedule: Mapping[Stage, Window], now: datetime) -> list[Stage]:
    return [s for s in ORDER if s in schedule and schedule[s].is_open(now)]
