"""What the serving role may do to the tables: granted by the owner, after migrations and provisioning.

The hub serves as a role that owns nothing (``Settings.serving_role``); the schemas belong to the
role that migrates them. Owning a table is what lets a role ``ALTER TABLE ... DISABLE TRIGGER``,
drop the audit log's append-only trigger, ``TRUNCATE`` or grant itself more, so the serving role
gets only privileges, granted here, and only those serving needs:

- every table of the ``hub`` schema and of each tenant schema: ``SELECT, INSERT, UPDATE, DELETE``;
- the records the hub only ever appends to (``APPEND_ONLY``): ``SELECT, INSERT``, and ``UPDATE`` of
  the columns named there and no other: a bid is superseded by setting ``superseded_at``, so its
  bundle, hashes and receipt cannot be changed;
- the migrations' own version tables: ``SELECT`` (readiness reads them);
- the tables derived by triggers (``DERIVED``): ``SELECT``; the trigger writes them as the owner;
- every sequence: ``USAGE, SELECT`` (``nextval`` in a trigger, e.g. the feed position a checkpoint
  takes), never ``UPDATE``, so ``setval`` cannot move the change feed's positions back;
- never ``TRUNCATE``, ``REFERENCES``, ``TRIGGER``, nor ``CREATE`` in a schema.

The grants are exact, not added to: each run revokes what the role held on a schema's tables and
grants this again, in one transaction, so a grant made by hand is undone by the next ``db upgrade``.
``GRANT ... ON ALL TABLES`` covers a table a later migration adds; ``tests/integration/hub/core/
test_serving_privileges.py`` holds the role to it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.core.database import HUB_SCHEMA
from hub.core.errors import ConfigurationError
from hub.core.migrations.runner import VERSION_TABLE

APPEND_ONLY: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    HUB_SCHEMA: {
        "audit_anchors": (),
        "audit_checkpoints": (),
        "changes": (),  # the change feed: a published release stays; a correction is a new entry
        "checkpoint_keys": (),  # re-wrapped by `keys rotate-master`, which runs as the owner
        "peer_checkpoint_keys": (),  # a peer's keys and checkpoints as first seen (peer sync)
        "peer_checkpoints": (),
        "receipt_keys": (),
        "recorded_outages": (),  # an outage recorded by hand stays as recorded (issue 21)
        "tenant_keys": (),
        "vendor_key_events": (),  # the vendor key log: chained, appended to
        # A key is revoked once, by setting these; its public half and registration stay as written.
        "vendor_signing_keys": ("revoked_at", "revoke_reason", "revoked_by", "replaced_by"),
    },
    "tenant": {
        "audit_log": (),
        "bids": ("superseded_at",),
        # Committee-held tender keys: a member key is revoked once, by setting these; the shares
        # sealed at announcement and the shares given back stay as written.
        "member_keys": ("revoked_at", "revoke_reason"),
        "tender_key_shares": (),
        "tender_given_shares": (),
        # A contract's implementation (e-monev, issue 21): reports are appended, a wrong one is
        # corrected by a later one with its reason; a milestone is marked met once.
        "contract_progress": (),
        "contract_payments": (),
        "contract_amendments": (),
        "contract_milestones": ("met_on",),
    },
}
"""By schema (``tenant``: every tenant schema), the tables the serving role may only read and append
to, each with the columns it may still update."""

DERIVED: Mapping[str, tuple[str, ...]] = {
    HUB_SCHEMA: ("red_flag_facts",),  # what the red flags read of each tender, kept by the feed's trigger
    "tenant": (),
}
"""By schema, the tables the serving role may only read: a trigger running as their owner writes them."""

_EVERY_TABLE = "SELECT, INSERT, UPDATE, DELETE"


async def grant_serving_role(connection: AsyncConnection, role: str, tenant_schemas: list[str]) -> None:
    """Grant ``role`` what serving needs on the ``hub`` schema and on each of ``tenant_schemas``,
    in the caller's transaction. Refuses a role that would keep every power anyway (a superuser,
    or an owner of the hub's tables): granting to it would only look like protection."""
    await _refuse_powerful(connection, role)
    await _grant(connection, role, HUB_SCHEMA, APPEND_ONLY[HUB_SCHEMA], DERIVED[HUB_SCHEMA])
    for schema in tenant_schemas:
        await grant_tenant_schema(connection, role, schema)


async def grant_tenant_schema(connection: AsyncConnection, role: str, schema: str) -> None:
    """Grant ``role`` what serving needs on the tenant schema ``schema`` (provisioning calls this in
    the transaction that creates the schema)."""
    await _grant(connection, role, schema, APPEND_ONLY["tenant"], DERIVED["tenant"])


async def _grant(
    connection: AsyncConnection,
    role: str,
    schema: str,
    append_only: Mapping[str, tuple[str, ...]],
    derived: tuple[str, ...] = (),
) -> None:
    tables = set(
        (
            await connection.execute(
                text("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = :schema"),
                {"schema": schema},
            )
        ).scalars()
    )
    statements = _grant_statements(connection, role, schema, tables, append_only, derived)
    raw = await connection.get_raw_connection()
    await raw.driver_connection.execute(";\n".join(statements))  # type: ignore[union-attr]


