"""How every command runs: settings, the database, errors as one line, output as JSON or text.

A command hands ``run`` an async function of the engine. Our errors become one line on stderr
and the error's exit code (2 for bad input, 1 otherwise); a traceback is shown only with
``LPSE_HUB_DEBUG=1``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database_lifetime import engine_for, running_database
from hub.core.errors import DatabaseUnavailable, HubError, InvalidInput
from hub.core.migrations import migrate_hub, schema_revisions
from hub.core.settings import Settings

T = TypeVar("T")
stdout = Console(highlight=False)
stderr = Console(stderr=True, highlight=False)


def exit_code(error: HubError) -> int:
    """2 for input the user can correct (a usage error), 1 for everything else."""
    return 2 if isinstance(error, InvalidInput) else 1


def fail(message: str, code: int = 1) -> typer.Exit:
    stderr.print(f"error: {message}", markup=False, soft_wrap=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except HubError as exc:
        raise fail(exc.detail, exit_code(exc)) from None


@contextmanager
def reported_errors(settings: Settings | None = None) -> Iterator[None]:
    """Turn what goes wrong into one line on stderr and an exit code."""
    try:
        yield
    except HubError as exc:
        if settings is not None and settings.debug:
            raise
        raise fail(exc.detail, exit_code(exc)) from None
    except TimeoutError:  # asyncpg's connect timeout (commands have no statement timeouts)
        if settings is not None and settings.debug:
            raise
        raise fail("the database did not answer in time: is it running and reachable?") from None
    except (SQLAlchemyError, OSError) as exc:
        if settings is not None and settings.debug:
            raise
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise fail(f"database error: {first_line}") from None


NOT_MIGRATED = "the database has no hub schema yet: run `lpse-hub db upgrade` first"


async def first_use(engine: AsyncEngine, *, embedded: bool) -> None:
    """Make sure the hub schema is there before a command reads it.

    On the embedded database, the hub's own server in its data directory, a first command migrates
    the hub schema, as ``serve`` would: nobody else's data is there. On an external database the
    command stops with one line saying what to run: migrating someone's server is the operator's
    decision (``db upgrade``, or the chart's migration Job), never a side effect."""
    if (await schema_revisions(engine, ["hub"]))["hub"] is not None:
        return
    if not embedded:
        raise DatabaseUnavailable(NOT_MIGRATED)
    await migrate_hub(engine)
    stderr.print("first use of the embedded database: the hub schema was migrated")


def run(work: Callable[[AsyncEngine], Awaitable[T]], *, migrated: bool = True) -> T:
    """Run ``work`` with the hub's engine, starting the embedded database if none is configured.
    ``migrated``: the command reads the hub schema (``first_use`` checks it is there first)."""
    settings = load_settings()

    async def main(ready: Settings) -> T:
        # Commands include the long ones (migrations, provisioning, rebuilds, verifications), whose
        # statements the request timeouts must not cut short: only connecting is bounded.
        async with engine_for(ready, long_running=True) as engine:
            if migrated:
                await first_use(engine, embedded=ready.embedded_database)
            return await work(engine)

    with reported_errors(settings), running_database(settings) as ready:
        return asyncio.run(main(ready))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n")


@contextmanager
def progress_bar(description: str, total: int, *, enabled: bool) -> Iterator[Callable[[object], None]]:
    """A progress bar on stderr; silent with ``--json`` or when stderr is not a terminal."""
    if not enabled or not stderr.is_terminal:
        yield lambda _done: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield lambda _done: progress.advance(task)
