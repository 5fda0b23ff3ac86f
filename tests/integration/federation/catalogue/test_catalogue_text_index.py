"""The catalogue's text index keeps a short pending list (hub migration h0023): a search reads at
most 64 kB of it, whatever was written since the last vacuum."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.catalogue_rows import seed_catalogue


async def test_new_rows_wait_in_a_short_pending_list(clean_identity: AsyncEngine) -> None:
    await seed_catalogue(clean_identity)
    async with clean_identity.connect() as connection:
        options = await connection.scalar(
            text("SELECT reloptions FROM pg_class WHERE oid = 'hub.ix_catalogue_search'::regclass")
        )
        pending_pages = await connection.scalar(
            text("SELECT gin_clean_pending_list('hub.ix_catalogue_search'::regclass)")
        )
    assert options == ["gin_pending_list_limit=64"]
    assert pending_pages <= 9  # 30,000 rows inserted; the default list would hold hundreds of pages
