"""Money, dates and times as the portal shows them: as Indonesians write them, in the tender's zone.

Pure functions, no database: ``Rp1.250.000.000`` (the point groups thousands), ``Rp 1,25 M`` when
space is short (*juta*, *miliar*, *triliun*), ``3 Desember 2026 14.30 WIB`` (the point separates
hours and minutes, the zone by its Indonesian abbreviation). A tender's times are shown in its
tenant's zone, never the reader's nor the server's: a deadline in Jayapura is "16.00 WIT" for a
vendor reading in Jakarta too, as the tender's documents say. English pages keep the rupiah as it
is written in Indonesia and name the months in English (``3 December 2026 14:30 WIB``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

DASH = "\u2013"
"""What an unknown value shows (an en dash), never a zero that looks like a fact."""

ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}  # fmt: skip
COMPACT = ((10**12, "T"), (10**9, "M"), (10**6, "jt"))
"""Triliun, miliar, juta: the units a budget is spoken in (``Rp 1,25 M`` is 1.25 billion)."""


def grouped(n: int) -> str:
    """``1250000`` as ``1.250.000``."""
    return f"{n:,}".replace(",", ".")


def rupiah(n: int | None) -> str:
    """Whole rupiah in full: ``Rp1.250.000.000`` (no space, as on a tender's announcement)."""
    if n is None:
        return DASH
    return f"Rp{grouped(n)}" if n >= 0 else f"-Rp{grouped(-n)}"


def compact_rupiah(n: int | None) -> str:
    """Rupiah in its spoken unit, at most two decimals (a decimal comma), trailing zeros dropped:
    ``Rp 1,25 M``, ``Rp 850 jt``; below a million, in full."""
    if n is None:
        return DASH
    for size, unit in COMPACT:
        if abs(n) >= size:
            amount = (Decimal(n) / size).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            text = f"{amount:f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"Rp {text} {unit}"
    return rupiah(n)


def zone_name(timezone: str) -> str:
    """``WIB``, ``WITA`` or ``WIT``; the IANA name itself for any other zone (a peer's, say)."""
    return ZONES.get(timezone, timezone)


def long_date(day: date, lang: str = "id") -> str:
    """``3 Desember 2026`` (``3 December 2026`` in English)."""
    return f"{day.day} {MONTHS.get(lang, MONTHS['id'])[day.month - 1]} {day.year}"


def local_time(moment: datetime | None, timezone: str, lang: str = "id") -> str:
    """A moment in the tenant's zone: ``3 Desember 2026 14.30 WIB``; a dash when unknown.

    ``moment`` carries its offset (every time the hub stores does); a naive one is refused rather
    than guessed at."""
    if moment is None:
        return DASH
    if moment.tzinfo is None:
        raise ValueError("a moment to show needs its time zone")
    there = moment.astimezone(ZoneInfo(timezone))
    separator = "." if lang == "id" else ":"
    return f"{long_date(there.date(), lang)} {there:%H}{separator}{there:%M} {zone_name(timezone)}"


def parse_moment(text: object) -> datetime | None:
    """An OCDS ``date-time`` (ISO 8601 with its offset) as a moment; ``None`` for anything else."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def percent(share: float | None, lang: str = "id") -> str:
    """``99,5%`` (a decimal comma in Indonesian); a dash when unknown."""
    if share is None:
        return DASH
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text.replace('.', ',') if lang == 'id' else text}%"
