"""The office's form fields read as the API's services take them: whole rupiah, years, dates, codes.

A field that cannot be read as its kind is refused naming the field (``InvalidInput``), so the form
shows the sentence next to it; whatever can be read goes to the service, which holds the rules
(an HPS above the budget, a five-digit KBLI, a contract above the award are the service's to refuse).
"""

from __future__ import annotations

from datetime import date

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


def codes(raw: str) -> list[str]:
    """Codes separated by spaces or commas (KBLI: ``41011, 42101``)."""
    return [code for code in raw.replace(",", " ").split() if code]
