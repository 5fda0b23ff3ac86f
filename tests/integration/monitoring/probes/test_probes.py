"""Probing tenants: what each check catches, one round per replica set, and the probe history."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest_asyncio
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import create_engine, hub_sessions, tenant_session
from hub.core.settings import Settings
from monitoring.probes import ProbeResult, availability, latest_probes, probe_all, probe_tenant, probing
from monitoring.probes.rounds import ROUND_LOCK
from tenants.agencies import add_agency
from tenants.audit import anchor_tenants
from tenants.registry import Tenant, delete_tenant
from tests.conftest import make_tenant
from tests.integration.monitoring.probes.probe_history import (
    MINUTE,
    age_rounds,
    forget_probes,
    record_history,
    rounds_written,
    with_a_draft_tender,
)
from tests.manual_clock import ManualClock

EVERY_CHECK_PASSES = {"schema": True, "migrations": True, "read": True, "audit": True}
EDIT_TRIGGER = "audit_log_append_only"


@pytest_asyncio.fixture(loop_scope="session")
async def probes_hub(clean_identity: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine, with no tenant, account, probe result or audit anchor before or after the test."""
    await forget_probes(clean_identity)
    yield clean_identity
    await forget_probes(clean_identity)


@pytest_asyncio.fixture(loop_scope="session")
async def malang(probes_hub: AsyncEngine) -> Tenant:
    tenant = await make_tenant(probes_hub, "kab-malang", "3507")
    await with_a_draft_tender(probes_hub, tenant)
    return tenant


@pytest_asyncio.fixture(loop_scope="session")
async def blitar(probes_hub: AsyncEngine) -> Tenant:
    tenant = await make_tenant(probes_hub, "kab-blitar", "3505")
    await with_a_draft_tender(probes_hub, tenant)
    return tenant


async def _sql(engine: AsyncEngine, *statements: str) -> None:
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def test_a_healthy_tenant_is_up_with_every_check_passing(
    probes_hub: AsyncEngine, malang: Tenant
) -> None:
    await anchor_tenants(probes_hub, concurrency=1)
    async with tenant_session(probes_hub, malang.schema) as session, session.begin():
        await add_agency(session, "Dinas Kesehatan")  # an entry after the anchor, chained onto it

    result = await probe_tenant(probes_hub, malang)

    assert result.up
    assert result.checks == EVERY_CHECK_PASSES
    assert result.error is None
    assert (result.tenant_slug, result.tenant_code) == ("kab-malang", "3507")
    assert result.duration_seconds > 0  # measured (how long is the machine's business, not the test's)


async def test_a_tenant_whose_schema_is_gone_is_down_and_the_others_are_still_probed(
    probes_hub: AsyncEngine, malang: Tenant, blitar: Tenant
) -> None:
    await _sql(probes_hub, "DROP SCHEMA t_3505 CASCADE")  # behind the hub's back: the registry still has it

    done = await probe_all(probes_hub, concurrency=2)

    assert done.written
    by_slug = {r.tenant_slug: r for r in done.results}
    assert by_slug["kab-malang"].up
    gone = by_slug["kab-blitar"]
    assert not gone.up
    assert gone.checks == {"schema": False, "migrations": False, "read": False, "audit": False}
    assert gone.error == "schema: schema t_3505 does not exist"
    async with hub_sessions(probes_hub)() as session:
        stored = {r.tenant_slug: r.up for r in await latest_probes(session)}
    assert stored == {"kab-blitar": False, "kab-malang": True}


async def test_a_tenant_whose_audit_log_was_edited_fails_audit(
    probes_hub: AsyncEngine, malang: Tenant
) -> None:
    await _sql(
        probes_hub,
        f"ALTER TABLE t_3507.audit_log DISABLE TRIGGER {EDIT_TRIGGER}",
        'UPDATE t_3507.audit_log SET payload = \'{"name": "Dinas Fiktif"}\' WHERE seq = 1',
        f"ALTER TABLE t_3507.audit_log ENABLE TRIGGER {EDIT_TRIGGER}",
    )

    result = await probe_tenant(probes_hub, malang)

    assert not result.up
    assert result.checks == {**EVERY_CHECK_PASSES, "audit": False}
    assert result.error == "audit: entry 1 was edited: its content no longer matches its hash"


