"""The vendor key log's head, checkpointed each probe round like a tenant's audit head (``vendor-keys``
in place of a tenant code): what it catches, against the hub's own checkpoints and copies kept
elsewhere (a file, a peer hub), and what it cannot (a key appended after the last checkpoint, which
the vendor's public key history shows)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from cli import audit
from federation.catalogue.feed import CHECKPOINT, CheckpointEntry, read_feed
from federation.catalogue.peers import add_peer, sync_peer
from federation.identity.models import Account
from federation.vendors import (
    VendorKeyEvent,
    VendorSigningKey,
    checkpoint_key_log,
    compare_key_log,
    public_signing_keys,
    register_signing_key,
    verify_vendor_key_log,
)
from federation.vendors.key_log import REGISTERED
from hub.core.database import hub_sessions
from hub.core.errors import Conflict
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from monitoring.probes import probe_round
from tenants.audit import (
    KEY_LOG_CHAIN,
    Checkpoint,
    SavedCheckpoint,
    checkpoint_public_keys,
    entry_hash,
    signature_valid,
)
from tenants.sealing import encode_signing_public_key, public_raw_of, signing_key_id
from tests.conftest import in_database
from tests.feed_horizon import until_the_feed_has_passed
from tests.integration.federation.conftest import Province

ROUND_AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
"""The injected time of the checkpoints these tests sign."""


async def vendor_with_keys(province: Province, count: int) -> tuple[int, int]:
    """A verified vendor whose user registered ``count`` keys, each in a transaction of its own: the
    key log's entries 1 to ``count``. Its id and its user's."""
    vendor = await province.register()
    await province.verify(vendor.id)
    async with province.hub() as session:
        user = await session.scalar(select(Account.id).where(Account.vendor_id == vendor.id))
    assert user is not None
    for _ in range(count):
        async with province.hub() as session, session.begin():
            await register_signing_key(session, user, encode_signing_public_key(_new_raw()))
    return vendor.id, user


def _new_raw() -> bytes:
    return public_raw_of(Ed25519PrivateKey.generate())


async def checkpoint(engine: AsyncEngine, master: MasterKey, at: datetime = ROUND_AT) -> Checkpoint | None:
    async with hub_sessions(engine)() as session, session.begin():
        return await checkpoint_key_log(session, master, at=at)


async def copied(engine: AsyncEngine) -> list[dict[str, object]]:
    """The hub's checkpoints as an outsider copies them (``GET /api/audit/checkpoints``)."""
    async with hub_sessions(engine)() as session:
        return [
            c.to_dict() for c in (await session.execute(select(Checkpoint).order_by(Checkpoint.id))).scalars()
        ]


async def swap_a_key(engine: AsyncEngine, seq: int) -> str:
    """The insider's rewrite: the key registered at entry ``seq`` swapped for one of their own, in its
    row and its event, and every hash from that entry on recomputed, so the log agrees with itself and
    with the key rows. The new key's id."""
    raw = _new_raw()
    async with hub_sessions(engine)() as session, session.begin():
        events = list((await session.execute(select(VendorKeyEvent).order_by(VendorKeyEvent.seq))).scalars())
        event = events[seq - 1]
        assert event.action == REGISTERED
        key = await session.scalar(
            select(VendorSigningKey).where(VendorSigningKey.key_id == event.payload["key_id"])
        )
        assert key is not None
        key.key_id, key.public_key = signing_key_id(raw), raw
        event.payload = {**event.payload, "key_id": key.key_id, "public_key": encode_signing_public_key(raw)}
        link = event.prev_hash
        for later in events[seq - 1 :]:
            content = {name: getattr(later, name) for name in ("seq", "at", "actor_id", "action", "subject")}
            later.prev_hash, later.hash = link, entry_hash(link, payload=later.payload, **content)
            link = later.hash
    return signing_key_id(raw)


async def cut_off(engine: AsyncEngine, seq: int) -> None:
    """The insider's truncation: entry ``seq`` and its key row gone, and the log ends before it."""
    async with hub_sessions(engine)() as session, session.begin():
        event = await session.get(VendorKeyEvent, seq)
        assert event is not None
        await session.execute(
            delete(VendorSigningKey).where(VendorSigningKey.key_id == event.payload["key_id"])
        )
        await session.execute(delete(VendorKeyEvent).where(VendorKeyEvent.seq >= seq))


