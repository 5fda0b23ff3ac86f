"""A catalogue search's statements, built once per shape of search.

A search's statements hold no value (``CatalogueQuery.conditions`` binds each one), so searches
with the same filters and order send the same statements with other parameters. Building one anew
per search cost more Python than anything else in it: SQLAlchemy's constructors, then the walk of
the new object for its cache key. Built once and kept, the statement object remembers its cache key,
and its compiled form is found at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, false, func, null, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable

from federation.catalogue.query import CatalogueQuery
from hub.core.direct import rows_in_autocommit

Database = AsyncSession | AsyncConnection
"""Where a search's statements run: a session's connection (in its transaction), or a connection of
its own in autocommit (``search.search_page``)."""

PLAN_EACH_SEARCH = (
    func.set_config("plan_cache_mode", "force_custom_plan", false()),
    func.set_config("jit", "off", false()),
)
"""Each statement of a search planned for its own words, and never compiled by JIT (``search.py``).

Set for the connection's session, not its transaction (``is_local`` false): a search's statements
may run in autocommit, each its own transaction, and these must hold for the statements after the
one that sets them. The search's last statement puts them back (``RESET_SEARCH``) as it runs, after
its own plan; a search that ends otherwise puts them back on its own (``reset``)."""
WALK = (
    func.set_config("enable_bitmapscan", "off", false()),
    func.set_config("enable_seqscan", "off", false()),
)
"""A page read by walking its sort's index (``search._walks``); put back as ``PLAN_EACH_SEARCH``."""
SETTINGS = ("plan_cache_mode", "jit", "enable_bitmapscan", "enable_seqscan")
RESET_SEARCH = tuple(func.set_config(name, null(), false()) for name in SETTINGS)
"""Every setting a search may have made, back to the session's default (``set_config`` with no value
is ``RESET``): the server's, or what the connection was opened with."""
PLAN_EACH_SEARCH_IN_TRANSACTION = (
    func.set_config("plan_cache_mode", "force_custom_plan", true()),
    func.set_config("jit", "off", true()),
)
"""``PLAN_EACH_SEARCH`` until the transaction ends, for a recount in a transaction of its own."""


def resetting() -> ColumnElement[str]:
    """``RESET_SEARCH`` as a scalar subquery: computed once, as the statement carrying it runs (an
    InitPlan), so after the statement was planned with the settings it puts back."""
    return select(func.concat(*RESET_SEARCH)).scalar_subquery()


_RESET = select(*RESET_SEARCH)


async def reset(database: Database) -> None:
    """Put back what a search set, when it ends before its last statement (an unknown tenant)."""
    await run(database, _RESET, {})


Built = TypeVar("Built")
MOST = 2_048
"""Shapes kept: far more than there are (a few filters, five orders); a bound all the same."""
_BUILT: dict[Hashable, Any] = {}


def built(
    name: str, query: CatalogueQuery, build: Callable[[CatalogueQuery], Built], *more: Hashable
) -> Built:
    """``build(query)``, kept for every query of the same shape (and ``more``)."""
    key = (name, query.shape(), *more)
    found = _BUILT.get(key)
    if found is None:
        if len(_BUILT) >= MOST:
            _BUILT.clear()
        found = _BUILT[key] = build(query)
    return found


Rows = Sequence[Sequence[Any]]
"""A statement's rows, each indexed and sliced as a tuple (SQLAlchemy's ``Row`` or asyncpg's record)."""


async def run(database: Database, statement: Executable, parameters: dict[str, Any]) -> Rows:
    """``statement``'s rows, on the session's connection (or on ``database`` itself), as Core: tuples,
    no ORM in the way. On a connection in autocommit (the API's search, ``search.search_page``) it
    goes to asyncpg directly (``hub.core.direct``): SQLAlchemy's execution of a statement (its
    compiled cache's lookup, execution context, cursor and result, an array's result processor) was
    a fifth of a served search's Python, more than asyncpg's own work (issue 20)."""
    if isinstance(database, AsyncConnection):
        records = await rows_in_autocommit(database, statement, parameters)
        if records is not None:
            return records
    connection = await database.connection() if isinstance(database, AsyncSession) else database
    return (await connection.execute(statement, parameters)).all()


def first_value(rows: Rows) -> Any:
    """The first column of the first row, ``None`` without a row (SQLAlchemy's ``Result.scalar``)."""
    return rows[0][0] if rows else None
