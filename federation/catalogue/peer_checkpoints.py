"""The audit checkpoints of peer hubs, kept here: copies outside each peer's reach (issue 15).

A checkpoint is worth what the copies held outside its hub are worth (``tenants.audit.checkpoints``;
Certificate Transparency's signed tree heads are the model). ``peer sync`` hands each checkpoint
entry of a peer's feed to ``keep_peer_checkpoint``: its signature is checked with the peer's
checkpoint key as this hub first saw it (``pin_peer_keys``: a kid later published with another key
is not believed), and it is kept. A checkpoint that contradicts one kept before is kept too, marked
and reported:

- ``fork``: two heads signed for the same entry of one tenant's log, or of the peer's vendor key log
  (``vendor-keys`` in place of a tenant code) (same ``seq``, another hash):
  the peer rewrote that log, or shows its readers different logs (a split view);
- ``rollback``: a head signed later than another but shorter than it: an append-only log lost
  entries.

Either is two statements signed by one peer's keys that cannot both be true: anyone can check both
signatures with the peer's published keys, so the pair proves that the peer misbehaved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.models import Peer, PeerCheckpoint, PeerCheckpointKey
from hub.core.errors import NotFound
from tenants.audit import chain_label, signature_valid

HEAD_HASH = re.compile(r"[0-9a-f]{64}")
PUBLIC_KEY = re.compile(r"ed25519:[A-Za-z0-9_-]{43}")
FORK = "fork"
ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one checkpoint a peer published: ``kept`` (new here), and a sentence when it
    was refused or contradicts one kept before (``conflict``; kept all the same)."""

    kept: bool
    problem: str | None = None
    conflict: bool = False


async def peer_keys(session: AsyncSession, peer: str) -> dict[str, str]:
    """The peer's checkpoint keys as first seen here: kid -> ``ed25519:...``."""
    rows = await session.execute(
        select(PeerCheckpointKey.kid, PeerCheckpointKey.public_key).where(PeerCheckpointKey.peer == peer)
    )
    return {kid: key for kid, key in rows}


async def pin_peer_keys(session: AsyncSession, peer: str, published: Iterable[object]) -> list[str]:
    """Keep the keys the peer publishes (``GET /api/audit/checkpoint-keys``) that are new here; one
    sentence per kid it now publishes with another key than the one first seen (that one stays)."""
    pinned = await peer_keys(session, peer)
    problems = []
    for item in published:
        if not isinstance(item, Mapping):
            continue
        kid, key = item.get("kid"), item.get("public_key")
        if not (
            isinstance(kid, str) and 0 < len(kid) <= 64 and isinstance(key, str) and PUBLIC_KEY.fullmatch(key)
        ):
            continue
        if kid not in pinned:
            await session.execute(
                insert(PeerCheckpointKey).values(peer=peer, kid=kid, public_key=key).on_conflict_do_nothing()
            )
        elif pinned[kid] != key:
            problems.append(
                f"peer {peer} now publishes checkpoint key {kid} as {key}, first seen as {pinned[kid]}: "
                "its checkpoints under that kid are checked with the first"
            )
    return problems


def _statement(item: object) -> dict[str, Any] | None:
    """The fields of a published checkpoint, each of the shape this hub stores; ``None`` if not."""
    if not isinstance(item, Mapping):
        return None
    code, seq, head, at, kid, signature = (
        item.get(k) for k in ("tenant_code", "seq", "head_hash", "at", "kid", "signature")
    )
    if not (
        isinstance(code, str) and 0 < len(code) <= 16 and isinstance(seq, int) and not isinstance(seq, bool)
    ):
        return None
    if not (isinstance(head, str) and HEAD_HASH.fullmatch(head) and isinstance(at, str)):
        return None
    if not (isinstance(kid, str) and len(kid) <= 64 and isinstance(signature, str) and len(signature) <= 128):
        return None
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return {
        "tenant_code": code,
        "seq": seq,
        "head_hash": head,
        "at": when,
        "kid": kid,
        "signature": signature,
    }


