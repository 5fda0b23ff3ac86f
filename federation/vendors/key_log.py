"""The vendor key log: every registration and revocation of a vendor's signing key, hash-chained.

The keys that vouch for bids live in ``hub.vendor_signing_keys``, which anyone with database write
access can change: a key of their own inserted under a vendor would make their forged bundle verify.
So each key event is also appended here, in the transaction that registers or revokes the key, hashed
exactly as a tenant's audit entry is (``tenants.audit.canonical.entry_hash``) and chained to the event
before it. ``verify_vendor_key_log`` (run by ``lpse-hub audit verify``) then finds a key row with no
matching registration, a revocation undone or moved, an event edited, removed or reordered.

Each probe round also signs the log's head as a checkpoint (``checkpoint_key_log``), stored and
published as a tenant's audit head is, under the reserved name ``vendor-keys`` (``KEY_LOG_CHAIN``)
in place of a tenant code: at ``GET /api/audit/checkpoints``, in the change feed, kept by peer hubs.
``verify_vendor_key_log`` checks the log against the hub's own checkpoints of it, and
``compare_key_log`` against copies kept elsewhere (``lpse-hub audit verify --checkpoints``): an
event rewritten at or before a checkpointed entry, or the log cut shorter than one, shows.

What it cannot find: an insider who appends a well-formed event for their key at the head of the
log. That only extends the log; the vendor sees the key in its public key history (see
docs/SECURITY.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.vendors.models import VendorKeyEvent, VendorSigningKey
from hub.core.master_key import MasterKey
from tenants.audit import (
    GENESIS_HASH,
    KEY_LOG_CHAIN,
    ChainedLog,
    Checkpoint,
    SavedCheckpoint,
    checkpoint_log,
    compare_log,
    entry_hash,
)
from tenants.sealing import encode_signing_public_key

REGISTERED, REVOKED = "vendor_key.registered", "vendor_key.revoked"
KEY_LOG = ChainedLog(VendorKeyEvent.seq, VendorKeyEvent.hash)


async def append_key_event(
    session: AsyncSession, *, actor_id: int, action: str, key: VendorSigningKey, at: datetime
) -> VendorKeyEvent:
    """Chain the registration or revocation of ``key`` (as it is now) at the log's head, in the
    caller's transaction; appends are serialised by a transaction-level advisory lock."""
    await lock_key_log(session)
    head = (
        await session.execute(
            select(VendorKeyEvent.seq, VendorKeyEvent.hash).order_by(VendorKeyEvent.seq.desc()).limit(1)
        )
    ).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head is not None else (1, GENESIS_HASH)
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "subject": f"vendor:{key.vendor_id}",
        "payload": event_payload(action, key),
    }
    event = VendorKeyEvent(**fields, prev_hash=prev_hash, hash=entry_hash(prev_hash, **fields))
    session.add(event)
    await session.flush()
    return event