def tenant_grant_statements(
    connection: AsyncConnection, role: str, schema: str, tables: set[str], sequences: set[str]
) -> list[str]:
    """The statements of ``grant_tenant_schema`` for a new schema known to hold exactly ``tables``
    (every relation ``ALL TABLES`` would cover) and ``sequences``, without reading the catalogue:
    provisioning sends them with the schema's own script, in one round trip. They name each table
    and sequence instead of ``ALL TABLES IN SCHEMA``, which PostgreSQL resolves by scanning the whole
    of ``pg_class``: with 548 tenants (some 50,000 relations) that scan made the grants cost more
    than the tables (docs/BENCHMARKS.md, "Issue 20: provisioning 548 tenants")."""
    return _grant_statements(
        connection, role, schema, tables, APPEND_ONLY["tenant"], DERIVED["tenant"], named=(tables, sequences)
    )


def _grant_statements(
    connection: AsyncConnection,
    role: str,
    schema: str,
    tables: set[str],
    append_only: Mapping[str, tuple[str, ...]],
    derived: tuple[str, ...],
    *,
    named: tuple[set[str], set[str]] | None = None,
) -> list[str]:
    """``named``: the schema's tables and sequences, granted by name; otherwise ``ALL ... IN SCHEMA``."""
    quote = connection.dialect.identifier_preparer.quote
    who, where = quote(role), quote(schema)

    def every(kind: str, names: set[str] | None) -> str | None:
        """What a grant on every table (or sequence) of the schema names, or nothing to name."""
        if names is None:
            return f"ALL {kind}S IN SCHEMA {where}"
        return f"{kind} " + ", ".join(f"{where}.{quote(name)}" for name in sorted(names)) if names else None

    named_tables, named_sequences = named if named is not None else (None, None)
    statements = [f"GRANT USAGE ON SCHEMA {where} TO {who}", f"REVOKE CREATE ON SCHEMA {where} FROM {who}"]
    if all_tables := every("TABLE", named_tables):
        statements += [
            f"REVOKE ALL ON {all_tables} FROM {who}",  # column grants go with it
            f"GRANT {_EVERY_TABLE} ON {all_tables} TO {who}",
        ]
    if all_sequences := every("SEQUENCE", named_sequences):
        statements += [
            f"REVOKE ALL ON {all_sequences} FROM {who}",
            f"GRANT USAGE, SELECT ON {all_sequences} TO {who}",
        ]
    for table in sorted(tables & {*append_only, *derived, VERSION_TABLE}):
        name = f"{where}.{quote(table)}"
        kept = "SELECT" if table in (VERSION_TABLE, *derived) else "SELECT, INSERT"
        statements += [f"REVOKE ALL ON {name} FROM {who}", f"GRANT {kept} ON {name} TO {who}"]
        if updatable := append_only.get(table, ()):
            columns = ", ".join(quote(column) for column in updatable)
            statements.append(f"GRANT UPDATE ({columns}) ON {name} TO {who}")
    return statements


async def _refuse_powerful(connection: AsyncConnection, role: str) -> None:
    """The role exists, is no superuser, and owns (or is a member of an owner of) no table of the
    hub's schemas: an owner may alter its tables whatever is granted."""
    found = (
        await connection.execute(
            text(
                "SELECT r.rolsuper OR EXISTS (SELECT FROM pg_catalog.pg_class c"
                " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                " WHERE (n.nspname = :hub OR n.nspname LIKE 't\\_%')"
                " AND pg_has_role(r.oid, c.relowner, 'USAGE')"
                ") AS powerful FROM pg_catalog.pg_roles r WHERE r.rolname = :role"
            ),
            {"role": role, "hub": HUB_SCHEMA},
        )
    ).first()
    if found is None:
        raise ConfigurationError(
            f"the serving role {role!r} (the user of LPSE_HUB_DATABASE_URL) does not exist: "
            f"create it first, e.g. CREATE ROLE \"{role}\" LOGIN PASSWORD '...'"
        )
    if found.powerful:
        raise ConfigurationError(
            f"the serving role {role!r} is a superuser or owns tables of the hub, so it may rewrite bids "
            "and the audit log whatever is granted: serve with a role that owns nothing (docs/SECURITY.md)"
        )


async def may_rewrite_audit_trail(connection: AsyncConnection) -> bool:
    """Whether the role of ``connection`` may update the hub's audit checkpoints: true of an owner or
    a superuser, which is what serving with one role for everything means (``serve`` warns)."""
    query = text(
        "SELECT has_table_privilege(c, 'UPDATE') OR has_table_privilege(c, 'TRUNCATE') "
        "FROM to_regclass('hub.audit_checkpoints') AS c"
    )
    return bool(await connection.scalar(query))