async def forget_the_hubs_own_checkpoints(engine: AsyncEngine) -> None:
    """The insider covers the tracks in the hub: its checkpoints of the key log deleted."""
    async with hub_sessions(engine)() as session, session.begin():
        await session.execute(delete(Checkpoint).where(Checkpoint.tenant_code == KEY_LOG_CHAIN))


async def verified(engine: AsyncEngine) -> list[str]:
    async with hub_sessions(engine)() as session:
        return (await verify_vendor_key_log(session)).problems


async def compared(engine: AsyncEngine, saved: list[dict[str, object]]) -> list[str]:
    async with hub_sessions(engine)() as session:
        return await compare_key_log(session, [SavedCheckpoint.parse(c) for c in saved])


async def test_a_probe_round_checkpoints_the_key_logs_head_as_a_tenants_is(
    province: Province, settings: Settings
) -> None:
    await vendor_with_keys(province, 2)
    probed = await probe_round(province.engine, settings)
    assert probed.written
    published = await copied(province.engine)
    async with province.hub() as session:
        keys = {key.kid: key.public_key for key in await checkpoint_public_keys(session)}
        head = await session.scalar(select(VendorKeyEvent.hash).where(VendorKeyEvent.seq == 2))
    ours = [c for c in published if c["tenant_code"] == KEY_LOG_CHAIN]
    assert probed.at is not None
    assert [(c["seq"], c["head_hash"], c["at"]) for c in ours] == [(2, head, probed.at.isoformat())]
    assert signature_valid(ours[0], keys)
    again = await probe_round(province.engine, settings)  # nothing new in the log: nothing signed
    assert again.written
    assert [c for c in await copied(province.engine) if c["tenant_code"] == KEY_LOG_CHAIN] == ours


async def test_a_key_appended_after_a_checkpoint_only_extends_the_log_and_shows_in_its_vendors_history(
    province: Province, settings: Settings
) -> None:
    vendor_id, user = await vendor_with_keys(province, 2)
    await checkpoint(province.engine, MasterKey.of(settings))
    saved = await copied(province.engine)
    # The insider's own key, with a well-formed registration at the head of the log: the chain holds
    # no secret, so the hub's code writes it exactly as a vendor's registration would be written.
    insider = _new_raw()
    async with province.hub() as session, session.begin():
        await register_signing_key(session, user, encode_signing_public_key(insider))
    assert await verified(province.engine) == []
    assert await compared(province.engine, saved) == []  # it extends the log: no checkpoint contradicts it
    async with province.hub() as session:  # but it is public at once, in the vendor's key history
        shown = [key.key_id for key in await public_signing_keys(session, vendor_id)]
    assert shown[-1] == signing_key_id(insider)
    made = await checkpoint(province.engine, MasterKey.of(settings), ROUND_AT + timedelta(minutes=5))
    assert made is not None  # and the next round's checkpoint binds it: from then on it cannot go unseen
    assert made.seq == 3


async def test_an_event_rewritten_before_a_checkpoint_is_caught_against_the_hubs_checkpoints_and_saved_copies(
    province: Province, settings: Settings
) -> None:
    master = MasterKey.of(settings)
    await vendor_with_keys(province, 3)
    await checkpoint(province.engine, master)
    saved = await copied(province.engine)
    assert await compared(province.engine, saved) == []

    await swap_a_key(province.engine, 2)
    problems = await verified(province.engine)
    assert len(problems) == 1
    assert problems[0].startswith("vendor key log: entry 3 has hash")
    assert problems[0].endswith("the log was rewritten")
    with pytest.raises(Conflict, match="vendor key log no longer matches its checkpoint at entry 3"):
        await checkpoint(province.engine, master, ROUND_AT + timedelta(minutes=5))

    await forget_the_hubs_own_checkpoints(province.engine)
    assert await verified(province.engine) == []  # the database alone cannot tell any more
    assert await compared(province.engine, saved) == problems


