"""The key ladder of sealed bids: master key -> tenant key -> tender key; and the receipt keys.

The master key comes from a secret and never touches the database. Each tenant has a key of its
own, stored wrapped by the master key in ``hub.tenant_keys``; each tender's private key is stored
wrapped by its tenant key. Rotating the master key re-wraps the tenant keys only: no bid, and no
tender key, is re-encrypted.

The receipt keys (``hub.receipt_keys``) keep their private half wrapped by the master key, bound to
the key's ``kid``. Anyone who can write to the database can add a row, so a row is one of the hub's
only if its private half opens with the master key and gives exactly its public key
(``hub_receipt_keys``): a key an insider inserted, or a genuine wrapped key copied to another row,
does not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import utcnow
from hub.core.errors import InvalidInput
from hub.core.master_key import MasterKey
from tenants.audit import rewrap_checkpoint_keys
from tenants.sealing import (
    KeyUnwrapError,
    decode_receipt_public_key,
    encode_receipt_public_key,
    generate_receipt_key,
    new_tenant_key,
    receipt_public_key_of,
    tenant_key_context,
    unwrap_key,
    wrap_key,
)
from tenants.tenders.bid_key_models import ReceiptKey, TenantKey


def master_key_id(master: MasterKey) -> str:
    """A short, non-secret name for a master key, to tell which one wrapped a tenant key."""
    return hashlib.sha256(b"lpse-hub master key id" + master.key).hexdigest()[:16]


async def tenant_key(session: AsyncSession, master: MasterKey, tenant_code: str) -> bytes:
    """The tenant's key, created on first use."""
    record = await session.get(TenantKey, tenant_code)
    if record is None:
        # Two first announcements in a tenant may race: the first insert wins, the other reads it.
        await session.execute(
            insert(TenantKey)
            .values(
                tenant_code=tenant_code,
                wrapped_key=wrap_key(new_tenant_key(), master.key, tenant_key_context(tenant_code)),
                master_key_id=master_key_id(master),
            )
            .on_conflict_do_nothing(index_elements=["tenant_code"])
        )
        record = await session.scalar(
            select(TenantKey)
            .where(TenantKey.tenant_code == tenant_code)
            .execution_options(populate_existing=True)
        )
        assert record is not None
    return unwrap_key(record.wrapped_key, master.key, tenant_key_context(tenant_code))


async def rewrap_tenant_keys(session: AsyncSession, old: MasterKey, new: MasterKey) -> int:
    """Re-wrap every tenant key under ``new``; returns how many. Bids stay as they are."""
    records = list((await session.execute(select(TenantKey).with_for_update())).scalars())
    for record in records:
        key = unwrap_key(record.wrapped_key, old.key, tenant_key_context(record.tenant_code))
        record.wrapped_key = wrap_key(key, new.key, tenant_key_context(record.tenant_code))
        record.master_key_id = master_key_id(new)
        record.rewrapped_at = utcnow()
    for receipt in (await session.execute(select(ReceiptKey).with_for_update())).scalars():
        private = unwrap_key(receipt.private_key, old.key, _receipt_context(receipt.kid))
        receipt.private_key = wrap_key(private, new.key, _receipt_context(receipt.kid))
    await rewrap_checkpoint_keys(session, old, new)
    await session.flush()
    return len(records)


def _receipt_context(kid: str) -> str:
    return f"lpse-hub/receipt-key/{kid}"


async def receipt_signer(
    session: AsyncSession, master: MasterKey, *, current: tuple[str, bytes] | None = None
) -> tuple[str, bytes]:
    """The current receipt key's id and private half, created on first use.

    ``current``: the current key's id and wrapped private half, when the caller read them already
    (the bid path reads them with the tender, ``bidding.bidder``): unwrapped here without a query."""
    if current is not None:
        kid, wrapped = current
        return kid, unwrap_key(wrapped, master.key, _receipt_context(kid))
    record = await session.scalar(
        select(ReceiptKey).where(ReceiptKey.retired_at.is_(None)).order_by(ReceiptKey.created_at.desc())
    )
    if record is None:
        # Concurrent first bids race to create it; a unique index admits one current key.
        private, public = generate_receipt_key()
        kid = hashlib.sha256(public).hexdigest()[:16]
        await session.execute(
            insert(ReceiptKey)
            .values(
                kid=kid,
                private_key=wrap_key(private, master.key, _receipt_context(kid)),
                public_key=encode_receipt_public_key(public),
            )
            .on_conflict_do_nothing()
        )
        record = await session.scalar(
            select(ReceiptKey)
            .where(ReceiptKey.retired_at.is_(None))
            .execution_options(populate_existing=True)
        )
        assert record is not None
    return record.kid, unwrap_key(record.private_key, master.key, _receipt_context(record.kid))


