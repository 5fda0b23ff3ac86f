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
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import schema_of
from hub.core.database_lifetime import engine_for, running_database
from hub.core.errors import DatabaseUnavailable, HubError, InvalidInput
from hub.core.migrations import grant_serving_role, migrate_hub, schema_revisions
from hub.core.settings import Settings
from tenants.registry import Tenant

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
        orig = getattr(exc, "orig", None)
        if "42501" in (
            getattr(orig, "sqlstate", None),
            getattr(getattr(orig, "__cause__", None), "sqlstate", None),
        ):
            first_line += f"; {NOT_PERMITTED}"
        raise fail(f"database error: {first_line}") from None


NOT_PERMITTED = (
    "changing schemas needs the owner's role (LPSE_HUB_OWNER_DATABASE_URL); "
    "the serving role's grants come from `lpse-hub db upgrade`"
)
NOT_MIGRATED = "the database has no hub schema yet: run `lpse-hub db upgrade` first"


async def first_use(engine: AsyncEngine, settings: Settings) -> None:
    """Make sure the hub schema is there, and open to the serving role, before a command reads it.

    On the embedded database, the hub's own server in its data directory, a first command migrates
    the hub schema and grants the serving role its privileges (as the owner), as ``serve`` would:
    nobody else's data is there. On an external database the command stops with one line saying
    what to run: migrating someone's server is the operator's decision (``db upgrade``, or the
    chart's migration Job), never a side effect."""
    migrated = (await schema_revisions(engine, ["hub"]))["hub"] is not None
    if migrated and not settings.embedded_database:
        return
    if not migrated and not settings.embedded_database:
        raise DatabaseUnavailable(NOT_MIGRATED)
    if migrated and await _may_use_hub(engine):
        return
    async with engine_for(settings, long_running=True, as_owner=True) as owner:
        if not migrated:
            await migrate_hub(owner)
            stderr.print("first use of the embedded database: the hub schema was migrated")
        await grant_serving_role_everywhere(owner, settings.serving_role)


async def _may_use_hub(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        return bool(await connection.scalar(text("SELECT has_schema_privilege('hub', 'USAGE')")))


async def grant_serving_role_everywhere(owner: AsyncEngine, role: str | None) -> None:
    """Grant ``role`` (``Settings.serving_role``; ``None``: one role does all, nothing to grant)
    what serving needs on the hub schema and every tenant's, in one transaction of the owner's."""
    if role is None:
        return
    async with owner.begin() as connection:
        codes = (await connection.execute(select(Tenant.code).order_by(Tenant.code))).scalars()
        await grant_serving_role(connection, role, [schema_of(code) for code in codes])


def run(work: Callable[[AsyncEngine], Awaitable[T]], *, migrated: bool = True) -> T:
    """Run ``work`` with the hub's engine, starting the embedded database if none is configured.
    It connects as the role the hub serves as. ``migrated``: the command reads the hub schema
    (``first_use`` checks it is there first)."""
    return _run(lambda engine, _settings: work(engine), migrated=migrated, as_owner=False)


def run_as_owner(work: Callable[[AsyncEngine, str | None], Awaitable[T]], *, migrated: bool = True) -> T:
    """``run`` for a command that changes schemas (migrations, provisioning, deleting a tenant,
    re-wrapping keys): its engine connects as the owner (``Settings.owner_database_url``), and
    ``work`` gets the serving role to grant to as well (``Settings.serving_role``)."""
    return _run(lambda engine, ready: work(engine, ready.serving_role), migrated=migrated, as_owner=True)


def _run(work: Callable[[AsyncEngine, Settings], Awaitable[T]], *, migrated: bool, as_owner: bool) -> T:
    settings = load_settings()

    async def main(ready: Settings) -> T:
        # Commands include the long ones (migrations, provisioning, rebuilds, verifications), whose
        # statements the request timeouts must not cut short: only connecting is bounded.
        async with engine_for(ready, long_running=True, as_owner=as_owner) as engine:
            if migrated:
                await first_use(engine, ready)
            return await work(engine, ready)

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
