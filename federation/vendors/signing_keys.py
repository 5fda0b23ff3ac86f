"""Vendors' signing keys: registered, rotated and revoked by the vendor's own users, kept as history.

A vendor's user makes an Ed25519 key pair on its own machine (``lpse-hub vendor key create``) and
registers the public half here; bids it seals are signed with the private half, which the hub never
sees, so the hub cannot make a bid in the vendor's name. Any user of a vendor may register a key for
it and revoke any of its keys (a user who left the company may have taken one along). Rotation
registers a new key and revokes the old one as ``rotated`` in one transaction. Keys are public:
anyone may read a vendor's keys, revoked ones included, to check a bid's signature.

Each registration and revocation is chained into the vendor key log (``key_log``) in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from federation.identity.models import Account
from federation.vendors.key_log import REGISTERED, REVOKED, append_key_event, event_problem
from federation.vendors.models import (
    KeyRevocation,
    Vendor,
    VendorKeyEvent,
    VendorSigningKey,
    VendorStatus,
)
from hub.core.clock import database_now
from hub.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tenants.sealing import BadSignature, decode_signing_public_key, signing_key_id


async def _vendor_of(session: AsyncSession, account_id: int) -> int:
    vendor_id = await session.scalar(select(Account.vendor_id).where(Account.id == account_id))
    if vendor_id is None:
        raise Forbidden("only a vendor's user has signing keys")
    return int(vendor_id)


async def register_signing_key(
    session: AsyncSession, account_id: int, public_key: str, *, replaces: str | None = None
) -> VendorSigningKey:
    """Register the public half (``ed25519:...``) of a key the caller made for its vendor; with
    ``replaces``, revoke that key of the vendor as ``rotated`` by it, in the same transaction.

    A key is registered once on the whole hub (``Conflict`` the second time, even after revocation),
    so a key id names one vendor's key for good.
    """
    vendor_id = await _vendor_of(session, account_id)
    raw = decode_signing_public_key(public_key)
    key_id = signing_key_id(raw)
    if await session.scalar(select(VendorSigningKey.id).where(VendorSigningKey.key_id == key_id)):
        raise Conflict(f"key {key_id} is registered already; make a new one", field="public_key")
    now = await database_now(session)
    key = VendorSigningKey(
        key_id=key_id, vendor_id=vendor_id, account_id=account_id, public_key=raw, registered_at=now
    )
    session.add(key)
    await session.flush()
    await append_key_event(session, actor_id=account_id, action=REGISTERED, key=key, at=now)
    if replaces is not None:
        await _revoke(session, vendor_id, account_id, replaces, KeyRevocation.ROTATED, now, key_id)
    return key


async def revoke_signing_key(
    session: AsyncSession, account_id: int, key_id: str, reason: str
) -> VendorSigningKey:
    """Revoke a key of the caller's vendor from now on: ``compromised``, ``left_company`` or
    ``retired`` (``rotated`` is what registering its replacement with ``replaces`` does). Bids
    received while it was valid stay verified."""
    try:
        why = KeyRevocation(reason)
    except ValueError:
        why = None
    if why is None or why == KeyRevocation.ROTATED:
        names = ", ".join(r.value for r in KeyRevocation if r != KeyRevocation.ROTATED)
        raise InvalidInput(
            f"a revocation's reason is one of {names} (a rotation registers the new key with replaces)",
            field="reason",
        )
    vendor_id = await _vendor_of(session, account_id)
    return await _revoke(session, vendor_id, account_id, key_id, why, await database_now(session), None)


async def _revoke(
    session: AsyncSession,
    vendor_id: int,
    account_id: int,
    key_id: str,
    reason: KeyRevocation,
    now: datetime,
    replaced_by: str | None,
) -> VendorSigningKey:
    revoked = await session.scalar(
        update(VendorSigningKey)
        .where(
            VendorSigningKey.key_id == key_id,
            VendorSigningKey.vendor_id == vendor_id,
            VendorSigningKey.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoke_reason=reason.value, revoked_by=account_id, replaced_by=replaced_by)
        .returning(VendorSigningKey)
        .execution_options(synchronize_session=False)
    )
    if revoked is None:
        owned = await session.scalar(
            select(VendorSigningKey.revoked_at).where(
                VendorSigningKey.key_id == key_id, VendorSigningKey.vendor_id == vendor_id
            )
        )
        if owned is None:
            raise NotFound(f"your vendor has no signing key {key_id}")
        raise Conflict(f"key {key_id} was revoked already, at {owned.isoformat()}")
    await session.refresh(revoked)
    await append_key_event(session, actor_id=account_id, action=REVOKED, key=revoked, at=now)
    return revoked


async def own_signing_keys(session: AsyncSession, account_id: int) -> list[VendorSigningKey]:
    """Every key of the caller's vendor, revoked ones too, oldest first."""
    return await _keys_of(session, await _vendor_of(session, account_id))