class ReceiptSigners:
    """The current receipt key, unwrapped once by this process and kept as a signing key (issue 20:
    the deadline rush unwrapped it and rebuilt its Ed25519 key on every bid).

    A key is kept under its ``kid`` and its wrapped bytes as the database gave them, so a key is
    used only when the row the bid read holds exactly what was unwrapped: a re-wrap under a new
    master key or a rotation reads other bytes or another ``kid``, and unwraps again. At most
    ``SIZE`` keys are kept (the newest: a rotation leaves the retired one unused, then gone); the
    memory a worker keeps is so one or two receipt keys that it already held for every bid, beside
    the master key it holds for its life (docs/SECURITY.md, "The receipt key kept unwrapped").
    """

    SIZE = 2

    def __init__(self, master: MasterKey) -> None:
        self._master = master
        self._kept: dict[tuple[str, bytes], Ed25519PrivateKey] = {}

    def signer(self, kid: str, wrapped: bytes) -> Ed25519PrivateKey:
        """The signing key of the receipt key ``kid`` whose private half is ``wrapped``;
        ``KeyUnwrapError`` if it does not open with the master key (as ``receipt_signer``)."""
        kept = self._kept.get((kid, wrapped))
        if kept is None:
            private = unwrap_key(wrapped, self._master.key, _receipt_context(kid))
            kept = Ed25519PrivateKey.from_private_bytes(private)
            if len(self._kept) >= self.SIZE:
                del self._kept[next(iter(self._kept))]  # the oldest
            self._kept[(kid, wrapped)] = kept
        return kept


async def receipt_public_keys(session: AsyncSession, master: MasterKey | None = None) -> list[ReceiptKey]:
    """The receipt keys, newest first: with ``master``, only the hub's own (``is_hub_receipt_key``)."""
    keys = (await session.execute(select(ReceiptKey).order_by(ReceiptKey.created_at.desc()))).scalars()
    return [key for key in keys if master is None or is_hub_receipt_key(key, master)]


@dataclass(frozen=True, slots=True)
class ReceiptKeys:
    """The receipt keys a checker uses: ``kid`` -> raw public key, and the ``kid`` of every row that
    is not one of the hub's (``foreign``: ignored, and named when a receipt uses it)."""

    public: Mapping[str, bytes]
    foreign: frozenset[str] = frozenset()


async def hub_receipt_keys(session: AsyncSession, master: MasterKey | None) -> ReceiptKeys:
    """The receipt keys to check receipts with. With ``master``, a row counts only when it is one of
    the hub's (``is_hub_receipt_key``); without it every row of ``hub.receipt_keys`` is taken on
    trust, as the database says (``lpse-hub audit verify`` where the master key is not at hand)."""
    public: dict[str, bytes] = {}
    foreign: set[str] = set()
    for key in (await session.execute(select(ReceiptKey))).scalars():
        raw = _public_raw(key)
        if raw is None or (master is not None and not is_hub_receipt_key(key, master)):
            foreign.add(key.kid)
        else:
            public[key.kid] = raw
    return ReceiptKeys(public, frozenset(foreign))


def is_hub_receipt_key(key: ReceiptKey, master: MasterKey) -> bool:
    """Whether the row's private half, wrapped by ``master`` and bound to its ``kid``, opens and
    gives exactly its public key: only the hub, holding the master key, can make such a row."""
    raw = _public_raw(key)
    try:
        private = unwrap_key(key.private_key, master.key, _receipt_context(key.kid))
        return raw is not None and receipt_public_key_of(private) == raw
    except (KeyUnwrapError, ValueError):
        return False


def _public_raw(key: ReceiptKey) -> bytes | None:
    try:
        return decode_receipt_public_key(key.public_key)
    except InvalidInput:
        return None
