"""A new tenant schema's grants name its relations: ``ON ALL TABLES IN SCHEMA`` is resolved by a scan
of the whole of ``pg_class``, which made provisioning quadratic in the tenants (docs/BENCHMARKS.md,
"Issue 20: provisioning 548 tenants"). What they grant is held by ``test_schema_script`` (a provisioned
schema's privileges equal a migrated one's) and ``test_serving_privileges``."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

from sqlalchemy import create_mock_engine
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.core.migrations.privileges import tenant_grant_statements

DIALECT = create_mock_engine("postgresql+asyncpg://", print).dialect  # quotes as the hub's connections do
CONNECTION = cast(AsyncConnection, SimpleNamespace(dialect=DIALECT))


def test_a_new_schemas_grants_name_its_tables_and_sequences() -> None:
    statements = tenant_grant_statements(
        CONNECTION, "serving", "t_3507", {"bids", "agencies", "alembic_version"}, {"agencies_id_seq"}
    )
    assert not [s for s in statements if "IN SCHEMA" in s]
    every = "t_3507.agencies, t_3507.alembic_version, t_3507.bids"
    assert f"REVOKE ALL ON TABLE {every} FROM serving" in statements
    assert f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {every} TO serving" in statements
    assert "GRANT USAGE, SELECT ON SEQUENCE t_3507.agencies_id_seq TO serving" in statements
    assert "GRANT UPDATE (superseded_at) ON t_3507.bids TO serving" in statements  # append-only, as before
    assert "GRANT SELECT ON t_3507.alembic_version TO serving" in statements


def test_a_schema_without_sequences_gets_no_sequence_grant() -> None:
    statements = tenant_grant_statements(CONNECTION, "serving", "t_3507", {"agencies"}, set())
    assert not [s for s in statements if "SEQUENCE" in s]
