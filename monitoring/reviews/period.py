"""The period a review covers: whole calendar days, read on each tenant's own clock.

A period runs from the first moment of ``start`` to the last of ``end`` in a tenant's time zone
(WIB, WITA or WIT), so a tender announced at 23:30 WIB on 31 January counts in January for a
regency of Jawa Timur whatever the server's zone. Both ends are included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.core.errors import InvalidInput

MAX_DAYS = 3660
"""A review covers at most ten years: enough for any rakor, bounded for the month series."""
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Period:
    """The calendar days from ``start`` to ``end``, both included."""

    start: date
    end: date

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """The period as instants ``[since, until)`` on the clock of ``timezone``."""
        zone = ZoneInfo(timezone)
        since = datetime.combine(self.start, time(), zone)
        until = datetime.combine(self.end + timedelta(days=1), time(), zone)
        return since, until

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches, in order."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def parse_day(text: str | None, field: str) -> date:
    """A ``YYYY-MM-DD`` date, or ``InvalidInput`` naming ``field``."""
    if text is None or not text.strip():
        raise InvalidInput(f"{field} is required: a date as YYYY-MM-DD", field=field)
    try:
        if not _DAY.match(text.strip()):
            raise ValueError(text)
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field} must be a date as YYYY-MM-DD, not {text!r}", field=field) from None


def parse_period(start: str | None, end: str | None) -> Period:
    """The period from the texts a person typed (``from`` and ``to``), checked."""
    return checked_period(parse_day(start, "from"), parse_day(end, "to"))


def checked_period(start: date, end: date) -> Period:
    """The period from ``start`` to ``end``; ``InvalidInput`` if it ends first or is too long."""
    if start > end:
        raise InvalidInput(f"from ({start}) is after to ({end})", field="to")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"a review covers at most {MAX_DAYS} days", field="to")
    return Period(start, end)
