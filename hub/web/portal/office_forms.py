"""A form's fields as the office's services take them: whole numbers and local times.

A browser sends text; the services take numbers and aware datetimes. A field that does not read as
one is refused naming the field, as the service would refuse a value out of its range, so the page
shows the sentence next to it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hub.core.errors import InvalidInput


def whole_number(text: str, field: str) -> int:
    """``text`` as a whole number (``1.250.000`` and ``1250000`` alike: rupiah are written with dots)."""
    digits = text.strip().replace(".", "").replace(" ", "")
    if not digits.isdigit() or len(digits) > 15:
        raise InvalidInput("write a whole number (digits only)", field=field)
    return int(digits)


def optional_number(text: str, field: str) -> int | None:
    """A whole number, or ``None`` for an empty field."""
    return whole_number(text, field) if text.strip() else None


def local_moment(text: str, timezone: str, field: str) -> datetime:
    """A ``datetime-local`` field (``2026-12-05T10:00``) read in the tenant's time zone."""
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("write a date and time (YYYY-MM-DDTHH:MM)", field=field) from None
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(timezone))
