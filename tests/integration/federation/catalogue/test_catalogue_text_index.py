"""The catalogue's text index has no pending list (hub migration h0022): a search never reads one."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.catalogue_rows import seed_catalogue


async def test_new_rows_go_into_the_text_index_at_once(clean_identity: AsyncEngine) -> None:
    await seed_catalogue(clean_identity)
    async with clean_identity.connect() as connection:
        options = await connection.scalar(
            text("SELECT reloptions FROM pg_class WHERE oid = 'hub.ix_catalogue_search'::regclass")
        )
        pending = await connection.scalar(
            text("SELECT gin_clean_pending_list('hub.ix_catalogue_search'::regclass)")
        )
    assert options == ["fastupdate=off"]
    assert pending == 0  # 30,000 rows inserted, none of them queued
