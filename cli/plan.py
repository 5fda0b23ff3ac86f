"""``lpse-hub plan ...``: the tenant's procurement plan (RUP), imported from SiRUP's items and listed.

The import file (CSV or JSON) has one item per row, its columns (keys) named as the API's fields:
``rup_code, agency_id, fiscal_year, name, ceiling, funding_source, budget_line, category, method,
selection_from, selection_to, location`` (README, "Plans (RUP)"; a sample in ``docs/samples/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, print_json, run, stderr, stdout
from cli.options import JsonOption, TenantOption
from cli.tenant import acting_in
from federation.identity.actor import Acting, ClientActor
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput, InvalidRows
from tenants.plans import (
    FIELDS,
    PlanItemView,
    PlanOutcome,
    format_of,
    list_plan_items,
    read_plan_file,
    record_plan_items,
)
from tenants.registry import get_tenant, resolve_tenant

app = typer.Typer(
    no_args_is_help=True, help="The tenant's procurement plan (RUP): import and list its items."
)

IMPORT_HELP = f"""Import plan items (RUP) from FILE, all or none: a bad row is reported by its line (CSV)
or item number (JSON) and field, every bad row at once (up to 100), and nothing is imported.

Columns (CSV header) or keys (JSON objects): {", ".join(FIELDS)}. selection_from and selection_to
are dates (YYYY-MM-DD) or months (YYYY-MM, as SiRUP publishes them); selection_to and location may be
empty. An item whose RUP code is in the plan already is revised (audited before and after), or left
as it is when nothing changed. A JSON file is a list of objects (or {{"items": [...]}})."""

AsPerson = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Email of the person recording (tenant_admin, commitment_officer): the audit chain names them. "
        "Left out: the operator, recorded as the client 'operator'.",
        show_default=False,
    ),
]


@app.command("import", help=IMPORT_HELP)
def import_(
    tenant: TenantOption,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV or JSON file.")
    ],
    as_: AsPerson = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or json (default: by the file's extension).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; record nothing.")] = False,
    as_json: JsonOption = False,
) -> None:
    try:
        plan = read_plan_file(file.read_bytes(), format_of(file.name, file_format))
    except InvalidInput as exc:
        raise fail(f"{file}: {exc.detail}", 2) from None

    async def work(engine: AsyncEngine) -> PlanOutcome | InvalidRows:
        actor = await _acting(engine, tenant, as_)
        async with tenant_session(engine, actor.tenant.schema) as session:
            try:
                outcome = await record_plan_items(session, actor, plan.rows, via="import")
            except InvalidRows as refused:
                await session.rollback()
                return refused
            await (session.rollback() if dry_run else session.commit())
            return outcome

    done = run(work)
    if isinstance(done, InvalidRows):
        _report_faults(done, plan.labels, as_json)
    shown = {**done.to_dict(), "dry_run": dry_run}
    if as_json:
        print_json(shown)
        return
    verb = "would record" if dry_run else "recorded"
    stdout.print(
        f"{verb} {len(done.recorded)} new, {len(done.revised)} revised, {len(done.unchanged)} unchanged"
        + (f"; revised: {', '.join(done.revised)}" if done.revised else ""),
        markup=False,
        soft_wrap=True,
    )


async def _acting(engine: AsyncEngine, slug: str, email: str | None) -> Acting:
    """The person ``email`` in the tenant, or the operator acting as itself (``ClientActor.operator``)."""
    if email is not None:
        return await acting_in(engine, slug, email)
    async with hub_sessions(engine)() as session:
        return ClientActor.operator(await resolve_tenant(session, slug=slug))


def _report_faults(refused: InvalidRows, labels: list[str], as_json: bool) -> NoReturn:
    """Every fault by the file's own numbering (line or item), then exit 2: nothing was imported."""
    faults = [{"row": labels[f.index], "field": f.field, "detail": f.detail} for f in refused.rows]
    if as_json:
        print_json({"error": refused.detail, "faults": faults})
    else:
        for fault in faults:
            stderr.print(f"{fault['row']}: {fault['field']}: {fault['detail']}", markup=False, soft_wrap=True)
    raise fail(refused.detail, 2)


@app.command("list")
def list_(
    tenant: TenantOption,
    year: Annotated[
        int | None, typer.Option("--year", min=2000, max=2100, help="Only this fiscal year.")
    ] = None,
    agency: Annotated[int | None, typer.Option("--agency", min=1, help="Only this agency's id.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The plan's items, each with what its packages take of its ceiling and what is left."""

    async def work(engine: AsyncEngine) -> list[PlanItemView]:
        async with hub_sessions(engine)() as hub:
            schema = (await get_tenant(hub, tenant)).schema
        async with tenant_session(engine, schema) as session:
            return await list_plan_items(session, fiscal_year=year, agency_id=agency)

    items = run(work)
    if as_json:
        print_json([item.to_dict() for item in items])
        return
    table = Table("rup_code", "year", "agency", "name", "ceiling", "left", "source", "method")
    for view in items:
        i = view.item
        table.add_row(
            i.rup_code,
            str(i.fiscal_year),
            str(i.agency_id),
            i.name,
            f"{i.ceiling:,}",
            f"{view.left:,}",
            i.funding_source,
            i.method,
        )
    stdout.print(table)
