"""``lpse-hub outage``: outages the probes could not see, recorded by hand, and a tenant's outages.

An outage recorded here extends the bid-submission deadlines it reached, as a probed outage does
(``tenants.tenders.outages``), in the same transaction; the list shows what the hub knows of a
tenant's outages (probed, of the hub, recorded).
"""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, load_settings, print_json, run, stdout
from cli.options import JsonOption, TenantOption
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import InvalidInput
from tenants.registry import TenantRef, resolve_tenant
from tenants.tenders.outages import (
    Extension,
    Outage,
    OutageRule,
    RecordedOutage,
    record_outage,
    tenant_outages,
)

app = typer.Typer(no_args_is_help=True, help="Outages of a tenant: record one by hand, list them.")

FromOption = Annotated[
    str,
    typer.Option(
        "--from", help="Start (ISO 8601; without an offset, the tenant's zone).", show_default=False
    ),
]
ToOption = Annotated[
    str,
    typer.Option("--to", help="End (ISO 8601; without an offset, the tenant's zone).", show_default=False),
]
ReasonOption = Annotated[str, typer.Option(help="Why (a regional network cut, say).", show_default=False)]
DaysOption = Annotated[int, typer.Option(help="Over the last this many days.")]


@app.command("record")
def record(tenant: TenantOption, start: FromOption, end: ToOption, reason: ReasonOption) -> None:
    """Record an outage the probes could not see; the deadlines it reached are extended at once."""
    rule = OutageRule.of(load_settings())

    async def work(engine: AsyncEngine) -> tuple[RecordedOutage, list[Extension]]:
        ref = await _tenant(engine, tenant)
        zone = ZoneInfo(ref.timezone)
        async with tenant_session(engine, ref.schema) as session, session.begin():
            return await record_outage(
                session,
                ref,
                _moment(start, zone, "from"),
                _moment(end, zone, "to"),
                reason,
                _operator(),
                rule,
            )

    outage, extended = run(work)
    stdout.print(f"outage {outage.id} recorded for {outage.tenant_slug}", markup=False)
    for e in extended:
        stdout.print(f"tender {e.tender_id}: bid submission now ends {e.new_end.isoformat()}", markup=False)


@app.command("list")
def list_outages(tenant: TenantOption, days: DaysOption = 30, as_json: JsonOption = False) -> None:
    """The tenant's outages: runs of failed probes, gaps between probe rounds, recorded ones."""
    rule = OutageRule.of(load_settings())

    async def work(engine: AsyncEngine) -> list[Outage]:
        ref = await _tenant(engine, tenant)
        async with tenant_session(engine, ref.schema) as session, session.begin():
            return await tenant_outages(session, ref, rule, days=days)

    found = run(work)
    if as_json:
        print_json({"tenant": tenant, "outages": [o.to_dict() for o in found]})
        return
    table = Table("from", "to", "minutes", "source", "ongoing")
    for o in found:
        minutes = f"{o.length.total_seconds() / 60:.0f}"
        table.add_row(
            o.starts_at.isoformat(), o.ends_at.isoformat(), minutes, "+".join(o.sources), str(o.ongoing)
        )
    stdout.print(table)
    stdout.print(f"{len(found)} outages of {tenant} over the last {days} days", markup=False)


async def _tenant(engine: AsyncEngine, slug: str) -> TenantRef:
    async with hub_sessions(engine)() as session:
        return await resolve_tenant(session, slug=slug)


def _moment(value: str, zone: ZoneInfo, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--{option} {value!r} is not an ISO 8601 time", field=option) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _operator() -> str:
    """Who records: the operating-system user (the CLI runs on the hub's machine, as an operator)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise fail("cannot tell who you are (no user name): set LOGNAME") from None