async def test_a_tenant_whose_anchored_entries_were_cut_off_fails_audit(
    probes_hub: AsyncEngine, malang: Tenant
) -> None:
    [anchored] = await anchor_tenants(probes_hub, concurrency=1)
    assert anchored.anchor is not None
    head = anchored.anchor.seq
    await _sql(
        probes_hub,
        f"ALTER TABLE t_3507.audit_log DISABLE TRIGGER {EDIT_TRIGGER}",
        f"DELETE FROM t_3507.audit_log WHERE seq >= {head - 1}",
        f"ALTER TABLE t_3507.audit_log ENABLE TRIGGER {EDIT_TRIGGER}",
    )

    result = await probe_tenant(probes_hub, malang)

    assert result.checks == {**EVERY_CHECK_PASSES, "audit": False}
    assert result.error.startswith(f"audit: entry {head}, anchored in the hub at ")
    assert result.error.endswith("is gone: the log was cut off")


async def test_a_read_blocked_beyond_the_time_limit_fails_read(
    probes_hub: AsyncEngine, malang: Tenant
) -> None:
    async with probes_hub.connect() as other, other.begin():  # someone holds the tenders table
        await other.execute(text("LOCK TABLE t_3507.tenders IN ACCESS EXCLUSIVE MODE"))
        result = await probe_tenant(probes_hub, malang, time_limit=0.5)
        # It returned while the lock is still held: the limit, not the lock, decided when it gave up.

    assert result.checks == {**EVERY_CHECK_PASSES, "read": False}
    assert result.error == "read: no answer within 0.5s"


async def test_two_replicas_probing_at_once_write_one_round(
    probes_hub: AsyncEngine, settings: Settings, malang: Tenant, blitar: Tenant
) -> None:
    replicas = [create_engine(settings), create_engine(settings)]
    try:
        rounds = await asyncio.gather(
            *(probe_all(e, concurrency=2, min_gap=timedelta(minutes=1)) for e in replicas)
        )
    finally:
        await asyncio.gather(*(e.dispose() for e in replicas))

    assert sorted(r.written for r in rounds) == [False, True]
    [skipped] = [r for r in rounds if not r.written]
    assert skipped.skipped is not None
    assert len(await rounds_written(probes_hub)) == 1
    async with hub_sessions(probes_hub)() as session:
        assert await session.scalar(select(func.count()).select_from(ProbeResult)) == 2


async def test_a_replica_that_finds_another_probing_skips_the_round_and_says_so(
    probes_hub: AsyncEngine, malang: Tenant
) -> None:
    async with probes_hub.connect() as other:  # another replica, mid-round
        await other.execute(select(func.pg_advisory_lock(func.hashtext(ROUND_LOCK))))
        done = await probe_all(probes_hub, concurrency=2)
        await other.execute(select(func.pg_advisory_unlock(func.hashtext(ROUND_LOCK))))

    assert not done.written
    assert done.skipped == "another replica is probing now"
    assert await rounds_written(probes_hub) == []


async def test_a_round_prunes_results_older_than_the_retention(
    probes_hub: AsyncEngine, malang: Tenant
) -> None:
    now = datetime.now(UTC)
    await record_history(probes_hub, malang, now - timedelta(days=100), "D")
    await record_history(probes_hub, malang, now - timedelta(days=80), "U")

    done = await probe_all(probes_hub, concurrency=1, retention=timedelta(days=90))

    assert done.pruned == 1
    assert done.at is not None
    assert await rounds_written(probes_hub) == [now - timedelta(days=80), done.at]


