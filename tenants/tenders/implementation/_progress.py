"""Physical progress (*progres fisik*): a percentage of the work done, reported on a date.

Progress does not go back without a reason: a report below the latest one carries why (a wrong
earlier report, work rejected on inspection). Reports are dated in order, from the signing to today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Acting
from hub.core.errors import InvalidInput
from tenants.tenders.implementation._contract import (
    appended,
    monitored,
    recorder,
    text,
)
from tenants.tenders.implementation_models import ContractProgress

HUNDRED, CENT = Decimal(100), Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ProgressInput:
    percent: Decimal
    """0 to 100, at most two decimals."""
    reported_on: date
    note: str = ""
    reason: str | None = None
    """Why, when the report is below the latest one; not needed otherwise."""


def _percent(raw: Decimal | int | str) -> Decimal:
    try:
        percent = Decimal(raw) if not isinstance(raw, bool) else Decimal("NaN")
    except (InvalidOperation, ValueError, TypeError):
        percent = Decimal("NaN")
    if not percent.is_finite() or not 0 <= percent <= HUNDRED:
        raise InvalidInput("percent must be a number from 0 to 100", field="percent")
    exact = percent.quantize(CENT)
    if exact != percent:
        raise InvalidInput("percent has at most two decimals", field="percent")
    return exact


async def report_progress(
    session: AsyncSession, acting: Acting, tender_id: int, data: ProgressInput
) -> ContractProgress:
    """Record a physical progress report of the tender's contract, audited and published."""
    percent = _percent(data.percent)
    m = await monitored(session, acting, tender_id)
    latest = m.rows.progress[-1] if m.rows.progress else None
    since = latest.reported_on if latest is not None else None
    reported_on = m.day(data.reported_on, "reported_on", since=since)
    reason = text(data.reason, "reason") or None
    if latest is not None and percent < latest.percent:
        if reason is None:
            raise InvalidInput(
                f"progress {percent}% is below the latest report ({latest.percent}%): give the reason",
                field="reason",
            )
        reason = text(reason, "reason", required=True)
    row = ContractProgress(
        tender_id=tender_id,
        reported_on=reported_on,
        percent=percent,
        note=text(data.note, "note"),
        reason=reason,
        recorded_at=m.now,
        **recorder(acting),
    )
    await appended(
        session,
        acting,
        m,
        row,
        "contract.progress_reported",
        "progress_id",
        percent=str(percent),
        reported_on=reported_on.isoformat(),
        before=str(latest.percent) if latest is not None else None,
        reason=reason,
    )
    return row
