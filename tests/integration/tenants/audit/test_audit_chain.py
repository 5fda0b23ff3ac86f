"""A tenant's audit log chains its entries, and any edit, deletion, reordering or cut is found."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Conflict
from tenants.audit import GENESIS_HASH, Anchor, AuditEntry, anchor_chain, append_audit, entry_hash
from tenants.registry import Tenant, delete_tenant
from tests.conftest import make_tenant
from tests.integration.tenants.audit.conftest import attack, record, rewrite_from, verify


async def anchor(engine: AsyncEngine, tenant: Tenant) -> Anchor | None:
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        return await anchor_chain(session, tenant.code)


async def test_entries_are_numbered_from_one_and_each_links_to_the_one_before(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    entries = await record(audit_hub, malang, 4, title="Jalan Desa Sumberejo")
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    first = entries[0]
    assert first.hash == entry_hash(
        GENESIS_HASH,
        seq=1,
        at=first.at,
        actor_id=42,
        action="tender.announced",
        subject="tender:12",
        payload={"title": "Jalan Desa Sumberejo"},
    )


async def test_an_intact_log_verifies_and_names_its_head(audit_hub: AsyncEngine, malang: Tenant) -> None:
    empty = await verify(audit_hub, malang)
    assert (empty.ok, empty.entries, empty.head_seq, empty.head_hash) == (True, 0, None, None)
    entries = await record(audit_hub, malang, 3)
    report = await verify(audit_hub, malang)
    assert report.ok
    assert (report.entries, report.head_seq, report.head_hash) == (3, 3, entries[-1].hash)
    assert (report.first_broken_seq, report.problem) == (None, None)


async def test_an_edited_payload_is_found_at_its_entry(audit_hub: AsyncEngine, malang: Tenant) -> None:
    await record(audit_hub, malang, 5, budget=1_250_000_000)
    await attack(audit_hub, malang, """UPDATE {log} SET payload = '{{"budget": 950000000}}' WHERE seq = 3""")
    report = await verify(audit_hub, malang)
    assert not report.ok
    assert report.first_broken_seq == 3
    assert report.problem == "entry 3 was edited: its content no longer matches its hash"
    assert (report.entries, report.head_seq) == (5, 5)


async def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    entries = await record(audit_hub, malang, 4, winner="CV Maju Jaya")
    second = entries[1]
    forged = entry_hash(
        second.prev_hash,
        seq=2,
        at=second.at,
        actor_id=42,
        action="tender.announced",
        subject="tender:12",
        payload={"winner": "CV Teman Sendiri"},
    )
    await attack(
        audit_hub,
        malang,
        f"""UPDATE {{log}} SET payload = '{{{{"winner": "CV Teman Sendiri"}}}}', hash = '{forged}'
            WHERE seq = 2""",
    )
    report = await verify(audit_hub, malang)
    assert report.first_broken_seq == 3
    assert report.problem is not None
    assert report.problem.startswith("entry 3 does not follow entry 2")


async def test_a_deleted_entry_is_found(audit_hub: AsyncEngine, malang: Tenant) -> None:
    await record(audit_hub, malang, 5)
    await attack(audit_hub, malang, "DELETE FROM {log} WHERE seq = 3")
    report = await verify(audit_hub, malang)
    assert (report.ok, report.first_broken_seq, report.entries) == (False, 3, 4)
    assert report.problem == "entry 3 is missing (the log jumps from entry 2 to entry 4): deleted"


async def test_a_deleted_entry_is_found_even_when_the_rest_are_renumbered(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    await record(audit_hub, malang, 5)
    await attack(
        audit_hub, malang, "DELETE FROM {log} WHERE seq = 3", "UPDATE {log} SET seq = seq - 1 WHERE seq > 3"
    )
    report = await verify(audit_hub, malang)
    assert report.first_broken_seq == 3
    assert report.problem is not None
    assert report.problem.startswith("entry 3 does not follow entry 2")


async def test_swapped_entries_are_found(audit_hub: AsyncEngine, malang: Tenant) -> None:
    await record(audit_hub, malang, 2, step="announcement")
    await record(audit_hub, malang, 1, step="bid opening")
    await record(audit_hub, malang, 1, step="award")
    columns = "at, actor_id, action, subject, payload, prev_hash, hash"
    await attack(
        audit_hub,
        malang,
        f"CREATE TEMP TABLE swap ON COMMIT DROP AS SELECT seq, {columns} FROM {{log}} WHERE seq IN (3, 4)",
        f"""UPDATE {{log}} AS l SET ({columns}) = (SELECT {columns} FROM swap s WHERE s.seq = 7 - l.seq)
            WHERE l.seq IN (3, 4)""",
    )
    report = await verify(audit_hub, malang)
    assert report.first_broken_seq == 3
    assert report.problem is not None
    assert "entries were reordered" in report.problem


async def test_a_cut_off_tail_is_found_through_the_anchor(audit_hub: AsyncEngine, malang: Tenant) -> None:
    await record(audit_hub, malang, 5)
    anchored = await anchor(audit_hub, malang)
    assert anchored is not None
    assert anchored.seq == 5
    await attack(audit_hub, malang, "DELETE FROM {log} WHERE seq >= 4")
    report = await verify(audit_hub, malang)
    assert (report.ok, report.first_broken_seq, report.head_seq) == (False, 4, 3)
    assert report.problem is not None
    assert report.problem.startswith("the log ends at entry 3 but entry 5 was anchored in the hub at")
    assert report.problem.endswith("so entries 4 to 5 were removed")


async def test_a_log_rewritten_with_fresh_hashes_is_found_through_the_anchor(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    await record(audit_hub, malang, 3, winner="CV Maju Jaya")
    await anchor(audit_hub, malang)
    await record(audit_hub, malang, 3, winner="CV Maju Jaya")
    await anchor(audit_hub, malang)
    await attack(audit_hub, malang, "DELETE FROM {log} WHERE seq >= 4")
    await record(audit_hub, malang, 3, winner="CV Teman Sendiri")  # a chain that is valid on its own
    report = await verify(audit_hub, malang)
    assert report.first_broken_seq == 6
    assert report.problem is not None
    assert "entry 6 no longer has the hash anchored" in report.problem
    assert report.problem.endswith("rewritten somewhere in entries 4 to 6")


async def test_only_a_new_head_is_anchored(audit_hub: AsyncEngine, malang: Tenant) -> None:
    assert await anchor(audit_hub, malang) is None  # nothing to anchor in an empty log
    entries = await record(audit_hub, malang, 2)
    first = await anchor(audit_hub, malang)
    assert first is not None
    assert (first.tenant_code, first.seq, first.hash) == ("3507", 2, entries[-1].hash)
    assert await anchor(audit_hub, malang) is None
    await record(audit_hub, malang)
    second = await anchor(audit_hub, malang)
    assert second is not None
    assert second.seq == 3
    assert second.anchored_at >= first.anchored_at


async def test_a_head_contradicting_the_last_anchor_is_not_anchored(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    await record(audit_hub, malang, 3)
    await anchor(audit_hub, malang)
    await attack(audit_hub, malang, "DELETE FROM {log} WHERE seq = 3")
    await record(audit_hub, malang, 2)
    with pytest.raises(Conflict, match="no longer matches its anchor at entry 3"):
        await anchor(audit_hub, malang)
    async with tenant_session(audit_hub, malang.schema) as session:
        anchors = (await session.execute(select(Anchor.seq).where(Anchor.tenant_code == "3507"))).scalars()
        assert list(anchors) == [3]


async def test_an_anchor_belongs_to_the_session_tenant(
    audit_hub: AsyncEngine, malang: Tenant, blitar: Tenant
) -> None:
    async with tenant_session(audit_hub, malang.schema) as session:
        with pytest.raises(ValueError, match="not the tenant of this session"):
            await anchor_chain(session, blitar.code)


async def test_anchors_of_a_deleted_tenant_bind_a_new_tenant_with_its_code(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    await record(audit_hub, malang, 5)
    await anchor(audit_hub, malang)
    async with hub_sessions(audit_hub)() as session, session.begin():
        await delete_tenant(session, malang.slug)
    again = await make_tenant(audit_hub, "kab-malang", "3507")
    await record(audit_hub, again, 2)
    report = await verify(audit_hub, again)  # the code's log lost entries 3 to 5: that shows
    assert (report.ok, report.first_broken_seq) == (False, 3)
    assert report.problem is not None
    assert "entries 3 to 5 were removed" in report.problem
    with pytest.raises(Conflict, match="no longer matches its anchor at entry 5"):
        await anchor(audit_hub, again)


async def test_a_rewrite_hidden_by_moving_the_tenants_created_at_is_found_against_its_anchor(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    await record(audit_hub, malang, 8, budget=1_400_000_000)
    assert await anchor(audit_hub, malang) is not None  # entry 8
    await rewrite_from(audit_hub, malang, 5, budget=4_900_000_000)
    async with audit_hub.begin() as connection:
        await connection.execute(
            text("UPDATE hub.tenants SET created_at = now() + interval '1 day' WHERE code = '3507'")
        )
    report = await verify(audit_hub, malang)
    assert (report.ok, report.first_broken_seq, report.entries) == (False, 8, 8)
    assert report.problem is not None
    assert "entry 8 no longer has the hash anchored" in report.problem


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {log} SET subject = 'tender:13'",
        "DELETE FROM {log} WHERE seq = 1",
        "TRUNCATE {log}",
    ],
)
async def test_the_log_refuses_updates_deletes_and_truncation(
    audit_hub: AsyncEngine, malang: Tenant, statement: str
) -> None:
    await record(audit_hub, malang, 2)
    with pytest.raises(DBAPIError, match="append-only"):
        async with audit_hub.begin() as connection:
            await connection.execute(text(statement.format(log=f"{malang.schema}.audit_log")))
    assert (await verify(audit_hub, malang)).entries == 2


async def test_long_logs_are_verified_page_by_page(audit_hub: AsyncEngine, malang: Tenant) -> None:
    async with tenant_session(audit_hub, malang.schema) as session, session.begin():
        for n in range(11):
            await append_audit(
                session, actor_id=None, action="bid.received", subject="tender:1", payload={"n": n}
            )
    assert (await verify(audit_hub, malang, batch_size=3)).entries == 11
    await attack(audit_hub, malang, "DELETE FROM {log} WHERE seq = 8")
    report = await verify(audit_hub, malang, batch_size=3)
    assert (report.first_broken_seq, report.entries, report.head_seq) == (8, 10, 11)
    async with tenant_session(audit_hub, malang.schema) as session:
        assert await session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) == 11


async def test_from_the_latest_anchor_only_the_anchored_entry_and_those_after_are_checked(
    audit_hub: AsyncEngine, malang: Tenant
) -> None:
    await record(audit_hub, malang, 4)
    assert (await anchor(audit_hub, malang)) is not None  # entry 4
    await record(audit_hub, malang, 2)
    await attack(audit_hub, malang, """UPDATE {log} SET payload = '{{"edited": true}}' WHERE seq = 2""")
    cheap = await verify(audit_hub, malang, from_latest_anchor=True)
    assert (cheap.ok, cheap.entries, cheap.head_seq) == (True, 3, 6)  # entries 4 to 6; 2 is not re-read
    assert (await verify(audit_hub, malang)).first_broken_seq == 2
    await attack(audit_hub, malang, """UPDATE {log} SET payload = '{{"edited": true}}' WHERE seq = 4""")
    anchored = await verify(audit_hub, malang, from_latest_anchor=True)
    assert (anchored.ok, anchored.first_broken_seq) == (False, 4)
    assert anchored.problem == "entry 4 was edited: its content no longer matches its hash"
