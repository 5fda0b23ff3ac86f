"""``lpse-hub peer add|list|sync``: follow other hubs' feeds into this hub's catalogue, and keep the
audit checkpoints they publish."""

from __future__ import annotations

from typing import Annotated

import httpx
import typer
from rich.markup import escape
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, print_json, run, stderr, stdout
from cli.options import JsonOption
from federation.catalogue.peers import SyncReport, add_peer, list_peers, sync_peer
from hub.core.database import hub_sessions

app = typer.Typer(no_args_is_help=True, help="Peer hubs whose tenders this hub's catalogue follows.")


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="A short name, e.g. jateng.", show_default=False)],
    url: Annotated[str, typer.Argument(help="The peer hub's base URL.", show_default=False)],
) -> None:
    """Follow a peer hub's change feed (from its beginning, at the next sync)."""

    async def work(engine: AsyncEngine) -> None:
        async with hub_sessions(engine)() as session, session.begin():
            await add_peer(session, name, url)

    run(work)
    stdout.print(f"peer {name} added: {url}")


@app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """The peers, their URLs and when each was last synced."""

    async def work(engine: AsyncEngine) -> list[dict[str, str | None]]:
        async with hub_sessions(engine)() as session:
            return [
                {"name": p.name, "url": p.url, "synced_at": p.synced_at.isoformat() if p.synced_at else None}
                for p in await list_peers(session)
            ]

    peers = run(work)
    if as_json:
        print_json(peers)
    else:
        for p in peers:
            stdout.print(f"{p['name']}  {p['url']}  last synced {p['synced_at'] or 'never'}")


@app.command()
def sync(
    name: Annotated[
        str | None, typer.Argument(help="One peer (default: every peer).", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Feed entries per page.")] = 500,
    as_json: JsonOption = False,
) -> None:
    """Pull new entries from the peers' feeds and keep their signed audit checkpoints; a sync cut short
    resumes where it stopped. Exit 1 when a checkpoint is refused (bad signature) or contradicts one
    kept before (a rewrite or a split view: both are kept), one line each on stderr."""

    async def work(engine: AsyncEngine) -> list[SyncReport]:
        async with hub_sessions(engine)() as session:
            names = [name] if name else [p.name for p in await list_peers(session)]
        try:
            return [await sync_peer(engine, n, limit=limit) for n in names]
        except httpx.HTTPError as exc:
            raise fail(f"peer feed: {exc}") from None

    reports = run(work)
    if as_json:
        print_json([_as_json(r) for r in reports])
    else:
        for r in reports:
            stdout.print(
                f"{r.peer}: {r.entries} entries in {r.pages} pages, {r.checkpoints} checkpoints kept"
            )
    for r in reports:
        for problem in r.conflicts:
            stderr.print(f"[red]PEER MISBEHAVES[/red] {escape(problem)}", soft_wrap=True)
        for problem in r.refused:
            stderr.print(f"[red]REFUSED[/red] {escape(problem)}", soft_wrap=True)
    if any(r.conflicts or r.refused for r in reports):
        raise typer.Exit(1)


def _as_json(report: SyncReport) -> dict[str, object]:
    return {
        "peer": report.peer,
        "pages": report.pages,
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "refused": list(report.refused),
        "conflicts": list(report.conflicts),
    }
