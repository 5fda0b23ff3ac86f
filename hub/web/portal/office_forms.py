"""The office's form fields read as the API's services take them: whole rupiah, years, dates, local
times, codes.

A browser sends text. A field that cannot be read as its kind is refused naming the field
(``InvalidInput``), so the form shows the sentence next to it; whatever can be read goes to the
service, which holds the rules (an HPS above the budget, a five-digit KBLI, a contract above the
award, a threshold out of range are the service's to refuse).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from hub.core.errors import InvalidInput

WHOLE_DIGITS = 18


def whole(raw: str, field: str, what: str = "a whole number") -> int:
    """A whole number as people write it: ``1.250.000.000`` or ``1250000000``."""
    digits = raw.strip().replace(".", "").replace(" ", "")
    if not digits.isdigit() or len(digits) > WHOLE_DIGITS:
        raise InvalidInput(f"{field} must be {what}", field=field)
    return int(digits)


def rupiah_field(raw: str, field: str) -> int:
    return whole(raw, field, "a whole number of rupiah")


def day(raw: str, field: str) -> date:
    """A calendar date as a date field sends it (``2026-12-03``)."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


def optional_day(raw: str, field: str) -> date | None:
    """A date, or ``None`` for an empty field (what stays as it is)."""
    return day(raw, field) if raw.strip() else None


def decimal_field(raw: str, field: str) -> Decimal:
    """A number with decimals as people write it here: ``45,5`` or ``45.5`` (the range is the service's)."""
    try:
        number = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidInput(f"{field} must be a number (45,5)", field=field) from None
    if not number.is_finite():
        raise InvalidInput(f"{field} must be a number (45,5)", field=field)
    return number


def codes(raw: str) -> list[str]:
    """Codes separated by spaces or commas (KBLI: ``41011, 42101``)."""
    return [code for code in raw.replace(",", " ").split() if code]


def whole_number(text: str, field: str) -> int:
    """``text`` as a whole number (``1.250.000`` and ``1250000`` alike: rupiah are written with dots)."""
    return whole(text, field, "a whole number (digits only)")


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
