"""On a Citus coordinator a new tenant's schema is distributed in its provisioning transaction.

This server has no Citus. The detection runs for real and answers no; to see the other side, the
tests inject a detector that answers yes and create ``citus_schema_distribute(regnamespace)`` as a
stub with Citus' signature, which records the schema it was given and how many tables it held.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.core.database import create_engine, hub_sessions
from hub.core.settings import Settings
from tenants.registry import Tenant, TenantSpec, create_tenant
from tenants.registry.citus import citus_installed

STUB = """
CREATE FUNCTION public.citus_schema_distribute(target regnamespace) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF target::text = 't_3508' THEN
        RAISE EXCEPTION 'schema % cannot be distributed (injected)', target;
    END IF;
    INSERT INTO public.citus_calls (schema_name, tables)
    SELECT target::text, count(*) FROM pg_tables WHERE schemaname = target::text;
END $$
"""


async def citus_says_yes(connection: AsyncConnection) -> bool:
    return True


@pytest_asyncio.fixture
async def fresh_engine(hub: AsyncEngine, settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine of the test's own, so that nothing is remembered about Citus before it."""
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def stub(hub: AsyncEngine) -> AsyncIterator[None]:
    async with hub.begin() as connection:
        await connection.execute(text("CREATE TABLE public.citus_calls (schema_name text, tables int)"))
        await connection.execute(text(STUB))
    yield
    async with hub.begin() as connection:
        await connection.execute(text("DROP FUNCTION public.citus_schema_distribute(regnamespace)"))
        await connection.execute(text("DROP TABLE public.citus_calls"))


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement ``engine`` sends while the block runs, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def about_citus(sent: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [(s, p) for s, p in sent if "citus" in s]


async def tenant_rows(engine: AsyncEngine) -> list[str]:
    async with hub_sessions(engine)() as session:
        return sorted((await session.execute(select(Tenant.slug))).scalars())


async def schema_exists(engine: AsyncEngine, schema: str) -> bool:
    async with engine.connect() as connection:
        query = text("SELECT count(*) FROM pg_namespace WHERE nspname = :schema")
        return bool(await connection.scalar(query, {"schema": schema}))


async def provision(engine: AsyncEngine, slug: str, code: str, **kwargs: Any) -> None:
    async with hub_sessions(engine)() as session, session.begin():
        await create_tenant(session, TenantSpec(slug=slug, code=code), **kwargs)


async def test_without_citus_only_the_detection_is_issued_once_per_engine(fresh_engine: AsyncEngine) -> None:
    with statements(fresh_engine) as sent:
        await provision(fresh_engine, "kab-malang", "3507")
        await provision(fresh_engine, "kab-lumajang", "3508")
    assert about_citus(sent) == [("SELECT 1 FROM pg_extension WHERE extname = 'citus'", ())]
    assert await tenant_rows(fresh_engine) == ["kab-lumajang", "kab-malang"]
    async with fresh_engine.connect() as connection:
        assert await citus_installed(connection) is False


async def test_with_citus_the_new_schema_is_distributed_after_its_migrations(
    fresh_engine: AsyncEngine, stub: None
) -> None:
    with statements(fresh_engine) as sent:
        await provision(fresh_engine, "kab-malang", "3507", citus=citus_says_yes)
    assert about_citus(sent) == [
        ("SELECT citus_schema_distribute(CAST(CAST($1 AS text) AS regnamespace))", ("t_3507",))
    ]
    async with fresh_engine.connect() as connection:
        calls = (await connection.execute(text("SELECT schema_name, tables FROM public.citus_calls"))).all()
        tables = await connection.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 't_3507'"))
    # It saw every table of the tenant (the schema was built before it), and was called once.
    assert calls == [("t_3507", tables)]
    assert (tables or 0) > 5  # the tenant's tables, not an empty schema


async def test_a_schema_citus_refuses_leaves_no_tenant_behind(fresh_engine: AsyncEngine, stub: None) -> None:
    with pytest.raises(Exception, match="cannot be distributed"):
        await provision(fresh_engine, "kab-lumajang", "3508", citus=citus_says_yes)
    assert await tenant_rows(fresh_engine) == []
    assert not await schema_exists(fresh_engine, "t_3508")
