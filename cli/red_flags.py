"""``lpse-hub red-flags``: the red flags of this hub's published tenders, as ``GET /api/red-flags``."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, load_settings, print_json, run, stdout
from federation.catalogue.flagged import RedFlagQuery, checked_thresholds, flags_of
from federation.catalogue.red_flags import CHECKS, Flag
from hub.core.database import hub_sessions
from hub.core.errors import InvalidInput


class Output(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


OPTION = {"from": "--from", "to": "--to"}


def red_flags(
    province: Annotated[
        str | None, typer.Option(help="A two-digit province code (35).", show_default=False)
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="A tenant's slug.", show_default=False)] = None,
    buyer: Annotated[
        str | None, typer.Option(help="A buyer's OCDS id (ID-SATKER-...) or exact name.", show_default=False)
    ] = None,
    indicator: Annotated[
        str | None, typer.Option(help=f"One indicator: {', '.join(CHECKS)}.", show_default=False)
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--from", help="Announced on or after this date (YYYY-MM-DD).", show_default=False),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Announced on or before this date (YYYY-MM-DD); H07 is judged on it (default: today).",
            show_default=False,
        ),
    ] = None,
    short_submission_days: Annotated[
        int | None, typer.Option(help="R003's threshold in days (default 15).", show_default=False)
    ] = None,
    estimate_ratio: Annotated[
        float | None, typer.Option(help="H01's award/estimate ratio (default 0.99).", show_default=False)
    ] = None,
    dominance_share: Annotated[
        float | None, typer.Option(help="H02's share of a buyer's awards (default 0.5).", show_default=False)
    ] = None,
    late_amendment_days: Annotated[
        float | None, typer.Option(help="H04's days before bids close (default 3).", show_default=False)
    ] = None,
    overdue_grace_days: Annotated[
        int | None,
        typer.Option(
            help="H07's days past a contract's end before it counts (default 0).", show_default=False
        ),
    ] = None,
    output: Annotated[Output, typer.Option("--format", help="table, csv or json.")] = Output.table,
) -> None:
    """The red flags (procurement risk indicators) of the published tenders, with the facts that raised
    each; computed from each tender's compiled OCDS release. H07 (a contract past its end) is judged on
    --to when given, else on the database's current date."""
    query = RedFlagQuery(province, tenant, buyer, indicator, since, until)
    try:
        query.checked()
        thresholds = checked_thresholds(
            short_submission_days=short_submission_days,
            estimate_ratio=estimate_ratio,
            dominance_share=dominance_share,
            late_amendment_days=late_amendment_days,
            overdue_grace_days=overdue_grace_days,
        )
    except InvalidInput as exc:
        name = exc.field or ""
        raise fail(f"{OPTION.get(name, '--' + name.replace('_', '-'))}: {exc.detail}", 2) from None
    prefix = load_settings().ocid_prefix

    async def work(engine: AsyncEngine) -> list[Flag]:
        async with hub_sessions(engine)() as session, session.begin():
            return await flags_of(session, prefix, query, thresholds)

    flags = run(work)
    if output is Output.json:
        print_json([f.to_dict() for f in flags])
    elif output is Output.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["code", "name", "tenders", "buyer_id", "buyer", "threshold", "facts", "explanation"])
        for f in flags:
            facts = json.dumps(f.facts, ensure_ascii=False, sort_keys=True)
            tender = f.ocid or " ".join(f.tenders)
            writer.writerow([f.code, f.name, tender, f.buyer_id, f.buyer, f.threshold, facts, f.explanation])
    else:
        table = Table("code", "tender", "buyer", "threshold", "explanation")
        for f in flags:
            tender = f.ocid or ", ".join(f.tenders)
            table.add_row(f.code, tender, f.buyer or "", str(f.threshold), f.explanation)
        stdout.print(table)
        stdout.print(f"{len(flags)} red flags")
