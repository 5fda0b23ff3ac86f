"""``lpse-hub tenant ...``: provision, inspect, suspend and remove tenants."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, load_settings, print_json, progress_bar, run, run_as_owner, stdout
from cli.options import JsonOption
from hub.core.database import hub_sessions
from tenants.regions import regions_of_province
from tenants.registry import (
    ProvisionReport,
    Tenant,
    TenantSpec,
    create_tenant,
    delete_tenant,
    get_tenant,
    list_tenants,
    provision_province,
    resume_tenant,
    suspend_tenant,
)

app = typer.Typer(no_args_is_help=True, help="Provision and manage tenants (one LPSE each).")


def _show(tenant: Tenant, as_json: bool) -> None:
    if as_json:
        print_json(tenant.to_dict())
        return
    for key, value in tenant.to_dict().items():
        shown = ", ".join(value) if isinstance(value, list) else value
        stdout.print(f"[bold]{key:>14}[/bold]  {shown if shown not in (None, '') else '-'}")


@app.command()
def create(
    slug: Annotated[str, typer.Argument(help="URL name, e.g. kab-malang.")],
    code: Annotated[str, typer.Option(help="Kemendagri code from the regions table, e.g. 3507.")],
    name: Annotated[str, typer.Option(help="Display name, e.g. 'Kabupaten Malang'.")],
    kind: Annotated[
        str | None, typer.Option(help="province, regency or city (default: from the code).")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="Asia/Jakarta, Asia/Makassar or Asia/Jayapura (default: the province's)."),
    ] = None,
    host: Annotated[
        list[str] | None, typer.Option(help="A host name that reaches the tenant; repeatable.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a tenant: registry row, schema and migrations, in one transaction."""
    spec = TenantSpec(slug=slug, code=code, name=name, kind=kind, timezone=timezone, hosts=tuple(host or ()))

    async def work(engine: AsyncEngine, serving_role: str | None) -> Tenant:
        async with hub_sessions(engine)() as session, session.begin():
            return await create_tenant(session, spec, serving_role=serving_role)

    _show(run_as_owner(work), as_json)


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """Every tenant, active and suspended."""

    async def work(engine: AsyncEngine) -> list[Tenant]:
        async with hub_sessions(engine)() as session:
            return await list_tenants(session)

    tenants = run(work)
    if as_json:
        print_json([t.to_dict() for t in tenants])
        return
    table = Table("slug", "code", "name", "kind", "timezone", "status")
    for t in tenants:
        table.add_row(
            t.slug, t.code, t.name, t.kind, t.timezone, t.status if t.is_active else f"[red]{t.status}[/red]"
        )
    stdout.print(table)


@app.command()
def show(slug: str, as_json: JsonOption = False) -> None:
    """One tenant in full."""

    async def work(engine: AsyncEngine) -> Tenant:
        async with hub_sessions(engine)() as session:
            return await get_tenant(session, slug)

    _show(run(work), as_json)


@app.command()
def suspend(
    slug: str,
    reason: Annotated[str, typer.Option(help="Why; shown to everyone the tenant turns away.")],
    as_json: JsonOption = False,
) -> None:
    """Stop a tenant from serving (503); its data stays."""

    async def work(engine: AsyncEngine) -> Tenant:
        async with hub_sessions(engine)() as session, session.begin():
            return await suspend_tenant(session, slug, reason)

    _show(run(work), as_json)


@app.command()
def resume(slug: str, as_json: JsonOption = False) -> None:
    """Let a suspended tenant serve again."""

    async def work(engine: AsyncEngine) -> Tenant:
        async with hub_sessions(engine)() as session, session.begin():
            return await resume_tenant(session, slug)

    _show(run(work), as_json)


@app.command()
def delete(
    slug: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the schema and all its data go.")] = False,
) -> None:
    """Delete a tenant: its schema with all its data, and its registry row, together."""
    if not yes:
        raise fail(f"deleting {slug!r} removes all its data; repeat with --yes to confirm", 2)

    async def work(engine: AsyncEngine, _serving_role: str | None) -> Tenant:
        async with hub_sessions(engine)() as session, session.begin():
            return await delete_tenant(session, slug)

    tenant = run_as_owner(work)
    stdout.print(f"deleted tenant {tenant.slug} and schema {tenant.schema}")


@app.command("provision-province")
def provision_province_command(
    code: Annotated[str, typer.Argument(help="Province code, e.g. 35 for Jawa Timur.")],
    as_json: JsonOption = False,
) -> None:
    """The province and all its regencies and cities, skipping those that exist."""
    concurrency = load_settings().migration_concurrency
    total = len(regions_of_province(code))

    async def work(engine: AsyncEngine, serving_role: str | None) -> ProvisionReport:
        with progress_bar(f"provisioning {code}", total, enabled=not as_json) as advance:
            return await provision_province(
                engine, code, concurrency=concurrency, serving_role=serving_role, on_done=advance
            )

    report = run_as_owner(work)
    if as_json:
        print_json(report.to_dict())
    else:
        stdout.print(
            f"created {len(report.created)}, skipped {len(report.skipped)}, failed {len(report.failed)}"
        )
        for slug, reason in sorted(report.failed.items()):
            stdout.print(f"  [red]failed[/red] {slug}: {reason}", markup=True)
    if report.failed:
        raise typer.Exit(1)