async def lock_key_log(session: AsyncSession) -> None:
    """Hold the key log's append lock until the transaction ends (appends and checkpoints take it)."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(literal("vendor-key-log")))))


async def checkpoint_key_log(
    session: AsyncSession, master: MasterKey, *, at: datetime | None = None
) -> Checkpoint | None:
    """Sign and record the key log's head as the checkpoint of ``vendor-keys`` (in a hub session's
    transaction); ``None`` when the log is empty or unchanged. A head that contradicts the last
    checkpoint is not signed: ``Conflict``."""
    await lock_key_log(session)
    return await checkpoint_log(session, KEY_LOG_CHAIN, KEY_LOG, master, at=at)


async def compare_key_log(session: AsyncSession, saved: Iterable[SavedCheckpoint]) -> list[str]:
    """One sentence per saved checkpoint of ``vendor-keys`` that the key log contradicts (an entry at
    or before it rewritten, or the log shorter than it); checkpoints of tenants are passed over."""
    return await compare_log(session, KEY_LOG_CHAIN, KEY_LOG, saved)


def event_payload(action: str, key: VendorSigningKey) -> dict[str, Any]:
    """What an event records of a key: all of it that the event vouches for (times are the event's)."""
    if action == REGISTERED:
        return {
            "key_id": key.key_id,
            "public_key": encode_signing_public_key(key.public_key),
            "account_id": key.account_id,
        }
    return {"key_id": key.key_id, "reason": key.revoke_reason, "replaced_by": key.replaced_by}


def event_problem(key: VendorSigningKey, event: Any | None, revocation: Any | None) -> str | None:
    """Why ``key``'s row is not the one its registration ``event`` and its ``revocation`` (if logged)
    vouch for; ``None`` when it is. The events are rows of ``vendor_key_events`` (or ``None``)."""
    name = f"key {key.key_id} of vendor {key.vendor_id}"
    if event is None:
        return f"{name} has no registration in the vendor key log: it was written behind the hub's back"
    if _hash_of(event) != event.hash:
        return f"the registration of {name} in the vendor key log was edited"
    if (event.subject, event.payload, event.at) != (
        f"vendor:{key.vendor_id}",
        event_payload(REGISTERED, key),
        key.registered_at,
    ):
        return f"{name} is not as its registration in the vendor key log records it"
    if revocation is None:
        if key.revoked_at is not None:
            return f"{name} is revoked in its row but the vendor key log has no revocation"
        return None
    if _hash_of(revocation) != revocation.hash:
        return f"the revocation of {name} in the vendor key log was edited"
    if (revocation.payload, revocation.at) != (event_payload(REVOKED, key), key.revoked_at):
        return (
            f"{name} is not revoked as the vendor key log records it (revoked at {revocation.at.isoformat()})"
        )
    return None


def _hash_of(event: Any) -> str:
    content = {name: getattr(event, name) for name in ("seq", "at", "actor_id", "action", "subject")}
    return entry_hash(event.prev_hash, payload=event.payload, **content)


@dataclass(frozen=True, slots=True)
class KeyLogReport:
    """What verifying the vendor key log found: ``ok`` when every key row is as the intact chain of
    events records it, and every event's key is there."""

    events: int
    head_seq: int | None
    head_hash: str | None
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "problems": list(self.problems),
        }


async def verify_vendor_key_log(session: AsyncSession) -> KeyLogReport:
    """Walk the whole log (its hashes and links), hold it against the hub's own checkpoints of it,
    and compare every key row with its events."""
    events = list((await session.execute(select(VendorKeyEvent).order_by(VendorKeyEvent.seq))).scalars())
    keys = list((await session.execute(select(VendorSigningKey).order_by(VendorSigningKey.id))).scalars())
    problems = list(_chain_problems(events))
    signed = await session.execute(
        select(Checkpoint.seq, Checkpoint.head_hash).where(Checkpoint.tenant_code == KEY_LOG_CHAIN)
    )
    problems += await compare_key_log(session, [SavedCheckpoint(KEY_LOG_CHAIN, *row) for row in signed])
    registered = {e.payload.get("key_id"): e for e in events if e.action == REGISTERED}
    revoked = {e.payload.get("key_id"): e for e in events if e.action == REVOKED}
    for key in keys:
        problem = event_problem(key, registered.get(key.key_id), revoked.get(key.key_id))
        if problem is not None:
            problems.append(problem)
    rows = {key.key_id for key in keys}
    problems += [
        f"key {key_id}, registered in the vendor key log at entry {event.seq}, is gone from the hub"
        for key_id, event in registered.items()
        if key_id not in rows
    ]
    head = events[-1] if events else None
    return KeyLogReport(len(events), head.seq if head else None, head.hash if head else None, problems)


def _chain_problems(events: Iterable[VendorKeyEvent]) -> Iterable[str]:
    """The first break of the chain: a gap, a broken link, or an edited event."""
    seq, last = 0, GENESIS_HASH
    for event in events:
        if event.seq != seq + 1:
            yield f"the vendor key log jumps from entry {seq} to entry {event.seq}: entries were deleted"
            return
        if event.prev_hash != last:
            yield f"entry {event.seq} of the vendor key log does not follow entry {seq}: reordered, rewritten"
            return
        if _hash_of(event) != event.hash:
            yield f"entry {event.seq} of the vendor key log was edited: its content does not give its hash"
            return
        seq, last = event.seq, event.hash
