"""A peer hub's audit checkpoints, kept by ``sync_peer``: checked against the peer's key as first seen,
kept once, and every contradiction (two heads for one entry, a log that went back) kept and reported.

The peer here is a feed of our own making (``Peer``): checkpoints signed with a key the test holds,
as a hub with its master key would sign them, so each attack is one signed statement away.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.models import PeerCheckpoint
from federation.catalogue.peers import add_peer, sync_peer
from hub.core.database import hub_sessions
from tenants.audit import checkpoint_message
from tenants.audit.canonical import iso_utc

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
HEADS = {seq: f"{seq:02d}" * 32 for seq in range(1, 20)}
"""The peer's honest head hash at each entry."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass
class Peer:
    """A peer hub's feed and checkpoint keys, as ``sync_peer`` fetches them."""

    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    kid: str = "a1b2c3d4e5f60718"
    entries: list[dict[str, Any]] = field(default_factory=list)
    published_key: str | None = None
    other_keys: list[dict[str, str]] = field(default_factory=list)

    @property
    def public_key(self) -> str:
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return "ed25519:" + _b64(raw)

    def sign(
        self, seq: int, head: str | None = None, *, minutes: int = 0, code: str = "3507"
    ) -> dict[str, Any]:
        head = head or HEADS[seq]
        at = T0 + timedelta(minutes=minutes)
        message = checkpoint_message(tenant_code=code, seq=seq, head_hash=head, at=at, kid=self.kid)
        signature = _b64(self.private.sign(message))
        return {"tenant_code": code, "seq": seq, "head_hash": head, "at": iso_utc(at), "kid": self.kid,
                "signature": signature}  # fmt: skip

    def publish(self, *checkpoints: dict[str, Any]) -> None:
        self.entries += [{"kind": "audit.checkpoint", "checkpoint": c} for c in checkpoints]

    async def fetch(self, url: str, after: str | None, limit: int) -> Mapping[str, Any]:
        start = int(after or 0)
        page = self.entries[start : start + limit]
        return {"entries": page, "next": str(start + len(page))}

    async def fetch_keys(self, url: str) -> list[Any]:
        return [{"kid": self.kid, "public_key": self.published_key or self.public_key}, *self.other_keys]


async def _sync(engine: AsyncEngine, peer: Peer) -> Any:
    return await sync_peer(engine, "jatim", fetch=peer.fetch, fetch_keys=peer.fetch_keys, limit=2)


async def _kept(engine: AsyncEngine) -> list[tuple[int, str, str | None]]:
    async with hub_sessions(engine)() as session:
        query = select(PeerCheckpoint).where(PeerCheckpoint.peer == "jatim").order_by(PeerCheckpoint.id)
        return [(c.seq, c.head_hash[:2], c.conflict) for c in (await session.execute(query)).scalars()]


async def _following(engine: AsyncEngine) -> AsyncEngine:
    async with hub_sessions(engine)() as session, session.begin():
        await add_peer(session, "jatim", "https://jatim.example")
    return engine


async def test_a_peers_checkpoints_are_kept_once_each_with_its_signature_checked(
    clean_identity: AsyncEngine,
) -> None:
    engine, peer = await _following(clean_identity), Peer()
    peer.publish(peer.sign(3), peer.sign(5, minutes=1), peer.sign(1, code="3505"))
    report = await _sync(engine, peer)
    assert (report.checkpoints, report.refused, report.conflicts) == (3, (), ())
    peer.publish(peer.sign(5, minutes=1))  # published again: kept already
    again = await _sync(engine, peer)
    assert (again.checkpoints, again.refused, again.conflicts) == (0, (), ())
    assert await _kept(engine) == [(3, "03", None), (5, "05", None), (1, "01", None)]


async def test_a_forged_signature_and_an_unpublished_key_are_refused_and_reported(
    clean_identity: AsyncEngine,
) -> None:
    engine, peer = await _following(clean_identity), Peer()
    honest = peer.sign(5)
    forged = {**honest, "head_hash": HEADS[9]}  # another head under the honest signature
    stranger = Peer(kid="ffffffffffffffff").sign(6, minutes=1)  # a key the peer does not publish
    peer.publish(peer.sign(3), forged, stranger)
    report = await _sync(engine, peer)
    assert report.checkpoints == 1
    assert len(report.refused) == 2
    assert "entry 5 does not carry a valid signature" in report.refused[0]
    assert "entry 6 is signed by key ffffffffffffffff, which it does not publish" in report.refused[1]
    assert await _kept(engine) == [(3, "03", None)]


async def test_two_heads_signed_for_one_entry_are_both_kept_and_reported_as_a_split_view(
    clean_identity: AsyncEngine,
) -> None:
    engine, peer = await _following(clean_identity), Peer()
    peer.publish(peer.sign(3), peer.sign(5, minutes=1))
    assert (await _sync(engine, peer)).conflicts == ()
    peer.publish(peer.sign(5, HEADS[15], minutes=2))  # entry 5 rewritten, re-signed with the peer's key
    report = await _sync(engine, peer)
    assert len(report.conflicts) == 1
    assert report.conflicts[0].startswith(
        "SPLIT VIEW OR REWRITE: peer jatim's checkpoint of tenant 3507 at entry 5"
    )
    assert await _kept(engine) == [(3, "03", None), (5, "05", None), (5, "15", "fork")]


async def test_a_head_signed_later_but_shorter_is_reported_as_a_log_gone_back(
    clean_identity: AsyncEngine,
) -> None:
    engine, peer = await _following(clean_identity), Peer()
    peer.publish(peer.sign(3), peer.sign(8, minutes=2))
    await _sync(engine, peer)
    peer.publish(peer.sign(6, HEADS[16], minutes=3))  # entries 7 and 8 gone, entry 6 rewritten
    report = await _sync(engine, peer)
    assert len(report.conflicts) == 1
    assert report.conflicts[0].startswith("LOG WENT BACK: peer jatim's checkpoint of tenant 3507 at entry 6")
    assert "shorter than its checkpoint at entry 8" in report.conflicts[0]
    # Growing is not going back: a later, longer head of another tenant or of this one is fine.
    peer.publish(peer.sign(9, minutes=4), peer.sign(2, minutes=1, code="3505"))
    assert (await _sync(engine, peer)).conflicts == ()
    assert [c for _, _, c in await _kept(engine)] == [None, None, "rollback", None, None]


async def test_a_kid_published_again_with_another_key_is_not_believed(clean_identity: AsyncEngine) -> None:
    engine, peer = await _following(clean_identity), Peer()
    peer.publish(peer.sign(3))
    await _sync(engine, peer)
    insider = Peer(kid=peer.kid)  # the same kid, with an insider's own key put in the peer's key table
    peer.published_key = insider.public_key
    rotated = Peer(kid="0123456789abcdef")  # and a new key the peer now publishes
    peer.other_keys = [{"kid": rotated.kid, "public_key": rotated.public_key}]
    peer.publish(insider.sign(5, minutes=1), rotated.sign(6, minutes=2))
    report = await _sync(engine, peer)
    assert report.checkpoints == 1  # the rotated key's
    assert len(report.refused) == 1
    assert "entry 5 does not carry a valid signature of key a1b2c3d4e5f60718" in report.refused[0]
    assert len(report.conflicts) == 1
    assert report.conflicts[0].startswith(
        "peer jatim now publishes checkpoint key a1b2c3d4e5f60718 as ed25519:"
    )
    assert await _kept(engine) == [(3, "03", None), (6, "06", None)]
