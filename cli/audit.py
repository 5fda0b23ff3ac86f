"""``lpse-hub audit ...``: verify each tenant's audit trail, and anchor its head in the hub."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import load_settings, print_json, progress_bar, reported_errors, run, stderr, stdout
from cli.options import JsonOption
from cli.saved_checkpoints import load_saved_checkpoints
from federation.vendors import KeyLogReport, compare_key_log, verify_vendor_key_log
from hub.core.database import hub_sessions
from hub.core.errors import MasterKeyMissing
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.audit import TenantAnchor, TenantChain, anchor_tenants, compare_tenants, verify_tenants
from tenants.registry import list_tenants
from tenants.tenders import TenantBids, verify_tenant_bids

app = typer.Typer(
    no_args_is_help=True, help="The audit trail: each tenant's hash-chained log, verified and anchored."
)

AnyTenantOption = Annotated[
    str | None,
    typer.Option("--tenant", "-t", help="One tenant's slug (default: every tenant).", show_default=False),
]


async def _tenant_count(engine: AsyncEngine, slug: str | None) -> int:
    if slug is not None:
        return 1
    async with hub_sessions(engine)() as session:
        return len(await list_tenants(session))


CheckpointsOption = Annotated[
    str | None,
    typer.Option(
        "--checkpoints",
        help="Also check the logs against checkpoints saved elsewhere: a JSON file or the URL of a "
        "hub's /api/audit/checkpoints (exit 1 on any contradiction, one line each).",
        show_default=False,
    ),
]


@app.command()
def verify(
    tenant: AnyTenantOption = None, as_json: JsonOption = False, checkpoints: CheckpointsOption = None
) -> None:
    """Check every entry of each tenant's log against its hash, the hub's anchors and checkpoints (and,
    with ``--checkpoints``, checkpoints saved elsewhere), every stored bid against its receipt, its
    ``bid.received`` entry and its vendor's signature, opening none, and the vendor key log against
    the vendors' signing keys (exit 1 if broken). With the master key at hand, only the hub's own
    receipt keys are trusted."""
    settings = load_settings()
    concurrency = settings.migration_concurrency
    master = _master_if_at_hand(settings)
    if checkpoints is not None:
        _verify_against(checkpoints, tenant, concurrency, to=stderr if as_json else stdout)

    async def work(engine: AsyncEngine) -> tuple[list[TenantChain], dict[str, TenantBids], KeyLogReport]:
        total = await _tenant_count(engine, tenant)
        with progress_bar("verifying audit logs", total, enabled=not as_json) as advance:
            chains = await verify_tenants(engine, concurrency=concurrency, slug=tenant, on_done=advance)
        async with hub_sessions(engine)() as session:
            keys = await verify_vendor_key_log(session)
        return chains, await _verify_bids(engine, tenant, master), keys

    results, bids, keys = run(work)
    _print_key_log(keys, to=stderr if as_json else stdout)
    if as_json:
        print_json([r.to_dict() | {"bids": bids[r.slug].to_dict()} for r in results])
    else:
        table = Table("tenant", "entries", "head", "chain")
        for r in results:
            found = r.to_dict()
            verdict = "[green]ok[/green]" if r.ok else f"[red]BROKEN[/red] {escape(str(found['problem']))}"
            table.add_row(r.slug, str(found["entries"]), str(found["head_seq"] or "-"), verdict)
        stdout.print(table)
        _print_bids(bids.values())
        broken = sum(not r.ok or not bids[r.slug].ok for r in results)
        stdout.print(f"{len(results)} tenants, {broken} broken")
    if not all(r.ok for r in results) or not all(b.ok for b in bids.values()) or not keys.ok:
        raise typer.Exit(1)


def _print_key_log(report: KeyLogReport, *, to: Console) -> None:
    """The vendor key log's verdict (on stderr with ``--json``, so that stdout stays the JSON report)."""
    for problem in report.problems:
        to.print(f"[red]VENDOR KEYS BROKEN[/red] {escape(problem)}", soft_wrap=True)
    if report.ok:
        to.print(f"vendor key log: {report.events} events, ok")


async def _verify_bids(
    engine: AsyncEngine, tenant: str | None, master: MasterKey | None
) -> dict[str, TenantBids]:
    """Every stored bid bundle checked against its receipt and ``bid.received`` entry (none opened)."""
    return {found.slug: found for found in await verify_tenant_bids(engine, tenant, master=master)}


def _master_if_at_hand(settings: Settings) -> MasterKey | None:
    """The master key, to tell the hub's receipt keys from rows anyone could insert; without it (an
    auditor's machine, say) every stored receipt key is taken on trust, and stderr says so."""
    try:
        return MasterKey.of(settings)
    except MasterKeyMissing:
        stderr.print(
            "receipt keys taken as stored: set LPSE_HUB_MASTER_KEY to check that each is the hub's own",
            markup=False,
        )
        return None


def _print_bids(found: Iterable[TenantBids]) -> None:
    for tenant in found:
        if tenant.error is not None:
            stdout.print(f"[red]BIDS NOT CHECKED[/red] {tenant.slug}: {escape(tenant.error)}", soft_wrap=True)
        for m in tenant.mismatches:
            stdout.print(
                f"[red]BID TAMPERED[/red] {tenant.slug} tender {m.tender_id} vendor {m.vendor_id} "
                f"bid {m.bid_id} ({m.check}): {escape(m.problem)}",
                soft_wrap=True,
            )


@app.command()
def anchor(tenant: AnyTenantOption = None, as_json: JsonOption = False) -> None:
    """Record each tenant's log head in the hub, where later verification checks it (exit 1 on error)."""
    concurrency = load_settings().migration_concurrency

    async def work(engine: AsyncEngine) -> list[TenantAnchor]:
        return await anchor_tenants(engine, concurrency=concurrency, slug=tenant)

    results = run(work)
    if as_json:
        print_json([r.to_dict() for r in results])
    else:
        for r in results:
            if r.error is not None:
                stdout.print(f"[red]failed[/red] {r.slug}: {escape(r.error)}", soft_wrap=True)
            elif r.anchor is not None:
                stdout.print(f"anchored {r.slug} at entry {r.anchor.seq} ({r.anchor.hash[:16]}...)")
            else:
                stdout.print(f"{r.slug}: nothing new to anchor")
    if any(r.error is not None for r in results):
        raise typer.Exit(1)


def _verify_against(source: str, tenant: str | None, concurrency: int, *, to: Console) -> None:
    """Compare the logs (each tenant's, and the vendor key log, whatever ``tenant``) with saved
    checkpoints first: one line per contradiction, then exit 1
    (on stderr with ``--json``, so that stdout stays the JSON report)."""
    with reported_errors():
        saved = load_saved_checkpoints(source)

    async def work(engine: AsyncEngine) -> list[str]:
        problems = await compare_tenants(engine, saved, concurrency=concurrency, slug=tenant)
        async with hub_sessions(engine)() as session:
            return problems + await compare_key_log(session, saved)

    problems = run(work)
    for problem in problems:
        to.print(f"[red]REWRITTEN[/red] {escape(problem)}", soft_wrap=True)
    if problems:
        raise typer.Exit(1)
    stderr.print(f"{len(saved)} saved checkpoints hold")
