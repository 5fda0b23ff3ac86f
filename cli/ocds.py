"""``lpse-hub ocds export``: this hub's OCDS releases as release package files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.command_runner import fail, load_settings, run, stdout
from federation.catalogue.models import LOCAL, Change
from federation.catalogue.ocds import with_ocid
from federation.catalogue.records import public_ocid, release_package
from hub.core.database import hub_sessions

app = typer.Typer(no_args_is_help=True, help="Open Contracting Data Standard publication.")
PER_FILE = 1000


@app.command()
def export(
    out: Annotated[
        Path, typer.Option(file_okay=False, help="The directory to write into.", show_default=False)
    ],
    since: Annotated[
        str | None,
        typer.Option(help="Only releases from this date on (YYYY-MM-DD, UTC).", show_default=False),
    ] = None,
    base_uri: Annotated[
        str | None,
        typer.Option(
            help="The http(s) URL the files will be published under: each package's uri is this URL and "
            "its file name. Default: the file's own absolute file:// URI.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write every release (since a date) as release packages of 1,000: releases-000001.json, ..."""
    try:
        start = datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC) if since else None
    except ValueError:
        raise fail(f"--since {since!r} is not a date (YYYY-MM-DD)", 2) from None
    parts = urlsplit(base_uri or "")
    if base_uri is not None and (parts.scheme not in ("https", "http") or not parts.netloc or parts.query):
        raise fail(f"--base-uri {base_uri!r} is not an http(s) URL", 2)
    base = base_uri.rstrip("/") + "/" if base_uri else out.resolve().as_uri() + "/"
    prefix = load_settings().ocid_prefix
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"{out}: {exc.strerror}") from None

    async def work(engine: AsyncEngine) -> tuple[int, int]:
        query = select(Change).where(Change.origin == LOCAL).order_by(Change.position)
        if start is not None:
            query = query.where(Change.created_at >= start)
        files = written = 0
        batch: list[dict[str, object]] = []
        async with hub_sessions(engine)() as session, session.begin():
            async for change in await session.stream_scalars(query.execution_options(yield_per=PER_FILE)):
                batch.append(with_ocid(change.release, public_ocid(prefix, change.ocid), change.position))
                if len(batch) == PER_FILE:
                    files, written = files + 1, written + _write(out, base, files + 1, batch)
                    batch = []
        if batch:
            files, written = files + 1, written + _write(out, base, files + 1, batch)
        return files, written

    files, written = run(work)
    stdout.print(f"{written} releases in {files} files in {out}")


def _write(out: Path, base: str, number: int, releases: list[dict[str, object]]) -> int:
    """One package file; its ``uri`` is absolute (OCDS: the package's identifier in the world)."""
    name = f"releases-{number:06d}.json"
    package = release_package(releases, base + name, datetime.now(UTC), None)
    (out / name).write_text(json.dumps(package, ensure_ascii=False, indent=1))
    return len(releases)
