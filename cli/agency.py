"""``lpse-hub agency ...``: a tenant's agencies (satker)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import print_json, run, stdout
from cli.options import JsonOption, TenantOption
from hub.core.database import hub_sessions, tenant_session
from tenants.agencies import Agency, add_agency, list_agencies
from tenants.registry import get_tenant

app = typer.Typer(no_args_is_help=True, help="A tenant's agencies (satker / OPD).")


async def _schema(engine: AsyncEngine, slug: str) -> str:
    async with hub_sessions(engine)() as session:
        return (await get_tenant(session, slug)).schema


@app.command()
def add(
    tenant: TenantOption,
    name: Annotated[str, typer.Option(help="The agency's name, e.g. 'Dinas Kesehatan'.")],
    as_json: JsonOption = False,
) -> None:
    """Add an agency to a tenant."""

    async def work(engine: AsyncEngine) -> Agency:
        async with tenant_session(engine, await _schema(engine, tenant)) as session, session.begin():
            return await add_agency(session, name)

    agency = run(work)
    if as_json:
        print_json(agency.to_dict())
    else:
        stdout.print(f"added agency {agency.id}: {agency.name}")


@app.command("list")
def list_(tenant: TenantOption, as_json: JsonOption = False) -> None:
    """A tenant's agencies."""

    async def work(engine: AsyncEngine) -> list[Agency]:
        async with tenant_session(engine, await _schema(engine, tenant)) as session:
            return await list_agencies(session)

    agencies = run(work)
    if as_json:
        print_json([a.to_dict() for a in agencies])
        return
    table = Table("id", "name")
    for a in agencies:
        table.add_row(str(a.id), a.name)
    stdout.print(table)
