"""A tenant schema built from the recorded script is the schema the tenant migrations build."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateSchema

from hub.core.database import hub_sessions
from hub.core.migrations import TENANT_HISTORY, grant_tenant_schema, migrate_tenant_schema
from tenants.registry import delete_tenant
from tests.conftest import make_tenant, serving_role_of

# What a schema is made of, read from the catalogue without OIDs (which differ between builds).
_CATALOGUE = {
    "namespace": """
        SELECT pg_get_userbyid(nspowner), nspacl::text FROM pg_namespace WHERE nspname = :schema""",
    "relations": """
        SELECT c.relname, c.relkind::text, c.relpersistence, c.reloptions::text, c.relacl::text,
               pg_get_userbyid(c.relowner), c.relchecks, c.relhastriggers, c.relreplident,
               am.amname, t.relname IS NOT NULL AS has_toast
        FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam
        LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
        WHERE c.relnamespace = CAST(:schema AS regnamespace) ORDER BY c.relname""",
    "columns": """
        SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               a.attidentity, a.attgenerated, a.attstorage, a.attcompression, a.attisdropped,
               a.attstattarget, a.attcollation::regcollation::text, a.attacl::text,
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = CAST(:schema AS regnamespace) AND a.attnum > 0
        ORDER BY c.relname, a.attnum""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable,
               k.convalidated, k.connoinherit
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE k.connamespace = CAST(:schema AS regnamespace) ORDER BY c.relname, k.conname""",
    "indexes": """
        SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :schema ORDER BY indexname""",
    "sequences": """
        SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax,
               s.seqmin, s.seqcache, s.seqcycle, pg_get_serial_sequence(
                   quote_ident(:schema) || '.' || quote_ident(t.relname), a.attname) IS NOT NULL
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
        JOIN pg_depend d ON d.objid = s.seqrelid AND d.classid = 'pg_class'::regclass
             AND d.refclassid = 'pg_class'::regclass
        JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE c.relnamespace = CAST(:schema AS regnamespace) ORDER BY c.relname""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = CAST(:schema AS regnamespace) AND NOT t.tgisinternal
        ORDER BY c.relname, t.tgname""",
    "functions": """
        SELECT p.proname, pg_get_functiondef(p.oid), p.proacl::text, pg_get_userbyid(p.proowner)
        FROM pg_proc p WHERE p.pronamespace = CAST(:schema AS regnamespace) ORDER BY p.proname""",
    "comments": """
        SELECT c.relname, d.objsubid, d.description FROM pg_description d
        JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
        WHERE c.relnamespace = CAST(:schema AS regnamespace) ORDER BY c.relname, d.objsubid""",
}


async def _snapshot(connection: AsyncConnection, schema: str) -> dict[str, Any]:
    """The schema's catalogue entries and every row of its tables (times of day left out)."""
    found: dict[str, Any] = {}
    for part, query in _CATALOGUE.items():
        found[part] = [tuple(row) for row in await connection.execute(text(query), {"schema": schema})]
    tables = [name for name, kind, *_ in found["relations"] if kind == "r"]
    for table in tables:
        rows = await connection.execute(
            text(f'SELECT to_jsonb(t) FROM "{schema}"."{table}" t ORDER BY to_jsonb(t)::text')
        )
        found[f"rows of {table}"] = [
            {k: v for k, v in row.items() if not k.endswith("_at")} for row in rows.scalars()
        ]
    return found


async def _snapshot_of_tenant(hub: AsyncEngine, slug: str, code: str) -> dict[str, Any]:
    tenant = await make_tenant(hub, slug, code)
    async with hub.connect() as connection:
        snapshot = await _snapshot(connection, tenant.schema)
    async with hub_sessions(hub)() as session, session.begin():
        await delete_tenant(session, slug)
    return snapshot


async def _snapshot_of_migrations(hub: AsyncEngine, schema: str) -> dict[str, Any]:
    async with hub.begin() as connection:
        await connection.execute(CreateSchema(schema))
        await migrate_tenant_schema(connection, schema)
        await grant_tenant_schema(connection, serving_role_of(hub.url.database), schema)  # as db upgrade
    try:
        async with hub.connect() as connection:
            return await _snapshot(connection, schema)
    finally:
        async with hub.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.mark.parametrize(
    ("slug", "code"), [("kab-malang", "3507"), ("jawa-timur", "35")], ids=["regency", "province"]
)
async def test_a_provisioned_schema_is_identical_to_one_the_migrations_build(
    hub: AsyncEngine, slug: str, code: str
) -> None:
    provisioned = await _snapshot_of_tenant(hub, slug, code)
    migrated = await _snapshot_of_migrations(hub, f"t_{code}")

    assert provisioned["rows of alembic_version"] == [{"version_num": TENANT_HISTORY.head}]
    assert len(provisioned["relations"]) > 40  # tables, indexes, sequences: the comparison has substance
    assert provisioned["triggers"]
    assert provisioned["functions"]
    assert provisioned["rows of procurement_rules"]
    for part in migrated:
        assert provisioned[part] == migrated[part], part
    assert provisioned.keys() == migrated.keys()


async def test_a_new_tenant_schema_is_sent_in_one_statement(hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-blitar", "3505")  # the first of this length records the script
    sent: list[str] = []

    def count(_conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(hub.sync_engine, "before_cursor_execute", count)
    try:
        await make_tenant(hub, "kab-malang", "3507")
    finally:
        event.remove(hub.sync_engine, "before_cursor_execute", count)
    assert not any("CREATE TABLE" in statement for statement in sent)  # not one by one, as migrations do
    # registry reads and writes, CREATE SCHEMA, the tables the serving role is granted, Citus detection
    assert len(sent) <= 9, sent