async def test_a_key_log_cut_shorter_than_its_checkpoint_is_caught(
    province: Province, settings: Settings
) -> None:
    await vendor_with_keys(province, 3)
    await checkpoint(province.engine, MasterKey.of(settings))
    saved = await copied(province.engine)
    await cut_off(province.engine, 3)
    shorter = "vendor key log: entry 3 is checkpointed but the log is shorter: it was cut off"
    assert await verified(province.engine) == [shorter]
    await forget_the_hubs_own_checkpoints(province.engine)
    assert await verified(province.engine) == []
    assert await compared(province.engine, saved) == [shorter]


@pytest.fixture
def lpse(province: Province, settings: Settings) -> Any:
    cli = typer.Typer()
    cli.add_typer(audit.app, name="audit")
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url or "", "LPSE_HUB_DATA_DIR": str(settings.data_dir)}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke


@pytest.mark.parametrize("attack", ["rewrite", "truncation"])
def test_audit_verify_catches_a_rewritten_or_cut_off_key_log_against_checkpoints_saved_before(
    lpse: Any, province: Province, settings: Settings, tmp_path: Path, attack: str
) -> None:
    async def before(engine: AsyncEngine) -> list[dict[str, object]]:
        await vendor_with_keys(Province(engine, province.malang, province.blitar, province.accounts), 3)
        await checkpoint(engine, MasterKey.of(settings))
        return await copied(engine)

    saved = tmp_path / "checkpoints.json"
    saved.write_text(json.dumps(in_database(settings, before)))
    assert lpse("audit", "verify", "--checkpoints", str(saved)).exit_code == 0

    async def tamper(engine: AsyncEngine) -> None:
        await (swap_a_key(engine, 2) if attack == "rewrite" else cut_off(engine, 3))
        await forget_the_hubs_own_checkpoints(engine)

    in_database(settings, tamper)
    shown = lpse("audit", "verify", "--checkpoints", str(saved))
    assert shown.exit_code == 1
    (line,) = [line for line in shown.stdout.splitlines() if "REWRITTEN" in line]  # one line
    expected = "entry 3 has hash" if attack == "rewrite" else "entry 3 is checkpointed but the log is shorter"
    assert line.startswith(f"REWRITTEN vendor key log: {expected}")


@pytest.mark.horizon  # reads the change feed
async def test_a_peer_keeping_the_checkpoints_reports_a_fork_when_the_key_logs_head_is_signed_anew(
    province: Province, settings: Settings
) -> None:
    """The peer reads this hub's own feed and keys, as ``peer sync`` reads them over HTTP."""
    engine, master = province.engine, MasterKey.of(settings)

    async def fetch(url: str, after: str | None, limit: int) -> Mapping[str, Any]:
        await until_the_feed_has_passed(engine)
        async with hub_sessions(engine)() as session:
            page = await read_feed(session, after, limit, CHECKPOINT)
        entries = [
            {"kind": CHECKPOINT, "checkpoint": e.checkpoint.to_dict()}
            for e in page.entries
            if isinstance(e, CheckpointEntry)
        ]
        return {"entries": entries, "next": page.next_cursor}

    async def fetch_keys(url: str) -> list[Any]:
        async with hub_sessions(engine)() as session:
            return [{"kid": k.kid, "public_key": k.public_key} for k in await checkpoint_public_keys(session)]

    async with province.hub() as session, session.begin():
        await add_peer(session, "jatim", "https://jatim.example")
    await vendor_with_keys(province, 3)
    await checkpoint(engine, master)
    first = await sync_peer(engine, "jatim", fetch=fetch, fetch_keys=fetch_keys)
    assert (first.checkpoints, first.refused, first.conflicts) == (1, (), ())

    await swap_a_key(engine, 2)  # the insider rewrites the log, then lets the hub sign its new head
    await forget_the_hubs_own_checkpoints(engine)
    await checkpoint(engine, master, ROUND_AT + timedelta(minutes=5))
    assert await verified(engine) == []
    second = await sync_peer(engine, "jatim", fetch=fetch, fetch_keys=fetch_keys)
    assert len(second.conflicts) == 1
    assert second.conflicts[0].startswith(
        "SPLIT VIEW OR REWRITE: peer jatim's checkpoint of vendor key log at entry 3 says head"
    )