async def test_latest_probes_are_the_newest_of_each_tenant_still_in_the_registry(
    probes_hub: AsyncEngine, malang: Tenant, blitar: Tenant
) -> None:
    await record_history(probes_hub, malang, malang.created_at, "UUD")
    await record_history(probes_hub, blitar, blitar.created_at, "DU")
    await record_history(
        probes_hub, blitar, blitar.created_at - 60 * MINUTE, "DDDD"
    )  # an earlier kab-blitar's
    gone = await make_tenant(probes_hub, "kota-batu", "3579")
    await record_history(probes_hub, gone, gone.created_at, "U")
    async with hub_sessions(probes_hub)() as session, session.begin():
        await delete_tenant(session, "kota-batu")

    async with hub_sessions(probes_hub)() as session:
        latest = [(r.tenant_slug, r.up, r.probed_at) for r in await latest_probes(session)]

    assert latest == [
        ("kab-blitar", True, blitar.created_at + MINUTE),
        ("kab-malang", False, malang.created_at + 2 * MINUTE),
    ]


async def test_availability_counts_probes_up_and_measures_the_longest_outage(
    probes_hub: AsyncEngine, malang: Tenant, blitar: Tenant
) -> None:
    start = malang.created_at
    await record_history(probes_hub, malang, start, "UUDDDUUD")  # three down, up again at +5; down at +7
    await record_history(probes_hub, malang, start + 60 * MINUTE, "DDDDDDDDDD")  # after the period

    async with hub_sessions(probes_hub)() as session:
        found = await availability(session, start, start + 60 * MINUTE)

    malang_up = found["3507"]
    assert (malang_up.probes, malang_up.probes_up, malang_up.share_up) == (8, 4, 0.5)
    assert malang_up.longest_outage == 3 * MINUTE  # from the first failure at +2 to the next up at +5
    assert malang_up.last_probe_at == start + 7 * MINUTE
    not_probed = found["3505"]
    assert (not_probed.probes, not_probed.share_up, not_probed.last_probe_at) == (0, None, None)
    assert not_probed.longest_outage == timedelta()


async def test_availability_of_some_tenants_and_of_an_outage_still_running(
    probes_hub: AsyncEngine, malang: Tenant, blitar: Tenant
) -> None:
    start = blitar.created_at
    await record_history(probes_hub, blitar, start, "UDUDDDD")

    async with hub_sessions(probes_hub)() as session:
        found = await availability(session, start, start + 60 * MINUTE, tenant_codes=["3505"])

    assert list(found) == ["3505"]
    assert found["3505"].probes_up == 2
    assert found["3505"].longest_outage == 3 * MINUTE  # +3 to the last failure at +6: no later probe


async def test_the_schedule_probes_once_an_interval_and_stops_with_the_app(
    probes_hub: AsyncEngine, settings: Settings, malang: Tenant
) -> None:
    clock = ManualClock()
    async with probing(probes_hub, replace(settings, probe_interval_seconds=60), clock):
        await clock.until_asleep()
        await clock.advance(59)
        assert await rounds_written(probes_hub) == []  # the first round comes one interval after start
        await clock.advance(1)
        assert len(await rounds_written(probes_hub)) == 1
        await clock.advance(60)  # by the database clock the last round is a moment old (another
        assert len(await rounds_written(probes_hub)) == 1  # replica's, as far as it knows): skipped
        await age_rounds(probes_hub, timedelta(seconds=60))
        await clock.advance(60)
        during = await rounds_written(probes_hub)
    assert len(during) == 2
    assert clock.sleeping == 0  # the schedule ended with the context...
    await clock.advance(600)
    assert await rounds_written(probes_hub) == during  # ...and probes no more


async def test_a_round_that_fails_does_not_stop_the_schedule(
    probes_hub: AsyncEngine, settings: Settings, malang: Tenant
) -> None:
    clock = ManualClock()
    await _sql(probes_hub, "ALTER TABLE hub.probe_results RENAME TO probe_results_away")
    try:
        async with probing(probes_hub, replace(settings, probe_interval_seconds=60), clock):
            await clock.until_asleep()
            await clock.advance(60)  # the first round fails: no table to write to
            await _sql(probes_hub, "ALTER TABLE hub.probe_results_away RENAME TO probe_results")
            await clock.advance(60)
            written = await rounds_written(probes_hub)
    finally:
        await _sql(probes_hub, "ALTER TABLE IF EXISTS hub.probe_results_away RENAME TO probe_results")

    assert len(written) == 1
