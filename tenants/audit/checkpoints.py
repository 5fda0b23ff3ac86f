"""Signed checkpoints of each tenant's audit log: what outsiders keep so no rewrite goes unseen.

An anchor sits in the same database as the log, so whoever can rewrite the log can rewrite its
anchors. A checkpoint is the chain head (tenant code, ``seq``, head hash, time) signed with the
hub's checkpoint key, an Ed25519 key of its own (apart from the receipt key; its private half
wrapped by the master key, bound to its ``kid``), and published: at ``GET /api/audit/checkpoints``
and as an entry of the change feed, in the transaction that stores it. Peers (``peer sync``) and
aggregators that keep copies can later show what the head was; ``compare_checkpoints`` tells
whether a database still agrees (Certificate Transparency's signed tree heads are the model).

The signed message is ``checkpoint_message``: a domain prefix, then the canonical JSON of the
fields, so a checkpoint signature can never pass for a receipt or anything else the hub signs.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub.core.database import schema_of
from hub.core.errors import Conflict, InvalidInput
from hub.core.key_wrapping import unwrap, wrap
from hub.core.master_key import MasterKey
from tenants.audit.canonical import canonical_json, iso_utc
from tenants.audit.chain import lock_chain, tenant_schema
from tenants.audit.models import AuditEntry, Checkpoint, CheckpointKey

DOMAIN = b"lpse-hub audit checkpoint v1\n"
KEY_LOG_CHAIN = "vendor-keys"
"""The one chain checkpointed that is not a tenant's audit log: the vendor key log
(``federation.vendors.key_log``), in place of a tenant code. Tenant codes are Kemendagri codes,
digits only, so no tenant can ever hold it."""
PUBLIC_KEY_PREFIX = "ed25519:"
_RAW = serialization.Encoding.Raw


def checkpoint_message(*, tenant_code: str, seq: int, head_hash: str, at: datetime, kid: str) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    fields = {"tenant_code": tenant_code, "seq": seq, "head_hash": head_hash, "at": iso_utc(at), "kid": kid}
    return DOMAIN + canonical_json(fields).encode("utf-8")


@dataclass(frozen=True, slots=True)
class ChainedLog:
    """A hash-chained log checkpoints are made of: the columns of its entries' numbers (1, 2, 3...)
    and hashes."""

    seq: InstrumentedAttribute[int]
    hash: InstrumentedAttribute[str]


AUDIT_LOG = ChainedLog(AuditEntry.seq, AuditEntry.hash)
"""A tenant's audit log (in the tenant session's schema)."""


def chain_label(chain: str) -> str:
    """How sentences name a checkpointed chain: ``tenant 3507``, or ``vendor key log``."""
    return "vendor key log" if chain == KEY_LOG_CHAIN else f"tenant {chain}"


def log_name(chain: str) -> str:
    """The log a chain's checkpoints are of: ``audit log of tenant 3507``, or ``vendor key log``."""
    return "vendor key log" if chain == KEY_LOG_CHAIN else f"audit log of tenant {chain}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key_context(kid: str) -> bytes:
    return f"lpse-hub/checkpoint-key/{kid}".encode()


async def checkpoint_signer(session: AsyncSession, master: MasterKey) -> tuple[str, Ed25519PrivateKey]:
    """The current checkpoint key's ``kid`` and private half, created on first use."""
    current = select(CheckpointKey).where(CheckpointKey.retired_at.is_(None))
    record = await session.scalar(current)
    if record is None:
        # Two replicas may race to create it; a unique index admits one current key.
        private = Ed25519PrivateKey.generate()
        public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
        kid = hashlib.sha256(public).hexdigest()[:16]
        raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        await session.execute(
            insert(CheckpointKey)
            .values(
                kid=kid,
                private_key=wrap(raw, master.key, _key_context(kid)),
                public_key=PUBLIC_KEY_PREFIX + _b64(public),
            )
            .on_conflict_do_nothing()
        )
        record = await session.scalar(current.execution_options(populate_existing=True))
        assert record is not None
    raw = unwrap(record.private_key, master.key, _key_context(record.kid))
    return record.kid, Ed25519PrivateKey.from_private_bytes(raw)


async def rewrap_checkpoint_keys(session: AsyncSession, old: MasterKey, new: MasterKey) -> None:
    """Re-wrap every checkpoint key under the new master key (part of rotating the master key)."""
    for record in (await session.execute(select(CheckpointKey).with_for_update())).scalars():
        raw = unwrap(record.private_key, old.key, _key_context(record.kid))
        record.private_key = wrap(raw, new.key, _key_context(record.kid))
    await session.flush()


async def checkpoint_public_keys(session: AsyncSession) -> list[CheckpointKey]:
    """Every checkpoint key the hub ever had, newest first: old checkpoints stay checkable."""
    query = select(CheckpointKey).order_by(CheckpointKey.created_at.desc())
    return list((await session.execute(query)).scalars())


async def checkpoint_chain(
    session: AsyncSession, tenant_code: str, master: MasterKey, *, at: datetime | None = None
) -> Checkpoint | None:
    """Sign and record the tenant's current head; ``None`` when the log is empty or unchanged.

    Run it in the tenant's session, in a transaction. ``at`` is the checkpoint's time (the
    database clock by default; a probe round passes its own). A head that contradicts the last
    checkpoint (that entry gone or changed) is not signed: ``Conflict``.
    """
    if schema_of(tenant_code) != tenant_schema(session):
        raise ValueError(f"tenant {tenant_code} is not the tenant of this session ({tenant_schema(session)})")
    await lock_chain(session)
    return await checkpoint_log(session, tenant_code, AUDIT_LOG, master, at=at)