async def keep_peer_checkpoint(
    session: AsyncSession, peer: str, item: object, keys: Mapping[str, str]
) -> Outcome:
    """Check and keep one checkpoint the peer published (``item``, as ``GET /api/audit/checkpoints``
    serves it), in the caller's transaction. A checkpoint kept already is not kept twice."""
    fields = _statement(item)
    if fields is None or not isinstance(item, Mapping):
        return Outcome(False, f"peer {peer}: a checkpoint entry that is not a checkpoint was refused")
    name = f"peer {peer}'s checkpoint of {chain_label(fields['tenant_code'])} at entry {fields['seq']}"
    if fields["kid"] not in keys:
        return Outcome(False, f"{name} is signed by key {fields['kid']}, which it does not publish: refused")
    if not signature_valid(item, keys):
        return Outcome(False, f"{name} does not carry a valid signature of key {fields['kid']}: refused")
    contradicted = await _contradiction(session, peer, fields)
    kind, earlier = contradicted if contradicted else (None, None)
    row = await session.execute(
        insert(PeerCheckpoint)
        .values(peer=peer, **fields, conflict=kind, conflicts_with=earlier.id if earlier else None)
        .on_conflict_do_nothing(constraint="uq_peer_checkpoints_statement")
        .returning(PeerCheckpoint.id)
    )
    if row.scalar() is None:
        return Outcome(False)  # kept already
    if kind is None or earlier is None:
        return Outcome(True)
    if kind == FORK:
        problem = (
            f"SPLIT VIEW OR REWRITE: {name} says head {fields['head_hash'][:16]}... "
            f"(at {fields['at'].isoformat()}) but it signed {earlier.head_hash[:16]}... for that entry "
            f"before (at {earlier.at.isoformat()}); both kept"
        )
    else:
        problem = (
            f"LOG WENT BACK: {name} (at {fields['at'].isoformat()}) is shorter than its checkpoint at entry "
            f"{earlier.seq} (at {earlier.at.isoformat()}); both kept"
        )
    return Outcome(True, problem, conflict=True)


async def _contradiction(
    session: AsyncSession, peer: str, fields: Mapping[str, Any]
) -> tuple[str, PeerCheckpoint] | None:
    """The kept checkpoint the new one contradicts first, and how: another head for the same entry,
    or a head signed before it that is longer (or after it, shorter). Only the neighbours in time
    are asked: what was kept without a contradiction only grows."""
    of_tenant = select(PeerCheckpoint).where(
        PeerCheckpoint.peer == peer, PeerCheckpoint.tenant_code == fields["tenant_code"]
    )
    fork = await session.scalar(
        of_tenant.where(PeerCheckpoint.seq == fields["seq"], PeerCheckpoint.head_hash != fields["head_hash"])
        .order_by(PeerCheckpoint.id)
        .limit(1)
    )
    if fork is not None:
        return FORK, fork
    before = await session.scalar(
        of_tenant.where(PeerCheckpoint.at < fields["at"]).order_by(PeerCheckpoint.at.desc()).limit(1)
    )
    if before is not None and before.seq > fields["seq"]:
        return ROLLBACK, before
    after = await session.scalar(
        of_tenant.where(PeerCheckpoint.at > fields["at"]).order_by(PeerCheckpoint.at).limit(1)
    )
    if after is not None and after.seq < fields["seq"]:
        return ROLLBACK, after
    return None


async def list_peer_checkpoints(
    session: AsyncSession, peer: str, *, since: datetime | None = None, limit: int = 1000
) -> list[PeerCheckpoint]:
    """What this hub keeps of the peer's checkpoints, oldest first (by their time, then as kept);
    only those made after ``since`` when given. ``NotFound`` for a peer this hub does not follow."""
    if await session.get(Peer, peer) is None:
        raise NotFound(f"this hub follows no peer {peer!r}")
    query = (
        select(PeerCheckpoint)
        .where(PeerCheckpoint.peer == peer)
        .order_by(PeerCheckpoint.at, PeerCheckpoint.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(PeerCheckpoint.at > since)
    return list((await session.execute(query)).scalars())


async def list_peer_keys(session: AsyncSession, peer: str) -> list[PeerCheckpointKey]:
    """The peer's checkpoint keys as first seen here, oldest first; ``NotFound`` for an unknown peer."""
    if await session.get(Peer, peer) is None:
        raise NotFound(f"this hub follows no peer {peer!r}")
    query = select(PeerCheckpointKey).where(PeerCheckpointKey.peer == peer)
    return list((await session.execute(query.order_by(PeerCheckpointKey.first_seen_at))).scalars())
