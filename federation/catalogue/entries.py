"""Writing catalogue rows: insert, or update the row of the same origin and ocid."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.models import CatalogueEntry


async def upsert_entry(
    session: AsyncSession, origin: str, ocid: str, values: dict[str, object], now: datetime
) -> None:
    await session.execute(entry_upsert(values), entry_parameters(origin, ocid, values, now))


def entry_upsert(columns: Iterable[str]) -> Insert:
    """The statement of ``upsert_entry`` for rows of these ``columns``, for a caller that sends it
    with another (a CTE): its values are bind parameters named as the columns, with ``origin``,
    ``ocid`` and ``updated_at`` (``entry_parameters``).

    Built once per set of columns (issue 20: built per call, this upsert of some 28 columns and its
    ``excluded`` alias cost a publishing step more CPU than the rest of its statements' building),
    so its cache key is computed once and its compiled form is found in the engine's cache."""
    return _entry_upsert(tuple(columns))


def entry_parameters(origin: str, ocid: str, values: dict[str, object], now: datetime) -> dict[str, Any]:
    """The parameters of ``entry_upsert(values)``: the row ``values`` of ``origin``, ``ocid`` at ``now``."""
    return {**values, "origin": origin, "ocid": ocid, "updated_at": now}


@functools.cache
def _entry_upsert(columns: tuple[str, ...]) -> Insert:
    named = ("origin", "ocid", "updated_at", *columns)
    statement = insert(CatalogueEntry).values({name: bindparam(name) for name in named})
    return statement.on_conflict_do_update(
        constraint="uq_catalogue_origin_ocid",
        set_={name: statement.excluded[name] for name in (*columns, "updated_at")},
    )


async def upsert_entries(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """Many rows in one executemany; each row has ``origin``, ``ocid``, ``updated_at`` and the same values."""
    if not rows:
        return
    statement = insert(CatalogueEntry)
    kept = {"origin", "ocid"}
    await session.execute(
        statement.on_conflict_do_update(
            constraint="uq_catalogue_origin_ocid",
            set_={k: statement.excluded[k] for k in rows[0] if k not in kept},
        ),
        rows,
    )