async def checkpoint_log(
    session: AsyncSession, chain: str, entries: ChainedLog, master: MasterKey, *, at: datetime | None = None
) -> Checkpoint | None:
    """Sign and record the head of the hash-chained log ``entries`` as a checkpoint of ``chain`` (a
    tenant's code, or ``KEY_LOG_CHAIN``); ``None`` when the log is empty or unchanged since its last
    checkpoint.

    The caller holds the log's append lock, in a transaction. ``at`` is the checkpoint's time (the
    database clock by default). A head that contradicts the last checkpoint (that entry gone or
    changed) is not signed: ``Conflict``.
    """
    head = (
        await session.execute(select(entries.seq, entries.hash).order_by(entries.seq.desc()).limit(1))
    ).first()
    last = await session.scalar(
        select(Checkpoint).where(Checkpoint.tenant_code == chain).order_by(Checkpoint.id.desc()).limit(1)
    )
    if last is not None:
        kept = await session.scalar(select(entries.hash).where(entries.seq == last.seq))
        if kept != last.head_hash:
            raise Conflict(
                f"the {log_name(chain)} no longer matches its checkpoint at entry {last.seq}; "
                "run 'lpse-hub audit verify'"
            )
    if head is None or (last is not None and (last.seq, last.head_hash) == (head.seq, head.hash)):
        return None
    when = at if at is not None else await session.scalar(select(func.now()))
    assert when is not None
    kid, private = await checkpoint_signer(session, master)
    message = checkpoint_message(tenant_code=chain, seq=head.seq, head_hash=head.hash, at=when, kid=kid)
    checkpoint = Checkpoint(
        tenant_code=chain,
        seq=head.seq,
        head_hash=head.hash,
        at=when,
        kid=kid,
        signature=_b64(private.sign(message)),
    )
    session.add(checkpoint)
    await session.flush()
    return checkpoint


async def list_checkpoints(
    session: AsyncSession, *, since: datetime | None = None, limit: int = 1000
) -> list[Checkpoint]:
    """Checkpoints of every tenant, oldest first; only those made after ``since`` when given."""
    query = select(Checkpoint).order_by(Checkpoint.at, Checkpoint.id).limit(limit)
    if since is not None:
        query = query.where(Checkpoint.at > since)
    return list((await session.execute(query)).scalars())


def signature_valid(checkpoint: Mapping[str, object], public_keys: Mapping[str, str]) -> bool:
    """Whether a checkpoint as published (``Checkpoint.to_dict``) carries a valid signature by the
    key named by its ``kid`` among ``public_keys`` (kid -> ``ed25519:...``)."""
    try:
        encoded = public_keys[str(checkpoint["kid"])].removeprefix(PUBLIC_KEY_PREFIX)
        public = Ed25519PublicKey.from_public_bytes(_unb64(encoded))
        message = checkpoint_message(
            tenant_code=str(checkpoint["tenant_code"]),
            seq=int(str(checkpoint["seq"])),
            head_hash=str(checkpoint["head_hash"]),
            at=datetime.fromisoformat(str(checkpoint["at"])),
            kid=str(checkpoint["kid"]),
        )
        public.verify(_unb64(str(checkpoint["signature"])), message)
    except (KeyError, ValueError, InvalidSignature):
        return False
    return True


@dataclass(frozen=True, slots=True)
class SavedCheckpoint:
    """A checkpoint as kept elsewhere: the head a tenant's log had, which the database must still have."""

    tenant_code: str
    seq: int
    head_hash: str

    @classmethod
    def parse(cls, item: object) -> SavedCheckpoint:
        if not isinstance(item, Mapping):
            raise InvalidInput("a saved checkpoint is a JSON object with tenant_code, seq and head_hash")
        try:
            code, seq, head = str(item["tenant_code"]), int(item["seq"]), str(item["head_hash"])
        except (KeyError, TypeError, ValueError):
            raise InvalidInput("a saved checkpoint needs tenant_code, seq (a number) and head_hash") from None
        return cls(code, seq, head)


async def compare_checkpoints(session: AsyncSession, saved: Iterable[SavedCheckpoint]) -> list[str]:
    """One sentence per saved checkpoint of the session's tenant that its log contradicts."""
    return await compare_log(session, tenant_schema(session).removeprefix("t_"), AUDIT_LOG, saved)


async def compare_log(
    session: AsyncSession, chain: str, entries: ChainedLog, saved: Iterable[SavedCheckpoint]
) -> list[str]:
    """One sentence per saved checkpoint of ``chain`` that the log ``entries`` contradicts (the
    others in ``saved`` are not its own and are passed over).

    Contradicts: the entry at the checkpoint's ``seq`` is gone (the log is shorter than the
    checkpoint) or has another hash (the log was rewritten at or before that entry).
    """
    mine = sorted((c for c in saved if c.tenant_code == chain), key=lambda c: c.seq)
    if not mine:
        return []
    seqs = {c.seq for c in mine}
    rows = await session.execute(select(entries.seq, entries.hash).where(entries.seq.in_(seqs)))
    stored: dict[int, str] = {seq: entry_hash for seq, entry_hash in rows}
    problems = []
    for checkpoint in mine:
        found = stored.get(checkpoint.seq)
        if found is None:
            problems.append(
                f"{chain_label(chain)}: entry {checkpoint.seq} is checkpointed but the log is shorter: "
                "it was cut off"
            )
        elif found != checkpoint.head_hash:
            problems.append(
                f"{chain_label(chain)}: entry {checkpoint.seq} has hash {found[:16]}... but was "
                f"checkpointed with {checkpoint.head_hash[:16]}...: the log was rewritten"
            )
    return problems
