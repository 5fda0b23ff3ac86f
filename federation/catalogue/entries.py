"""Writing catalogue rows: insert, or update the row of the same origin and ocid."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.models import CatalogueEntry


async def upsert_entry(
    session: AsyncSession, origin: str, ocid: str, values: dict[str, object], now: datetime
) -> None:
    await session.execute(entry_upsert(origin, ocid, values, now))


def entry_upsert(origin: str, ocid: str, values: dict[str, object], now: datetime) -> Insert:
    """The statement of ``upsert_entry``, for a caller that sends it with another (a CTE)."""
    statement = insert(CatalogueEntry).values(origin=origin, ocid=ocid, updated_at=now, **values)
    return statement.on_conflict_do_update(
        constraint="uq_catalogue_origin_ocid",
        set_={**{k: statement.excluded[k] for k in values}, "updated_at": now},
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
