"""The role the hub serves as may append to the audit trail and the bids, never rewrite them.

Each attack runs as the run's serving role (``tests.conftest.serving_settings``), on a tenant
provisioned as operators do; before least privilege the hub served as the owner, and every one of
these statements passed (or met only the audit log's trigger, which its owner may disable).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.db import upgrade_all
from hub.core.database import create_engine, hub_sessions
from hub.core.errors import ConfigurationError
from hub.core.migrations import grant_serving_role, may_rewrite_audit_trail
from hub.core.settings import Settings
from tenants.registry import TenantSpec, create_tenant
from tests.conftest import make_tenant, serving_role_of
from tests.sqlstates import INSUFFICIENT_PRIVILEGE, sqlstate_of

ATTACKS = [
    "UPDATE {t}.audit_log SET action = 'tender.nothing'",
    "DELETE FROM {t}.audit_log",
    "TRUNCATE {t}.audit_log",
    "ALTER TABLE {t}.audit_log DISABLE TRIGGER audit_log_append_only",
    "DROP TRIGGER audit_log_append_only ON {t}.audit_log",
    "ALTER TABLE {t}.audit_log OWNER TO CURRENT_USER",
    "UPDATE {t}.bids SET bundle = 'forged'",
    "UPDATE {t}.bids SET ciphertext_sha256 = repeat('0', 64)",
    "UPDATE {t}.bids SET receipt = 'forged'",
    "UPDATE {t}.bids SET received_at = now(), vendor_id = 1",
    "DELETE FROM {t}.bids",
    "TRUNCATE {t}.bids",
    "ALTER TABLE {t}.bids DISABLE TRIGGER ALL",
    "UPDATE {t}.alembic_version SET version_num = 't0001'",
    "CREATE TABLE {t}.shadow (id int)",
    "CREATE TRIGGER later BEFORE INSERT ON {t}.bids EXECUTE FUNCTION {t}.audit_log_append_only()",
    "TRUNCATE {t}.tenders",
    "UPDATE hub.audit_checkpoints SET head_hash = repeat('0', 64)",
    "DELETE FROM hub.audit_checkpoints",
    "DELETE FROM hub.audit_anchors",
    "UPDATE hub.audit_anchors SET hash = repeat('0', 64)",
    "UPDATE hub.receipt_keys SET public_key = 'forged'",
    "DELETE FROM hub.receipt_keys",
    "UPDATE hub.checkpoint_keys SET public_key = 'forged'",
    "DELETE FROM hub.checkpoint_keys",
    "UPDATE hub.tenant_keys SET wrapped_key = 'forged'",
    "DELETE FROM hub.tenant_keys",
    "UPDATE hub.vendor_key_events SET hash = repeat('0', 64)",
    "DELETE FROM hub.vendor_key_events",
    "UPDATE hub.vendor_signing_keys SET public_key = 'forged'",
    "UPDATE hub.vendor_signing_keys SET registered_at = now() - interval '1 year'",
    "DELETE FROM hub.vendor_signing_keys",
    "UPDATE hub.peer_checkpoints SET head_hash = repeat('0', 64)",
    "DELETE FROM hub.peer_checkpoints",
    "TRUNCATE hub.accounts CASCADE",
    "DROP TABLE hub.audit_checkpoints",
    "SELECT setval(pg_get_serial_sequence('hub.changes', 'position'), 1)",
    # The change feed: a release published stays as published (a correction is a new entry).
    "UPDATE hub.changes SET release = '[]'::jsonb",
    "DELETE FROM hub.changes",
    # Committee-held tender keys (issue 16): a member key is only revoked; shares stay as sealed.
    "UPDATE {t}.member_keys SET public_key = 'forged'",
    "DELETE FROM {t}.member_keys",
    "UPDATE {t}.tender_key_shares SET sealed_share = 'forged'",
    "UPDATE {t}.tender_key_shares SET share_sha256 = repeat('0', 64)",
    "DELETE FROM {t}.tender_key_shares",
    "UPDATE {t}.tender_given_shares SET sealed_share = 'forged'",
    "DELETE FROM {t}.tender_given_shares",
    # What the red flags read (issue 17): written by the feed's trigger only, never by hand.
    "UPDATE hub.red_flag_facts SET facts = '{{}}'::jsonb",
    "INSERT INTO hub.red_flag_facts (ocid, position, facts) VALUES ('x-1', 1, '{{}}')",
    "DELETE FROM hub.red_flag_facts",
    # A contract's implementation (issue 21): payments, progress and amendments stay as recorded; of a
    # milestone only the day it was met may be set.
    "UPDATE {t}.contract_payments SET amount = 1",
    "DELETE FROM {t}.contract_payments",
    "TRUNCATE {t}.contract_payments",
    "UPDATE {t}.contract_progress SET percent = 100",
    "DELETE FROM {t}.contract_progress",
    "UPDATE {t}.contract_amendments SET value_after = 1",
    "DELETE FROM {t}.contract_amendments",
    "UPDATE {t}.contract_milestones SET due_on = now()",
    "DELETE FROM {t}.contract_milestones",
]


@pytest_asyncio.fixture(loop_scope="session")
async def serving(hub: AsyncEngine, serving_settings: Settings) -> AsyncIterator[AsyncEngine]:
    """A tenant (``t_3507``) provisioned by the owner, and an engine of the serving role."""
    await make_tenant(hub, "kab-malang", "3507")
    engine = create_engine(serving_settings)
    yield engine
    await engine.dispose()


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("attack", ATTACKS)
async def test_the_serving_role_may_not_rewrite_bids_or_the_audit_trail(
    serving: AsyncEngine, attack: str
) -> None:
    assert await sqlstate_of(serving, attack.format(t="t_3507")) == INSUFFICIENT_PRIVILEGE


@pytest.mark.asyncio(loop_scope="session")
async def test_the_serving_role_may_append_and_supersede(serving: AsyncEngine) -> None:
    appended = (
        "INSERT INTO t_3507.audit_log (seq, at, action, subject, payload, prev_hash, hash) "
        "VALUES (1, now(), 'tender.noted', 'tender:1', '{}', repeat('0', 64), repeat('1', 64))"
    )
    assert await sqlstate_of(serving, appended) is None
    assert await sqlstate_of(serving, "UPDATE t_3507.bids SET superseded_at = now() WHERE id = 1") is None
    revoke = "UPDATE t_3507.member_keys SET revoked_at = now(), revoke_reason = 'x' WHERE id = 1"
    assert await sqlstate_of(serving, revoke) is None
    assert await sqlstate_of(serving, "SELECT * FROM t_3507.alembic_version") is None
    next_position = "SELECT nextval(pg_get_serial_sequence('hub.changes', 'position'))"
    assert await sqlstate_of(serving, next_position) is None  # as a trigger of the feed's may
    published = "INSERT INTO hub.changes (ocid, tags, release) VALUES ('x-1', '{}', '{\"buyer\": {}}')"
    assert await sqlstate_of(serving, published) is None  # its trigger writes the red flags' facts
    async with serving.connect() as connection:
        assert not await may_rewrite_audit_trail(connection)


@pytest.mark.asyncio(loop_scope="session")
async def test_the_owner_serving_is_told_apart(hub: AsyncEngine) -> None:
    async with hub.connect() as connection:
        assert await may_rewrite_audit_trail(connection)  # `serve` warns of this at start


@pytest.mark.asyncio(loop_scope="session")
async def test_a_tenant_provisioned_later_is_granted_the_same(serving: AsyncEngine, hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-blitar", "3505")
    assert await sqlstate_of(serving, "SELECT count(*) FROM t_3505.tenders") is None
    assert await sqlstate_of(serving, "UPDATE t_3505.bids SET bundle = 'forged'") == INSUFFICIENT_PRIVILEGE
    assert await sqlstate_of(serving, "DELETE FROM t_3505.audit_log") == INSUFFICIENT_PRIVILEGE


@pytest.mark.asyncio(loop_scope="session")
async def test_db_upgrade_grants_on_schemas_provisioned_before_the_grants(
    serving: AsyncEngine, hub: AsyncEngine
) -> None:
    async with hub_sessions(hub)() as session, session.begin():  # as before least privilege: no grants
        await create_tenant(session, TenantSpec(slug="kab-kediri", code="3506"))
    assert await sqlstate_of(serving, "SELECT count(*) FROM t_3506.tenders") == INSUFFICIENT_PRIVILEGE
    await upgrade_all(hub, concurrency=2, show_progress=False, serving_role=serving_role_of(hub.url.database))
    assert await sqlstate_of(serving, "SELECT count(*) FROM t_3506.tenders") is None
    assert await sqlstate_of(serving, "UPDATE t_3506.audit_log SET action = 'x'") == INSUFFICIENT_PRIVILEGE


@pytest.mark.asyncio(loop_scope="session")
async def test_the_grants_are_exact_a_hand_made_grant_is_undone(
    serving: AsyncEngine, hub: AsyncEngine
) -> None:
    role = serving_role_of(hub.url.database)
    async with hub.begin() as connection:
        await connection.execute(text(f'GRANT ALL ON t_3507.bids, hub.audit_checkpoints TO "{role}"'))
    assert await sqlstate_of(serving, "UPDATE t_3507.bids SET bundle = 'forged'") is None
    await upgrade_all(hub, concurrency=2, show_progress=False, serving_role=role)
    assert await sqlstate_of(serving, "UPDATE t_3507.bids SET bundle = 'forged'") == INSUFFICIENT_PRIVILEGE
    assert await sqlstate_of(serving, "TRUNCATE hub.audit_checkpoints") == INSUFFICIENT_PRIVILEGE


@pytest.mark.asyncio(loop_scope="session")
async def test_a_serving_role_that_owns_or_is_superuser_is_refused(hub: AsyncEngine) -> None:
    async with hub.connect() as connection:
        owner = await connection.scalar(text("SELECT current_user"))
    for role, reason in ((owner, "superuser or owns tables"), ("nobody_at_all", "does not exist")):
        async with hub.begin() as connection:
            with pytest.raises(ConfigurationError, match=reason):
                await grant_serving_role(connection, str(role), [])
