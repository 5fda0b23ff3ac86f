"""``lpse-hub catalogue rebuild``: the province-wide catalogue recomputed from the tenant schemas; and
``lpse-hub catalogue sweep``: what the clock alone changed, published once."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import print_json, run, stdout
from cli.options import JsonOption
from tenants.tenders.publication.rebuild import Drift, rebuild_catalogue
from tenants.tenders.publication.sweep import Swept, sweep_publications

app = typer.Typer(no_args_is_help=True, help="The province-wide tender catalogue.")


@app.command()
def rebuild(
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", "-t", help="One tenant's slug (default: every tenant).", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute every public tender's row; report the rows that were missing, changed or left over, and
    the tenders whose last release told other facts (a corrected release is published to the feed)."""

    async def work(engine: AsyncEngine) -> list[Drift]:
        return await rebuild_catalogue(engine, [tenant] if tenant else None)

    results = run(work)
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    table = Table("tenant", "tenders", "missing", "changed", "removed", "republished")
    for r in results:
        if r.checked or r.drifted:
            table.add_row(
                r.slug,
                str(r.checked),
                str(len(r.missing)),
                str(len(r.changed)),
                str(len(r.removed)),
                str(len(r.republished)),
            )
    stdout.print(table)
    drifted = [r.slug for r in results if r.drifted]
    stdout.print(
        f"{len(results)} tenants, {sum(r.checked for r in results)} tenders, "
        f"{len(drifted)} tenants had drifted" + (f": {', '.join(drifted)}" if drifted else "")
    )


@app.command()
def sweep(
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", "-t", help="One tenant's slug (default: every tenant).", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Publish what the clock alone changed, as the hub does every LPSE_HUB_PUBLICATION_SWEEP_SECONDS: the
    catalogue's stage of tenders whose schedule moved on, and a release for each award whose objection
    period has ended (``pending`` becomes ``active``)."""

    async def work(engine: AsyncEngine) -> list[Swept]:
        return await sweep_publications(engine, [tenant] if tenant else None)

    results = run(work)
    if as_json:
        print_json([r.to_dict() for r in results])
    else:
        table = Table("tenant", "tenders", "stages moved", "releases published", "error")
        for r in results:
            if r.checked or r.error:
                table.add_row(
                    r.slug, str(r.checked), str(len(r.restaged)), str(len(r.republished)), r.error or ""
                )
        stdout.print(table)
    if any(r.error for r in results):
        raise typer.Exit(1)
