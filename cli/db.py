"""``lpse-hub db ...``: migrate the hub and every tenant schema, and tell where each stands."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import (
    grant_serving_role_everywhere,
    load_settings,
    print_json,
    progress_bar,
    run,
    run_as_owner,
    stdout,
)
from cli.options import JsonOption
from hub.core.database import schema_of
from hub.core.migrations import SchemaMigration, migrate_hub, migrate_tenants
from monitoring.readiness import MigrationStatus, migration_status
from tenants.registry import Tenant

app = typer.Typer(no_args_is_help=True, help="Database migrations.")


async def upgrade_all(
    engine: AsyncEngine, *, concurrency: int, show_progress: bool, serving_role: str | None = None
) -> tuple[SchemaMigration, list[SchemaMigration]]:
    """The hub schema first, then every tenant schema, ``concurrency`` at a time; then the grants
    of ``serving_role`` on all of them (``hub.core.migrations.privileges``), so a table a migration
    added is open to the hub as soon as the hub's code needs it."""
    hub = await migrate_hub(engine)
    async with engine.connect() as connection:
        codes = list((await connection.execute(select(Tenant.code).order_by(Tenant.code))).scalars())
    with progress_bar("migrating tenants", len(codes), enabled=show_progress) as advance:
        tenants = await migrate_tenants(
            engine, [schema_of(c) for c in codes], concurrency=concurrency, on_done=advance
        )
    await grant_serving_role_everywhere(engine, serving_role)
    return hub, tenants


@app.command()
def upgrade(as_json: JsonOption = False) -> None:
    """Bring the hub schema, then every tenant schema, to head (as the owner), and grant the
    serving role what it needs on them."""
    concurrency = load_settings().migration_concurrency

    async def work(
        engine: AsyncEngine, serving_role: str | None
    ) -> tuple[SchemaMigration, list[SchemaMigration]]:
        return await upgrade_all(
            engine, concurrency=concurrency, show_progress=not as_json, serving_role=serving_role
        )

    hub, tenants = run_as_owner(work, migrated=False)
    failed = [t for t in tenants if t.error]
    moved = [t for t in tenants if not t.error and t.before != t.after]
    if as_json:
        print_json(
            {
                "hub": {"before": hub.before, "after": hub.after},
                "tenants": {
                    "total": len(tenants),
                    "migrated": [t.schema for t in moved],
                    "failed": {t.schema: t.error for t in failed},
                },
            }
        )
    else:
        stdout.print(f"hub: {hub.before or 'empty'} -> {hub.after}")
        stdout.print(
            f"tenants: {len(moved)} migrated, {len(tenants) - len(moved) - len(failed)} at head already, "
            f"{len(failed)} failed"
        )
        for t in failed:
            stdout.print(f"  failed {t.schema}: {t.error}", markup=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def status(as_json: JsonOption = False) -> None:
    """Each schema's revision against head; lagging tenants stand out (exit 1 if any)."""
    result: MigrationStatus = run(migration_status, migrated=False)
    if as_json:
        print_json(result.to_dict())
    else:
        hub_mark = "" if result.hub_revision == result.hub_head else "  [red]LAGGING[/red]"
        stdout.print(f"hub: {result.hub_revision or '-'} (head {result.hub_head}){hub_mark}")
        table = Table("tenant", "schema", "revision", "head")
        for t in result.tenants:
            style = None if t.at_head else "bold red"
            table.add_row(t.slug, t.schema, t.revision or "-", t.head or "-", style=style)
        stdout.print(table)
        stdout.print(f"{len(result.tenants)} tenants, {len(result.lagging)} lagging")
    if not result.at_head:
        raise typer.Exit(1)
