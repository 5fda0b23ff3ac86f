"""A tenant schema built from the recorded script is the schema the tenant migrations build."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateSchema

import hub.core.migrations.schema_script as schema_script
from hub.core.database import hub_sessions
from hub.core.migrations import (
    TENANT_HISTORY,
    History,
    create_tenant_schema,
    grant_tenant_schema,
    migrate_tenant_schema,
    tenant_schema_script,
)
from tenants.registry import delete_tenant, provision_province
from tests.conftest import make_tenant, serving_role_of

# What a schema is made of, read from the catalogue without OIDs (which differ between builds).
_CATALOGUE = {
    "namespace": """
        SELECT pg_get_userbyid(nspowner), nspacl::text FROM pg_namespace WHERE nspname = :schema""",
    "relations": """
        SELECT c.relname, c.relkind::text, c.relpersistence, c.reloptions::text, c.relacl::text,
               pg_get_userbyid(c.relowner), c.relchecks, c.relhastriggers, c.relreplident,
               c.relrowsecurity, c.relforcerowsecurity, am.amname, t.relname IS NOT NULL AS has_toast
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
    "function comments": """
        SELECT p.proname, d.description FROM pg_description d
        JOIN pg_proc p ON p.oid = d.objoid AND d.classoid = 'pg_proc'::regclass
        WHERE p.pronamespace = CAST(:schema AS regnamespace) ORDER BY p.proname""",
    "policies": """
        SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check
        FROM pg_policies WHERE schemaname = :schema ORDER BY tablename, policyname""",
    "sequence state": """
        SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :schema ORDER BY sequencename""",
    "types": """
        SELECT t.typname, t.typtype, format_type(t.oid, NULL), pg_get_userbyid(t.typowner),
               t.typacl::text, (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)
                                FROM pg_enum e WHERE e.enumtypid = t.oid)
        FROM pg_type t WHERE t.typnamespace = CAST(:schema AS regnamespace) ORDER BY t.typname""",
    "views": """
        SELECT viewname, definition FROM pg_views WHERE schemaname = :schema ORDER BY viewname""",
    "default privileges": """
        SELECT pg_get_userbyid(defaclrole), defaclobjtype, defaclacl::text FROM pg_default_acl
        WHERE defaclnamespace = CAST(:schema AS regnamespace) ORDER BY 1, 2""",
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
    # The registry's duplicate check and its INSERT ... RETURNING (no reread of the row); CREATE SCHEMA,
    # the tables and the grants go as one query on the driver; Citus is detected once per engine.
    assert [statement.split()[0] for statement in sent] == ["SELECT", "INSERT"], sent


_LATER_REVISION = textwrap.dedent(
    '''
    """later: what a future tenant migration may do, which a new schema must get as the migrations give it"""
    from hub.core.migrations.op import current_schema, op
    revision = "later0001"
    down_revision = {head!r}
    branch_labels = None
    depends_on = None
    def upgrade() -> None:
        schema = current_schema()
        op.execute(f"ALTER TABLE {{schema}}.agencies ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY agencies_named ON {{schema}}.agencies USING (name <> '')")
        op.execute(f"COMMENT ON TABLE {{schema}}.agencies IS 'satuan kerja'")
        op.execute(f"CREATE TYPE {{schema}}.urgency AS ENUM ('low', 'high')")
        op.execute(f"SELECT setval('{{schema}}.agencies_id_seq', 100)")  # a statement that is a SELECT
    def downgrade() -> None:
        raise NotImplementedError
    '''
)


async def _snapshot_built_by(
    hub: AsyncEngine, schema: str, history: History, *, fast: bool
) -> dict[str, Any]:
    """Build ``schema`` by the fast path or by the migrations, snapshot it, and roll it all back."""
    role = serving_role_of(hub.url.database)
    async with hub.connect() as connection:
        if fast:
            assert await tenant_schema_script(connection, schema, history) is not None  # replayable
            await create_tenant_schema(connection, schema, history, serving_role=role)
        else:
            await connection.execute(CreateSchema(schema))
            await migrate_tenant_schema(connection, schema, history=history)
            await grant_tenant_schema(connection, role, schema)
        snapshot = await _snapshot(connection, schema)
        await connection.rollback()
    return snapshot


async def test_a_later_revision_reaches_a_new_schema_as_the_migrations_give_it(
    hub: AsyncEngine, tmp_path: Path
) -> None:
    history = History("tenant", tmp_path)
    shutil.copytree(TENANT_HISTORY.directory, tmp_path, dirs_exist_ok=True)
    (tmp_path / "versions" / "later0001.py").write_text(_LATER_REVISION.format(head=TENANT_HISTORY.head))

    provisioned = await _snapshot_built_by(hub, "t_9901", history, fast=True)
    migrated = await _snapshot_built_by(hub, "t_9901", history, fast=False)

    assert provisioned["rows of alembic_version"] == [{"version_num": "later0001"}]
    assert provisioned["policies"]
    assert provisioned["types"]
    assert ("agencies", 0, "satuan kerja") in provisioned["comments"]
    assert ("agencies_id_seq", 100) in provisioned["sequence state"]
    assert provisioned == migrated


async def test_provisioning_a_province_records_the_script_once_for_each_name_length(
    hub: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema_script, "_scripts", {})  # as in a process that has provisioned nothing
    recordings: list[str] = []

    def count(_conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("CREATE SCHEMA t_$"):
            recordings.append(statement)

    event.listen(hub.sync_engine, "before_cursor_execute", count)
    try:
        report = await provision_province(hub, "35", concurrency=8)
    finally:
        event.remove(hub.sync_engine, "before_cursor_execute", count)
    assert (len(report.created), report.failed) == (39, {})
    assert sorted(recordings) == ["CREATE SCHEMA t_$$", "CREATE SCHEMA t_$$$$"]  # province, regencies
