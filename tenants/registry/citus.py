"""Citus schema-based sharding: a new tenant's schema is distributed when the server runs Citus.

With Citus 12 or later, ``citus_schema_distribute(schema)`` turns every table of a schema into a
single-shard table of one colocation group, so the whole tenant lives on one worker node and its
queries run there unchanged (tenant schemas hold no foreign keys to other schemas, as Citus needs).

The call runs in the provisioning transaction, after the schema's migrations: Citus does not
refuse it inside a transaction block (it takes the schema's lock, converts the tables and records
the schema in its metadata, all of it undone by a rollback), so a tenant is still created whole or
not at all. If ``citus.enable_schema_based_sharding`` is on, ``CREATE SCHEMA`` has distributed the
schema already and the call only notices it. On a plain PostgreSQL server nothing is issued but
the detection, once per engine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncConnection

DETECT_CITUS = text("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
DISTRIBUTE_SCHEMA = text("SELECT citus_schema_distribute(CAST(CAST(:schema AS text) AS regnamespace))")

CitusDetector = Callable[[AsyncConnection], Awaitable[bool]]
"""Answers whether the server behind a connection runs Citus (tests inject their own)."""

_found: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


async def citus_installed(connection: AsyncConnection) -> bool:
    """Whether the database has the ``citus`` extension; asked once per engine, then remembered.

    An extension created while the hub runs is seen after a restart (new tenants are rare; a
    restart is what an operator does after adding Citus anyway).
    """
    engine = connection.sync_engine
    known = _found.get(engine)
    if known is None:
        known = await connection.scalar(DETECT_CITUS) is not None
        _found[engine] = known
    return known


async def distribute_if_citus(
    connection: AsyncConnection, schema: str, *, detect: CitusDetector = citus_installed
) -> bool:
    """Distribute ``schema`` on a Citus coordinator, in the caller's transaction; say if it did."""
    if not await detect(connection):
        return False
    await connection.execute(DISTRIBUTE_SCHEMA, {"schema": schema})
    return True
