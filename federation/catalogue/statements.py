"""A catalogue search's statements, built once per shape of search.

A search's statements hold no value (``CatalogueQuery.conditions`` binds each one), so searches
with the same filters and order send the same statements with other parameters. Building one anew
per search cost more Python than anything else in it: SQLAlchemy's constructors, then the walk of
the new object for its cache key. Built once and kept, the statement object remembers its cache key,
and its compiled form is found at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, true
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from federation.catalogue.query import CatalogueQuery

PLAN_EACH_SEARCH = (
    func.set_config("plan_cache_mode", "force_custom_plan", true()),
    func.set_config("jit", "off", true()),
)
"""Each statement of a search planned for its own words, and never compiled by JIT (``search.py``)."""
WALK = (func.set_config("enable_bitmapscan", "off", true()), func.set_config("enable_seqscan", "off", true()))
"""A page read by walking its sort's index (``search._walks``)."""
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


async def run(session: AsyncSession, statement: Executable, parameters: dict[str, Any]) -> Result[Any]:
    """``statement`` on the session's connection, as Core: its rows as tuples, no ORM in the way."""
    connection = await session.connection()
    return await connection.execute(statement, parameters)
