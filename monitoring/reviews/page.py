"""The review as one HTML page for the governor's office (in Indonesian): summary, charts, table,
and, for the province's auditors (APIP), the red flags of the period's tenders.

The template (``templates/review.html``, package data) is rendered with autoescaping; the charts
are inline SVG from ``monitoring.reviews.charts``. Nothing on the page is fetched from the network;
its only links, to each flagged tender's OCDS record, are paths on the hub that served it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from monitoring.reviews.charts import Ranked, ranked_bars, trend
from monitoring.reviews.models import Figures, ProvinceReview
from monitoring.reviews.numbers import UNKNOWN, decimal, grouped, long_date, percent, rupiah, short_rupiah
from monitoring.reviews.red_flag_page import flag_section
from monitoring.reviews.trace import Trace

REVIEW_STYLE = (files("monitoring.reviews") / "templates" / "review.css").read_text(encoding="utf-8")
"""The page's style, inline (the page is one file): the exact text of its ``<style>`` element, whose
hash the hub's Content-Security-Policy names (``hub.web.security_headers``)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the page's table, every cell already written out."""

    name: str
    note: str
    cells: tuple[str, ...]


HEADERS = (
    "Tender diumumkan",
    "Pagu diumumkan",
    "Kontrak",
    "Nilai kontrak",
    "Efisiensi",
    "Gagal",
    "Batal",
    "Median hari ke kontrak",
    "Rata-rata peserta",
    "Sanggah",
    "Uptime",
    "Perpanjangan karena gangguan",
)


TRACE_HEADERS = (
    "Paket RUP",
    "Pagu RUP",
    "RUP belum ditender",
    "Pembayaran",
    "Penyerapan",
    "Kontrak berjalan",
    "Progres fisik",
    "Kontrak terlambat",
)


def _trace_cells(trace: Trace) -> tuple[str, ...]:
    return (
        grouped(trace.plan_items),
        rupiah(trace.planned_ceiling),
        grouped(trace.untendered),
        rupiah(trace.paid),
        percent(trace.absorption_share),
        grouped(trace.running),
        percent(trace.progress_share),
        grouped(trace.late),
    )


def trace_rows(review: ProvinceReview) -> list[Row]:
    """Each LPSE's trace from plan to payment, then each of its agencies' (marked by ``note``)."""
    rows: list[Row] = []
    for t in review.tenants:
        if t.figures is None:
            rows.append(Row(t.name, t.error or "", (UNKNOWN,) * len(TRACE_HEADERS)))
            continue
        rows.append(Row(t.name, _status_note(t.status), _trace_cells(t.figures.trace)))
        rows += [Row(a.name, "satker", _trace_cells(a.trace)) for a in t.agencies]
    return rows


def _cells(figures: Figures | None) -> tuple[str, ...]:
    if figures is None:
        return (UNKNOWN,) * len(HEADERS)
    uptime = figures.uptime
    return (
        grouped(figures.announced),
        rupiah(figures.budget),
        grouped(figures.completed),
        rupiah(figures.contract_value),
        f"{rupiah(figures.savings)} ({percent(figures.savings_share)})",
        grouped(figures.failed),
        grouped(figures.cancelled),
        decimal(figures.median_days_to_contract),
        decimal(figures.mean_bidders),
        percent(figures.objection_share),
        percent(uptime.share, 2) if uptime else UNKNOWN,
        grouped(figures.extensions),
    )


def review_charts(review: ProvinceReview) -> list[Markup]:
    """LPSEs ranked by contracts signed, by savings (those with a contract), and the monthly trend."""
    read = [(t.name, t.figures) for t in review.tenants if t.figures is not None and _busy(t.figures)]
    completed = [
        Ranked(n, f.completed, f"{f.completed} \u00b7 {short_rupiah(f.contract_value)}") for n, f in read
    ]
    savings = [
        Ranked(n, f.savings_share, percent(f.savings_share)) for n, f in read if f.savings_share is not None
    ]
    return [
        ranked_bars("Kontrak ditandatangani per LPSE", completed),
        ranked_bars("Efisiensi terhadap pagu per LPSE", savings),
        trend("Tren per bulan", review.totals.months),
    ]


def _busy(figures: Figures) -> bool:
    """Something happened in the LPSE in the period (the charts leave the idle ones to the table)."""
    return bool(figures.announced or figures.completed or figures.failed or figures.cancelled)


def _status_note(status: str) -> str:
    return "" if status == "active" else {"suspended": "ditangguhkan"}.get(status, status)


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("monitoring.reviews", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(review: ProvinceReview) -> str:
    rows = [Row(t.name, t.error or _status_note(t.status), _cells(t.figures)) for t in review.tenants]
    totals = review.totals
    summary = [
        ("Tender diumumkan", grouped(totals.announced), rupiah(totals.budget) + " pagu"),
        ("Kontrak ditandatangani", grouped(totals.completed), rupiah(totals.contract_value)),
        ("Efisiensi", percent(totals.savings_share), rupiah(totals.savings)),
        ("Gagal / batal", f"{totals.failed} / {totals.cancelled}", ""),
        ("Median hari ke kontrak", decimal(totals.median_days_to_contract), "sejak pengumuman"),
        ("Rata-rata peserta", decimal(totals.mean_bidders), "penawaran per tender dibuka"),
        ("Uptime", percent(totals.uptime.share, 2) if totals.uptime else UNKNOWN, "dari riwayat probe"),
        ("Penyerapan", percent(totals.trace.absorption_share), rupiah(totals.trace.paid) + " dibayar"),
        ("Progres fisik", percent(totals.trace.progress_share), f"{totals.trace.late} kontrak terlambat"),
    ]
    completed, savings, monthly = review_charts(review)
    return (
        _environment()
        .get_template("review.html")
        .render(
            review=review,
            style=Markup(REVIEW_STYLE),  # our own file, not input: not escaped
            period=f"{long_date(review.period.start)} \u2013 {long_date(review.period.end)}",
            summary=summary,
            headers=HEADERS,
            rows=rows,
            total=Row(f"Total {review.name}", "", _cells(totals)),
            trace_headers=TRACE_HEADERS,
            trace_rows=trace_rows(review),
            trace_total=Row(f"Total {review.name}", "", _trace_cells(totals.trace)),
            idle=sum(1 for t in review.tenants if t.figures is not None and not _busy(t.figures)),
            completed_chart=completed,
            savings_chart=savings,
            trend_chart=monthly,
            flags=flag_section(review.red_flags) if review.red_flags is not None else None,
        )
    )
