"""``lpse-hub uptime`` and ``lpse-hub probe run``: each tenant's availability, without Prometheus.

``uptime`` reads the probe history the hub keeps in ``hub.probe_results``; ``probe run`` probes
every tenant now and records the round, as the running hub does every interval.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, load_settings, print_json, run, stderr, stdout
from cli.options import JsonOption
from hub.core.database import hub_sessions
from monitoring.probes import CHECKS, Availability, ProbeRound, availability, probe_round
from tenants.registry import get_tenant

DEFAULT_PERIOD = timedelta(days=30)

uptime = typer.Typer(
    invoke_without_command=True,
    subcommand_metavar="",  # a report on its own, with no sub-commands
    help="Each tenant's availability over a period (default: the last 30 days), from the probe history.",
)
probe = typer.Typer(
    no_args_is_help=True, help="Probes of every tenant: schema, migrations, read, audit chain."
)

SinceOption = Annotated[
    str | None,
    typer.Option(help="From the start of this day (YYYY-MM-DD, UTC).", show_default=False),
]
UntilOption = Annotated[
    str | None,
    typer.Option(help="To the end of this day (YYYY-MM-DD, UTC; default: now).", show_default=False),
]
AnyTenantOption = Annotated[
    str | None,
    typer.Option("--tenant", "-t", help="One tenant's slug (default: every tenant).", show_default=False),
]


@uptime.callback()
def report(
    tenant: AnyTenantOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
) -> None:
    """Probes, share up, longest outage and last probe of each tenant over the period."""
    end = _day_start(until, "--until") + timedelta(days=1) if until else datetime.now(UTC)
    start = _day_start(since, "--since") if since else end - DEFAULT_PERIOD

    async def work(engine: AsyncEngine) -> dict[str, Availability]:
        async with hub_sessions(engine)() as session:
            codes = [(await get_tenant(session, tenant)).code] if tenant is not None else None
            return await availability(session, start, end, tenant_codes=codes)

    found = list(run(work).values())
    if as_json:
        print_json(
            {"since": start.isoformat(), "until": end.isoformat(), "tenants": [a.to_dict() for a in found]}
        )
        return
    _print_availability(found, start, end)


@probe.command("run")
def run_round(as_json: JsonOption = False) -> None:
    """Probe every tenant now and record the round (exit 1 if one is down, has a stored bid that is not
    the one received, or another replica is probing)."""
    settings = load_settings()

    async def work(engine: AsyncEngine) -> ProbeRound:
        return await probe_round(engine, settings)

    done = run(work)
    if as_json:
        print_json(done.to_dict())
    elif done.skipped is not None:
        stderr.print(f"round skipped: {done.skipped}; try again in a moment", markup=False)
    else:
        _print_round(done)
    if done.skipped is not None or done.down or done.with_bid_problems:
        raise typer.Exit(1)


def _print_availability(found: list[Availability], start: datetime, end: datetime) -> None:
    last_probe = Column("last probe (UTC)", no_wrap=True)
    table = Table(Column("tenant", no_wrap=True), "probes", "up", "share", "max outage", last_probe)
    for a in found:
        table.add_row(
            a.tenant_slug,
            str(a.probes),
            str(a.probes_up),
            _share(a),
            _duration(a.longest_outage),
            _when(a.last_probe_at),
            style="bold red" if a.probes_up < a.probes else None,
        )
    stdout.print(table)
    stdout.print(f"{len(found)} tenants, {_when(start)} to {_when(end)} UTC")


def _print_round(done: ProbeRound) -> None:
    table = Table("tenant", "up", *CHECKS, "took")
    for r in done.results:
        marks = ["ok" if r.checks.get(name) else "[red]FAIL[/red]" for name in CHECKS]
        up = "[green]up[/green]" if r.up else "[red]DOWN[/red]"
        table.add_row(r.tenant_slug, up, *marks, f"{r.duration_seconds:.3f}s")
    stdout.print(table)
    for r in done.down:
        stdout.print(f"[red]down[/red] {r.tenant_slug}: {escape(r.error or '')}", soft_wrap=True)
    for r in done.with_bid_problems:
        stdout.print(f"[red]bids[/red] {r.tenant_slug}: {escape(r.bids_problem or '')}", soft_wrap=True)
    stdout.print(
        f"{len(done.results)} tenants probed, {len(done.down)} down, {done.pruned} old results pruned"
    )


def _day_start(value: str, option: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date (YYYY-MM-DD)", 2) from None


def _share(found: Availability) -> str:
    """The share up as a percentage; 100.00% only for a tenant never found down."""
    if found.share_up is None:
        return "-"
    shown = f"{found.share_up:.2%}"
    return "99.99%" if shown == "100.00%" and found.probes_up < found.probes else shown


def _duration(length: timedelta) -> str:
    seconds = round(length.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if at is not None else "-"
