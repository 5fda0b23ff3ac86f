"""A review in the forms people take it away in: a terminal table, CSV, JSON and one HTML page.

JSON is the stable, machine-readable form (keys sorted, shares rounded to four digits, money in
whole rupiah); CSV has one row per LPSE and the province's total last, with the same names as the
JSON's figures; the table and the page write numbers as Indonesian readers do (``Rp 1.234.567``).
The page (``review_html``) is one self-contained file: its charts are inline SVG drawn here, its
style inline, nothing fetched from the network, so it opens offline and prints on A4.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.markup import escape
from rich.table import Table

from monitoring.reviews.models import Figures, ProvinceReview, TenantReview
from monitoring.reviews.numbers import UNKNOWN, decimal, grouped, percent, rounded, rupiah
from monitoring.reviews.page import render_page
from monitoring.reviews.trace import AgencyTrace, Trace

FORMATS = ("table", "csv", "json", "html")
SHARE_PLACES = 4


def figures_dict(figures: Figures) -> dict[str, Any]:
    """The figures as JSON carries them; ``None`` where a ratio has nothing to divide by."""
    uptime = figures.uptime
    return {
        "announced": figures.announced,
        "budget": figures.budget,
        "completed": figures.completed,
        "contracted_budget": figures.contracted_budget,
        "contract_value": figures.contract_value,
        "savings": figures.savings,
        "savings_share": rounded(figures.savings_share, SHARE_PLACES),
        "median_days_to_contract": rounded(figures.median_days_to_contract, 1),
        "failed": figures.failed,
        "cancelled": figures.cancelled,
        "opened": figures.opened,
        "bids": figures.bids,
        "mean_bidders": rounded(figures.mean_bidders, 2),
        "award_announced": figures.award_announced,
        "objected": figures.objected,
        "objection_share": rounded(figures.objection_share, SHARE_PLACES),
        "extensions": figures.extensions,
        "uptime": None
        if uptime is None
        else {"probes": uptime.probes, "up": uptime.up, "share": rounded(uptime.share, SHARE_PLACES)},
        "months": [
            {"month": m.month.strftime("%Y-%m"), "announced": m.announced, "completed": m.completed}
            for m in figures.months
        ],
        **trace_dict(figures.trace),
    }


def trace_dict(trace: Trace) -> dict[str, Any]:
    """From plan to payment, as JSON and CSV carry it (``monitoring.reviews.trace``)."""
    return {
        "plan_items": trace.plan_items,
        "planned_ceiling": trace.planned_ceiling,
        "untendered_plan_items": trace.untendered,
        "paid": trace.paid,
        "absorption_share": rounded(trace.absorption_share, SHARE_PLACES),
        "running_contracts": trace.running,
        "running_contract_value": trace.running_value,
        "physical_progress_share": rounded(trace.progress_share, SHARE_PLACES),
        "late_contracts": trace.late,
    }


def _agency_dict(agency: AgencyTrace) -> dict[str, Any]:
    return {"agency_id": agency.agency_id, "name": agency.name, **trace_dict(agency.trace)}


def review_dict(review: ProvinceReview) -> dict[str, Any]:
    """The whole review as JSON carries it (the HTTP API and ``--format json``)."""
    return {
        "province": {"code": review.code, "name": review.name},
        "period": {"from": review.period.start.isoformat(), "to": review.period.end.isoformat()},
        "tenants": [
            {
                "slug": t.slug,
                "code": t.code,
                "name": t.name,
                "kind": t.kind,
                "status": t.status,
                "error": t.error,
                "figures": figures_dict(t.figures) if t.figures is not None else None,
                "agencies": [_agency_dict(a) for a in t.agencies],
            }
            for t in review.tenants
        ],
        "totals": figures_dict(review.totals),
    }


def review_json(review: ProvinceReview) -> str:
    return json.dumps(review_dict(review), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


CSV_COLUMNS = (
    "tenant",
    "code",
    "name",
    "status",
    "announced",
    "budget",
    "completed",
    "contracted_budget",
    "contract_value",
    "savings",
    "savings_share",
    "median_days_to_contract",
    "failed",
    "cancelled",
    "opened",
    "bids",
    "mean_bidders",
    "award_announced",
    "objected",
    "objection_share",
    "extensions",
    "uptime_probes",
    "uptime_share",
    "plan_items",
    "planned_ceiling",
    "untendered_plan_items",
    "paid",
    "absorption_share",
    "running_contracts",
    "running_contract_value",
    "physical_progress_share",
    "late_contracts",
    "error",
)


def _csv_row(slug: str, code: str, name: str, status: str, figures: Figures | None) -> dict[str, Any]:
    row: dict[str, Any] = {"tenant": slug, "code": code, "name": name, "status": status}
    if figures is not None:
        found = figures_dict(figures)
        uptime = found.pop("uptime") or {}
        row |= {k: v for k, v in found.items() if k in CSV_COLUMNS}
        row |= {"uptime_probes": uptime.get("probes", 0), "uptime_share": uptime.get("share")}
    return row


def review_csv(review: ProvinceReview) -> str:
    """One row per LPSE, then the province's total (``tenant`` ``total``); unknown ratios empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for t in review.tenants:
        writer.writerow({**_csv_row(t.slug, t.code, t.name, t.status, t.figures), "error": t.error})
    writer.writerow(_csv_row("total", review.code, review.name, "", review.totals))
    return out.getvalue()


def _table_cells(figures: Figures | None) -> list[str]:
    if figures is None:
        return [UNKNOWN] * 12
    uptime = figures.uptime
    return [
        grouped(figures.announced),
        grouped(figures.completed),
        grouped(figures.failed),
        grouped(figures.cancelled),
        decimal(figures.median_days_to_contract),
        decimal(figures.mean_bidders),
        rupiah(figures.contract_value),
        f"{rupiah(figures.savings)} ({percent(figures.savings_share)})",
        percent(uptime.share if uptime else None),
        grouped(figures.extensions),
        percent(figures.trace.absorption_share),
        grouped(figures.trace.late),
    ]


def review_table(review: ProvinceReview) -> Table:
    """The review as a terminal table, one LPSE a row and the province's total in the footer."""
    columns = ("announced", "completed", "failed", "cancelled", "median days", "bidders")
    table = Table(
        "LPSE",
        *columns,
        "contract value",
        "savings",
        "uptime",
        "extended",
        "absorption",
        "late contracts",
        title=f"{review.name}: {review.period.start} to {review.period.end}",
        show_footer=True,
    )
    for column in table.columns[1:]:
        column.justify = "right"
    for t in review.tenants:
        table.add_row(_tenant_label(t), *_table_cells(t.figures))
    for column, cell in zip(table.columns, ["total", *_table_cells(review.totals)], strict=True):
        column.footer = cell
    return table


def _tenant_label(tenant: TenantReview) -> str:
    label = tenant.name if tenant.status == "active" else f"{tenant.name} ({tenant.status})"
    return escape(f"{label}: {tenant.error}" if tenant.error else label)


def review_html(review: ProvinceReview) -> str:
    """The one-file page: summary, ranked charts, the monthly trend and the table."""
    return render_page(review)
