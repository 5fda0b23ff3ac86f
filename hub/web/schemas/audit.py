"""The audit trail as auditors read it."""

from __future__ import annotations

from typing import Any

import msgspec

from federation.catalogue.models import PeerCheckpoint, PeerCheckpointKey
from tenants.audit import AuditEntry, ChainReport, Checkpoint, CheckpointKey
from tenants.audit.canonical import iso_utc


class AuditEntryView(msgspec.Struct, frozen=True):
    """One entry of a tenant's hash chain, in the form from which anyone can recompute ``hash``."""

    seq: int
    at: str
    """When it was written, ISO 8601 in UTC."""
    actor_id: int | None
    """The account that acted; ``None`` for an operator at the CLI or the hub itself."""
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryView:
        return msgspec.convert(entry.to_dict(), cls)


class ChainReportView(msgspec.Struct, frozen=True):
    """What walking the chain found; ``ok`` when nothing is wrong."""

    ok: bool
    entries: int
    head_seq: int | None
    head_hash: str | None
    first_broken_seq: int | None
    """The first entry that is missing or not as written."""
    problem: str | None
    """One sentence naming that entry and what is wrong with it."""

    @classmethod
    def of(cls, report: ChainReport) -> ChainReportView:
        return msgspec.convert(report.to_dict(), cls)


class CheckpointView(msgspec.Struct, frozen=True):
    """A tenant's audit chain head (or the vendor key log's), signed by the hub's checkpoint key: keep
    a copy, and check the hub against it later (``lpse-hub audit verify --checkpoints``)."""

    tenant_code: str
    """The tenant's Kemendagri code (``3507``), which never changes; or ``vendor-keys`` for the head
    of the vendor key log (every registration and revocation of a vendor's signing key)."""
    seq: int
    """The head entry's number."""
    head_hash: str
    """The head entry's hash (64 lowercase hex)."""
    at: str
    """When it was checkpointed, ISO 8601 in UTC."""
    kid: str
    """The checkpoint key that signed it (``GET /api/audit/checkpoint-keys``)."""
    signature: str
    """Ed25519, unpadded base64url, over ``lpse-hub audit checkpoint v1\\n`` and the canonical JSON
    (sorted keys, no whitespace) of ``tenant_code``, ``seq``, ``head_hash``, ``at`` and ``kid``."""

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointView:
        return msgspec.convert(checkpoint.to_dict(), cls)


class CheckpointKeyView(msgspec.Struct, frozen=True):
    """A public key of the hub that signs (or signed) audit checkpoints."""

    kid: str
    public_key: str
    """``ed25519:`` and the raw 32-byte key in unpadded base64url."""
    created_at: str
    retired_at: str | None
    """When it stopped signing; checkpoints it signed stay valid."""

    @classmethod
    def of(cls, key: CheckpointKey) -> CheckpointKeyView:
        return cls(
            kid=key.kid,
            public_key=key.public_key,
            created_at=key.created_at.isoformat(),
            retired_at=key.retired_at.isoformat() if key.retired_at else None,
        )


class PeerCheckpointView(CheckpointView, frozen=True):
    """A peer hub's audit checkpoint as this hub keeps it: the fields the peer signed (check them with
    its keys as kept here, ``/api/peers/{peer}/checkpoint-keys``), when this hub fetched it, and
    whether it contradicts one kept before. Compare it with what the peer publishes now, or check the
    peer's database against it (``lpse-hub audit verify --checkpoints URL``)."""

    fetched_at: str
    """When this hub fetched it from the peer's feed."""
    conflict: str | None
    """``fork``: the peer signed another head for this entry before; ``rollback``: a head signed
    before this one is longer (an append-only log went back). Both checkpoints are kept."""

    @classmethod
    def kept(cls, checkpoint: PeerCheckpoint) -> PeerCheckpointView:
        return cls(
            tenant_code=checkpoint.tenant_code,
            seq=checkpoint.seq,
            head_hash=checkpoint.head_hash,
            at=iso_utc(checkpoint.at),
            kid=checkpoint.kid,
            signature=checkpoint.signature,
            fetched_at=checkpoint.fetched_at.isoformat(),
            conflict=checkpoint.conflict,
        )


class PeerCheckpointKeyView(msgspec.Struct, frozen=True):
    """A peer hub's checkpoint key as this hub first saw it published."""

    kid: str
    public_key: str
    """``ed25519:`` and the raw 32-byte key in unpadded base64url."""
    first_seen_at: str

    @classmethod
    def of(cls, key: PeerCheckpointKey) -> PeerCheckpointKeyView:
        return cls(kid=key.kid, public_key=key.public_key, first_seen_at=key.first_seen_at.isoformat())