async def public_signing_keys(session: AsyncSession, vendor_id: int) -> list[VendorSigningKey]:
    """Every key of a vendor, for anyone checking its bids; ``NotFound`` for an id never issued and for
    a vendor never verified (in the same words, as the public vendor record does)."""
    status = await session.scalar(select(Vendor.status).where(Vendor.id == vendor_id))
    if status is None or status == VendorStatus.REGISTERED:
        raise NotFound(f"no vendor {vendor_id}")
    return await _keys_of(session, vendor_id)


async def _keys_of(session: AsyncSession, vendor_id: int) -> list[VendorSigningKey]:
    query = (
        select(VendorSigningKey).where(VendorSigningKey.vendor_id == vendor_id).order_by(VendorSigningKey.id)
    )
    return list((await session.execute(query)).scalars())


async def require_signing_key(session: AsyncSession, vendor_id: int, key_id: str | None) -> bytes:
    """The raw public key ``key_id`` names, if it is a key of ``vendor_id`` valid now (the database
    clock of the transaction, which is also the bid's time of receipt); ``BadSignature`` otherwise.
    One indexed query (on the bid path)."""
    if key_id is None:
        return signing_key_of(None, vendor_id, key_id, datetime.min)  # refused: not signed
    key = await session.scalar(select(VendorSigningKey).where(VendorSigningKey.key_id == key_id))
    return signing_key_of(key, vendor_id, key_id, await database_now(session))  # now: no query here


class SigningKeyRow(Protocol):
    """What ``signing_key_of`` reads of a key: its row, or the same columns read by another query."""

    @property
    def vendor_id(self) -> int: ...
    @property
    def public_key(self) -> bytes: ...
    @property
    def registered_at(self) -> datetime: ...
    @property
    def revoked_at(self) -> datetime | None: ...


def signing_key_of(key: SigningKeyRow | None, vendor_id: int, key_id: str | None, now: datetime) -> bytes:
    """``require_signing_key``'s verdict on the key ``key_id`` as read (``None``: no such key) at
    ``now``: for a caller that reads the key with a statement of its own (the bid path,
    ``tenants.tenders.bidding.bidder``)."""
    if key_id is None:
        raise BadSignature(
            "the bundle is not signed: seal it with your vendor's registered signing key "
            "(lpse-hub bid seal --signing-key FILE)"
        )
    if key is None or key.vendor_id != vendor_id:
        raise BadSignature(f"key {key_id} is not a signing key of vendor {vendor_id}")
    if not (key.registered_at <= now and (key.revoked_at is None or now < key.revoked_at)):
        when = key.revoked_at.isoformat() if key.revoked_at else key.registered_at.isoformat()
        raise BadSignature(f"key {key_id} is not valid now: revoked, or valid only from {when}")
    return bytes(key.public_key)


@dataclass(frozen=True, slots=True)
class KnownKey:
    """A vendor's signing key as a checker of stored bids needs it: whose it is, when it was valid,
    and whether the vendor key log vouches for its row (``log_problem`` ``None``)."""

    key_id: str
    vendor_id: int
    public_key: bytes
    registered_at: datetime
    revoked_at: datetime | None
    log_problem: str | None

    def valid_at(self, moment: datetime) -> bool:
        return self.registered_at <= moment and (self.revoked_at is None or moment < self.revoked_at)


async def keys_of_vendors(session: AsyncSession, vendor_ids: Select[Any]) -> Mapping[str, KnownKey]:
    """Every key of the vendors ``vendor_ids`` selects, by key id, each with its registration and
    revocation events checked (their hashes, and the row against them): one query."""
    registration, revocation = aliased(VendorKeyEvent), aliased(VendorKeyEvent)

    def logged(event: Any, action: str) -> Any:
        return and_(event.action == action, event.payload["key_id"].astext == VendorSigningKey.key_id)

    query = (
        select(VendorSigningKey, registration, revocation)
        .outerjoin(registration, logged(registration, REGISTERED))
        .outerjoin(revocation, logged(revocation, REVOKED))
        .where(VendorSigningKey.vendor_id.in_(vendor_ids))
        .execution_options(yield_per=KEYS_PER_STEP)
    )
    found = {}
    # Streamed, ``KEYS_PER_STEP`` rows a fetch: loading a key with its two events and checking
    # their hashes takes about 90 us of CPU, so the 2,000 keys of a large opening, read at once,
    # held the event loop for 180 ms in one step (issue 20, docs/BENCHMARKS.md); a fetch a
    # partition lets the loop serve other requests between partitions.
    rows = await session.stream(query)
    async for partition in rows.partitions():
        for key, registered, revoked in partition:
            found[key.key_id] = KnownKey(
                key.key_id,
                key.vendor_id,
                key.public_key,
                key.registered_at,
                key.revoked_at,
                event_problem(key, registered, revoked),
            )
    return found


KEYS_PER_STEP = 50
"""Keys loaded and checked per loop step by ``keys_of_vendors``: about 5 ms of CPU."""
