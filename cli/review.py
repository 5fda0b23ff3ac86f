"""``lpse-hub review``: the coordination review (*rakor*) of a province's LPSEs over a period."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import exit_code, fail, load_settings, run, stdout
from hub.core.errors import InvalidInput
from monitoring.reviews import (
    FORMATS,
    ProvinceReview,
    parse_period,
    province_name,
    review_csv,
    review_html,
    review_json,
    review_province,
    review_table,
)

TEXT_WIDTH = 200
"""The table's width when it goes to a file or a pipe."""

app = typer.Typer(
    no_args_is_help=True,
    subcommand_metavar="",  # one command: its options follow `review` directly
    help="The coordination review (rakor): per regency, how procurement went and whether its LPSE was up.",
)


@app.callback(invoke_without_command=True)
def review(
    province: Annotated[
        str, typer.Option("--province", "-p", help="The province's two-digit code (35: Jawa Timur).")
    ],
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (included).")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (included).")],
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="table, csv, json or html (one self-contained page).")
    ] = "table",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.", dir_okay=False)
    ] = None,
) -> None:
    """Every LPSE of the province: tenders announced, contracted, failed and cancelled, days to contract,
    bidders per tender, budget, contract value and savings, objections and uptime, per month too."""
    try:
        province_name(province)
        period = parse_period(start, end)
        if output_format not in FORMATS:
            raise InvalidInput(f"unknown format {output_format!r}: use one of {', '.join(FORMATS)}")
    except InvalidInput as exc:
        raise fail(exc.detail, exit_code(exc)) from None
    settings = load_settings()
    concurrency = settings.migration_concurrency
    prefix = settings.ocid_prefix if output_format == "html" else None  # only the page shows red flags

    async def work(engine: AsyncEngine) -> ProvinceReview:
        return await review_province(
            engine, province, period.start, period.end, concurrency=concurrency, ocid_prefix=prefix
        )

    _write(run(work), output_format, out)


def _write(found: ProvinceReview, output_format: str, out: Path | None) -> None:
    if output_format == "table":
        if out is None and stdout.is_terminal:
            stdout.print(review_table(found))
            return
        buffer = io.StringIO()  # a file or a pipe: as wide as the table needs, not 80 columns
        Console(file=buffer, width=TEXT_WIDTH, highlight=False).print(review_table(found))
        text = buffer.getvalue()
    else:
        text = {"csv": review_csv, "json": review_json, "html": review_html}[output_format](found)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc.strerror}") from None
