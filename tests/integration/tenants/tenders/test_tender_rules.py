"""The rules of a tender that the happy path does not show: schedules, tampering, key rotation."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, grant_role
from federation.vendors import register_signing_key, register_vendor, verify_vendor
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Conflict, Forbidden, InvalidInput
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.agencies import add_agency
from tenants.registry import TenantRef, resolve_tenant
from tenants.sealing import (
    BidFile,
    KeyUnwrapError,
    encode_signing_public_key,
    public_raw_of,
    seal_bid,
)
from tenants.tenders import (
    Actor,
    PackageInput,
    announce_tender,
    cancel_tender,
    create_package,
    create_tender,
    open_bids,
    register_for_tender,
    reschedule_stage,
    submit_bid,
)
from tenants.tenders.documents import MAX_DOCUMENT_BYTES, PostgresBlobStore, upload_document
from tenants.tenders.preparation.bid_keys import rewrap_tenant_keys
from tests.conftest import make_tenant
from tests.lock_waits import until_waiting_on_locks

DAY = timedelta(days=1)


@dataclass
class Stage:
    tenant: TenantRef
    pokja: Actor
    vendor: Actor
    vendor_id: int
    tender_id: int
    master: MasterKey
    signing_key: Ed25519PrivateKey
    """The key the vendor's user made on its machine and registered."""


async def _person(engine: AsyncEngine, role: str | None, vendor_id: int | None = None) -> int:
    email = f"p.{uuid.uuid4().hex[:8]}@malangkab.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        account = await create_account(session, email, "Orang", None, vendor_id=vendor_id)
        if role:
            await grant_role(session, email, role, "kab-malang")
    return account.id


