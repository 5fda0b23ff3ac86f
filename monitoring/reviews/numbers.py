"""Numbers as a reader in Indonesia writes them: ``Rp 1.234.567``, ``12,3%``, ``2,5``, ``31 Januari 2026``.

Figures stay exact (whole rupiah, fractions) until here: each function rounds only what it shows.
``None`` (unknown: nothing to divide by) is shown as a dash, never as zero.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

UNKNOWN = "\u2013"  # an en dash
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def grouped(n: int) -> str:
    """``1234567`` as ``1.234.567`` (the point groups thousands in Indonesian)."""
    return f"{n:,}".replace(",", ".")


def rupiah(n: int) -> str:
    return f"Rp {grouped(n)}" if n >= 0 else f"-Rp {grouped(-n)}"


def short_rupiah(n: int) -> str:
    """Rupiah in millions (*juta*) or billions (*miliar*), for chart labels: ``Rp 2,3 M``."""
    for size, unit in ((10**12, "T"), (10**9, "M"), (10**6, "jt")):
        if abs(n) >= size:
            return f"Rp {decimal(Fraction(n, size), 1)} {unit}"
    return rupiah(n)


def decimal(value: Fraction | None, places: int = 1) -> str:
    """A number with a decimal comma, ``places`` digits after it (trailing ``,0`` dropped)."""
    if value is None:
        return UNKNOWN
    text = f"{round(float(value), places):.{places}f}".replace(".", ",")
    return text.removesuffix("," + "0" * places) if places else text


def percent(share: Fraction | None, places: int = 1) -> str:
    return UNKNOWN if share is None else f"{decimal(share * 100, places)}%"


def rounded(value: Fraction | None, places: int) -> float | None:
    """A fraction as the float JSON and CSV carry, rounded to ``places`` digits."""
    return None if value is None else round(float(value), places)


def long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_month(first: date) -> str:
    """``Jan 2026``."""
    return f"{MONTHS[first.month - 1][:3]} {first.year}"
