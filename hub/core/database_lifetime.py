"""Where a hub process gets its database: the configured server, or the embedded one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import create_engine
from hub.core.embedded_postgres import embedded_postgres, serving_url
from hub.core.settings import Settings


@contextmanager
def running_database(settings: Settings) -> Iterator[Settings]:
    """Yield settings with a database URL, running the embedded server meanwhile if none is set
    (its superuser owns the schemas; the hub serves as its restricted role ``lpse_hub``)."""
    if settings.database_url is not None:
        yield settings
        return
    with embedded_postgres(settings.data_dir) as owner_url:
        yield settings.with_database_url(serving_url(owner_url), owner_url=owner_url, embedded=True)


@asynccontextmanager
async def engine_for(
    settings: Settings, *, long_running: bool = False, as_owner: bool = False
) -> AsyncIterator[AsyncEngine]:
    """The process's one engine, disposed of (pool closed) on the way out; ``long_running`` for a
    command's, whose statements the request timeouts do not bound, ``as_owner`` for one that changes
    schemas (``create_engine``)."""
    engine = create_engine(settings, long_running=long_running, as_owner=as_owner)
    try:
        yield engine
    finally:
        await engine.dispose()
