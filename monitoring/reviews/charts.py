"""The review page's charts, drawn as inline SVG: no script, no font, nothing from the network.

Two kinds: a ranked bar chart of the LPSEs (longest bar first) and the trend of tenders announced
and contracts signed per month. Sizes are in SVG user units; the page scales them to its width.
Every text is escaped (``markupsafe``), so a tenant's name cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from markupsafe import Markup, escape

from monitoring.reviews.models import Month
from monitoring.reviews.numbers import grouped, short_month

WIDTH = 720
ANNOUNCED_COLOUR, COMPLETED_COLOUR = "#8fb8de", "#1f5f99"


@dataclass(frozen=True, slots=True)
class Ranked:
    """One bar: who, how long it is, and what its label says."""

    label: str
    value: Fraction | int
    text: str


def ranked_bars(title: str, items: Iterable[Ranked], *, colour: str = COMPLETED_COLOUR) -> Markup:
    """Horizontal bars, longest first (ties by label), scaled to the longest; its title as ``<title>``."""
    bars = sorted(items, key=lambda r: (-r.value, r.label))
    row, label_width, text_width = 18, 210, 120
    room = WIDTH - label_width - text_width
    longest = max((r.value for r in bars), default=0) or 1
    if not bars:
        return Markup(f'{_open(title, 24)}<text x="0" y="16">Tidak ada data dalam periode ini.</text></svg>')
    height = row * len(bars) + 8
    parts = [_open(title, height)]
    for i, bar in enumerate(bars):
        y = 4 + i * row
        length = float(Fraction(bar.value) / Fraction(longest)) * room
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">{escape(_clip(bar.label))}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" fill="{colour}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 13}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def trend(title: str, months: Sequence[Month]) -> Markup:
    """Tenders announced (light) and contracts signed (dark) side by side for each month."""
    left, bottom, top, height = 40, 40, 24, 240
    plot = height - bottom - top
    slot = (WIDTH - left - 10) / max(len(months), 1)
    highest = max((max(m.announced, m.completed) for m in months), default=0)
    scale = _nice_ceiling(highest)
    parts = [_open(title, height), _legend(left)]
    for tick in range(0, scale + 1, max(scale // 4, 1)):
        y = top + plot - plot * tick / scale
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{grouped(tick)}</text>'
        )
    every = max(1, len(months) // 12)  # at most about twelve month labels
    for i, month in enumerate(months):
        x = left + i * slot
        bar = min(slot * 0.4, 28)
        pair = ((0, month.announced, ANNOUNCED_COLOUR), (1, month.completed, COMPLETED_COLOUR))
        for offset, value, colour in pair:
            h = plot * value / scale
            parts.append(
                f'<rect x="{x + slot / 2 - bar + offset * bar:.1f}" y="{top + plot - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}" fill="{colour}"><title>{value}</title></rect>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                f"{escape(short_month(month.month))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, height: int) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {height}" role="img" '
        f'font-size="11" font-family="sans-serif"><title>{escape(title)}</title>'
    )


def _legend(left: int) -> str:
    return (
        f'<rect x="{left}" y="4" width="10" height="10" fill="{ANNOUNCED_COLOUR}"/>'
        f'<text x="{left + 14}" y="13">Tender diumumkan</text>'
        f'<rect x="{left + 130}" y="4" width="10" height="10" fill="{COMPLETED_COLOUR}"/>'
        f'<text x="{left + 144}" y="13">Kontrak ditandatangani</text>'
    )


def _nice_ceiling(n: int) -> int:
    """The smallest of 4, 8, 20, 40, 80, 200, ... at least ``n``: four even grid steps."""
    step = 1
    while True:
        for factor in (4, 8, 20):
            if factor * step >= n:
                return factor * step
        step *= 10


def _clip(label: str, size: int = 32) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"