def taking_bids(now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """A schedule whose bid submission is open at ``now`` for another day."""
    return {
        "announcement": (now - DAY, now + DAY),
        "document_download": (now - DAY, now + DAY),
        "bid_submission": (now - DAY, now + DAY),
        "bid_opening": (now + DAY, now + 2 * DAY),
        "evaluation": (now + 3 * DAY, now + 4 * DAY),
    }


@pytest.fixture
async def stage(clean_identity: AsyncEngine, settings: Settings) -> Stage:
    """An announced tender taking bids, and one registered vendor."""
    engine = clean_identity
    assert settings.master_key is not None
    master = MasterKey.parse(settings.master_key)  # the run's one master key, as in a deployment
    await make_tenant(engine, "kab-malang", "3507")
    async with hub_sessions(engine)() as session:
        tenant = await resolve_tenant(session, slug="kab-malang")
    ppk, pokja = (
        Actor(await _person(engine, "commitment_officer"), tenant),
        Actor(await _person(engine, "selection_committee"), tenant),
    )
    verifier = await _person(engine, "verifier")
    async with hub_sessions(engine)() as session, session.begin():
        vendor = await register_vendor(
            session,
            "CV Tirta",
            "01.111.222.3-652.000",
            None,
            "Jl. Ijen",
            "3507",
            ["41011"],
            f"t.{uuid.uuid4().hex[:6]}@tirta.co.id",
            "Direktur",
            "kata-sandi-99",
        )
        await verify_vendor(session, vendor.id, verifier, "kab-malang", ["NPWP"], None)
    user = Actor(await _person(engine, None, vendor.id), tenant)
    signing_key = Ed25519PrivateKey.generate()
    async with hub_sessions(engine)() as session, session.begin():
        await register_signing_key(
            session, user.account_id, encode_signing_public_key(public_raw_of(signing_key))
        )
    now = datetime.now(UTC)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        agency = await add_agency(session, "Dinas PUPR")
        package = await create_package(
            session,
            ppk,
            PackageInput(
                agency.id, "Jembatan Sungai Brantas", 2026, "construction", "tender", 10**9, 9 * 10**8
            ),
        )
        tender = await create_tender(session, pokja, package.id, "lowest_price", taking_bids(now))
        await announce_tender(session, pokja, tender.id, master)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        await register_for_tender(session, user, tender.id)
    return Stage(tenant, pokja, user, vendor.id, tender.id, master, signing_key)


async def _bid(engine: AsyncEngine, s: Stage, price: int) -> None:
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        key = await session.scalar(
            text("SELECT public_key FROM t_3507.tenders WHERE id = :t"), {"t": s.tender_id}
        )
        bundle = seal_bid(
            key,
            tenant_code="3507",
            tender_id=s.tender_id,
            vendor_id=s.vendor_id,
            price=price,
            files=[BidFile("p.pdf", "application/pdf", b"%PDF")],
            signing_key=s.signing_key,
        )
        await submit_bid(session, s.vendor, s.tender_id, bundle, s.master)


async def _close_submission(engine: AsyncEngine, tender_id: int) -> None:
    """Move the clock past the submission deadline (the schedule moves back instead)."""
    closed = (
        "UPDATE t_3507.tender_stages SET starts_at = now() - interval '2 days', "
        "ends_at = now() - interval '1 second' WHERE tender_id = :t AND stage <> 'bid_opening'"
    )
    opening = (
        "UPDATE t_3507.tender_stages SET starts_at = now() - interval '1 second' "
        "WHERE tender_id = :t AND stage = 'bid_opening'"
    )
    async with engine.begin() as connection:
        await connection.execute(text(closed), {"t": tender_id})
        await connection.execute(text(opening), {"t": tender_id})


async def test_a_started_stage_cannot_be_moved_and_a_future_one_can(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    later = datetime.now(UTC) + 5 * DAY
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        with pytest.raises(Conflict, match="has started already"):
            await reschedule_stage(
                session, stage.pokja, stage.tender_id, "bid_submission", later, later + DAY, "x"
            )
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        with pytest.raises(InvalidInput, match="reason"):
            await reschedule_stage(
                session, stage.pokja, stage.tender_id, "evaluation", later, later + DAY, " "
            )
        window = await reschedule_stage(
            session,
            stage.pokja,
            stage.tender_id,
            "evaluation",
            later,
            later + DAY,
            "banyak pertanyaan di penjelasan",
        )
    assert window.starts_at == later


async def test_a_bid_tampered_in_the_database_is_reported_not_opened(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 850_000_000)
    async with clean_identity.begin() as connection:  # someone with database access flips one byte
        await connection.execute(
            text(
                "UPDATE t_3507.bids SET bundle = overlay(bundle placing decode("
                "CASE WHEN get_byte(bundle, 200) = 65 "
                "THEN '42' ELSE '41' END, 'hex') from 201 for 1) WHERE tender_id = :t"
            ),
            {"t": stage.tender_id},
        )
    await _close_submission(clean_identity, stage.tender_id)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        opening = await open_bids(session, stage.pokja, stage.tender_id, stage.master)
    assert opening["tampered"] == 1
    assert opening["bids"][0]["status"] == "tampered"
    assert opening["bids"][0]["price"] is None


async def test_only_the_committee_opens_and_only_once(stage: Stage, clean_identity: AsyncEngine) -> None:
    await _bid(clean_identity, stage, 850_000_000)
    await _close_submission(clean_identity, stage.tender_id)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        with pytest.raises(Forbidden):
            await open_bids(session, stage.vendor, stage.tender_id, stage.master)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        assert (await open_bids(session, stage.pokja, stage.tender_id, stage.master))["bids"][0][
            "price"
        ] == 850_000_000
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        with pytest.raises(Conflict, match="opened already"):
            await open_bids(session, stage.pokja, stage.tender_id, stage.master)
        with pytest.raises(Conflict, match="was opened"):
            await cancel_tender(session, stage.pokja, stage.tender_id, "terlambat")


async def test_a_master_key_rotation_keeps_every_bid_openable(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 777_000_000)
    new_master = MasterKey.parse(MasterKey.generate())
    before = await _bundles(clean_identity, stage.tender_id)
    async with hub_sessions(clean_identity)() as session, session.begin():
        assert await rewrap_tenant_keys(session, stage.master, new_master) >= 1
    try:
        await _opens_only_under(clean_identity, stage, new_master, before)
    finally:  # the run goes on with its own master key
        async with hub_sessions(clean_identity)() as session, session.begin():
            await rewrap_tenant_keys(session, new_master, stage.master)


async def _opens_only_under(
    engine: AsyncEngine, stage: Stage, new_master: MasterKey, before: list[bytes]
) -> None:
    clean_identity = engine
    assert await _bundles(clean_identity, stage.tender_id) == before  # no bid was re-encrypted
    await _close_submission(clean_identity, stage.tender_id)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        with pytest.raises(KeyUnwrapError):  # the old master key no longer opens the tenant key
            await open_bids(session, stage.pokja, stage.tender_id, stage.master)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        assert (await open_bids(session, stage.pokja, stage.tender_id, new_master))["bids"][0][
            "price"
        ] == 777_000_000


async def _bundles(engine: AsyncEngine, tender_id: int) -> list[bytes]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT bundle FROM t_3507.bids WHERE tender_id = :t"), {"t": tender_id}
        )
        return [bytes(r[0]) for r in rows]


async def test_an_oversize_or_foreign_document_is_refused(stage: Stage, clean_identity: AsyncEngine) -> None:
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        with pytest.raises(InvalidInput, match="MiB"):
            await upload_document(
                session,
                stage.pokja,
                stage.tender_id,
                "besar.pdf",
                "application/pdf",
                b"x" * (MAX_DOCUMENT_BYTES + 1),
                PostgresBlobStore(),
            )
        with pytest.raises(InvalidInput, match="not accepted"):
            await upload_document(
                session,
                stage.pokja,
                stage.tender_id,
                "x.exe",
                "application/x-msdownload",
                b"MZ",
                PostgresBlobStore(),
            )
        with pytest.raises(Forbidden):
            await upload_document(
                session,
                stage.vendor,
                stage.tender_id,
                "a.pdf",
                "application/pdf",
                b"%PDF",
                PostgresBlobStore(),
            )


async def _open(engine: AsyncEngine, s: Stage) -> dict[str, object]:
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        return await open_bids(session, s.pokja, s.tender_id, s.master)


async def test_a_bid_held_across_the_close_is_in_the_opening_or_refused(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    await _bid(engine, stage, 900_000_000)  # the vendor's previous bid
    async with engine.connect() as holder:
        # Another transaction holds the vendor's registration row (as a second bid being stored
        # would): the new bid, past its deadline check, waits there while the close passes.
        await holder.execute(
            text("SELECT 1 FROM t_3507.registrations WHERE tender_id = :t FOR UPDATE"),
            {"t": stage.tender_id},
        )
        late = asyncio.create_task(_bid(engine, stage, 850_000_000))
        await until_waiting_on_locks(engine, 1, unless=[late])
        await _close_submission(engine, stage.tender_id)
        opening = asyncio.create_task(_open(engine, stage))
        await until_waiting_on_locks(engine, 2, unless=[opening])
        await holder.rollback()
    opened = await opening
    (outcome,) = await asyncio.gather(late, return_exceptions=True)
    assert outcome is None or isinstance(outcome, Conflict), outcome
    bids = opened["bids"]
    assert isinstance(bids, list)
    assert len(bids) == 1
    # receipted (no exception): the opening shows it; refused: the opening shows the previous bid
    assert bids[0]["price"] == (850_000_000 if outcome is None else 900_000_000)


async def test_a_bid_waiting_on_the_close_while_the_opening_commits_is_refused(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    """The bid's checks read the tender's status only once the close is held (issue 20 folded the
    lock into the statement that finds the caller's vendor): an opening that commits while the bid
    waits on the close shows, though the bid's transaction began before the deadline."""
    engine = clean_identity
    async with engine.connect() as opening:
        # As the opening does: the close held exclusively, then the tender marked opened.
        await opening.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"close:3507:{stage.tender_id}"}
        )
        late = asyncio.create_task(_bid(engine, stage, 850_000_000))
        await until_waiting_on_locks(engine, 1, unless=[late])
        await opening.execute(
            text("UPDATE t_3507.tenders SET status = 'opened', opened_at = now() WHERE id = :t"),
            {"t": stage.tender_id},
        )
        await opening.commit()
    with pytest.raises(Conflict, match=f"tender {stage.tender_id} is opened"):
        await late
