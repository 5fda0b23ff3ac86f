"""The audit log (in each tenant's schema) and its anchors (in ``hub``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CHAR, BigInteger, DateTime, Identity, Index, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import HubBase, TenantBase
from tenants.audit.canonical import iso_utc


class AuditEntry(TenantBase):  # jejak audit
    """One thing that happened in a tenant's procurement: who did what to which subject, and when.

    The log is what makes an LPSE's procurement traceable to an auditor (APIP, BPKP, BPK): every
    announcement, bid opening, award and objection leaves an entry, written in the same
    transaction as the change itself, so there is no change without its entry and no entry for a
    change that did not happen. Entries are numbered 1, 2, 3... without gaps, and each carries
    the hash of the one before (``prev_hash``) and its own (``hash``, see
    ``tenants.audit.canonical``), so editing, removing or reordering any entry breaks the chain
    from there on. Only ``append_audit`` writes entries; the table refuses UPDATE and DELETE.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_subject_seq", "subject", "seq"),
        Index("ix_audit_log_action", "action"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """The database clock at the start of the transaction that made the change (``now()``)."""
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    """The hub account that acted (``hub.accounts.id``); none for the system itself."""
    action: Mapped[str] = mapped_column(String(64))
    """What happened, as ``noun.verb_in_past``: ``tender.announced``, ``bid.opened``."""
    subject: Mapped[str] = mapped_column(String(200))
    """What it happened to, as ``kind:id``: ``tender:12``, ``vendor:7``."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    """The details an auditor needs to understand the change, as a JSON object."""
    prev_hash: Mapped[str] = mapped_column(CHAR(64))
    hash: Mapped[str] = mapped_column(CHAR(64))

    def to_dict(self) -> dict[str, object]:
        """The stable, machine-readable form, from which anyone can recompute ``hash``."""
        return {
            "seq": self.seq,
            "at": iso_utc(self.at),
            "actor_id": self.actor_id,
            "action": self.action,
            "subject": self.subject,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


class Anchor(HubBase):
    """A tenant's chain head (``seq``, ``hash``) as it stood at ``anchored_at``, kept in ``hub``.

    The chain alone shows an entry changed after the ones that follow it were written; it
    cannot show that the newest entries were cut off, or that the whole log was rewritten with
    fresh hashes. An anchor can: it sits outside the tenant's schema, and the entry it names
    must still be there with the same hash.
    """

    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(4), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    anchored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def to_dict(self) -> dict[str, object]:
        return {
            "tenant_code": self.tenant_code,
            "seq": self.seq,
            "hash": self.hash,
            "anchored_at": iso_utc(self.anchored_at),
        }


class CheckpointKey(HubBase):
    """The hub's Ed25519 key that signs audit checkpoints, apart from the receipt key.

    The private half is wrapped by the master key, bound to its ``kid``; the public half is
    published (``GET /api/audit/checkpoint-keys``) so that anyone can check a checkpoint.
    """

    __tablename__ = "checkpoint_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_key: Mapped[str] = mapped_column(String(64))
    """``ed25519:`` and the raw public key in unpadded base64url."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Checkpoint(HubBase):
    """A tenant's chain head (``seq``, ``head_hash``) at ``at``, signed by the hub's checkpoint key;
    or the vendor key log's head, under the reserved name ``vendor-keys`` in place of a tenant code.

    An anchor is only as good as the database it sits in; a checkpoint is published, and whoever
    keeps a copy (a peer hub, an aggregator, an auditor) can later prove what the log's head was,
    whatever the database says then (``tenants.audit.checkpoints``).

    Each row is also an entry of the change feed: its ``position`` (the feed's sequence) and
    ``xid`` (the writing transaction) columns are set by a trigger on every insert and update
    (migration h0013) and read only by the feed (``federation.catalogue.feed``), so they are not
    mapped here.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_code: Mapped[str] = mapped_column(String(16), index=True)
    """The tenant's code, or ``vendor-keys`` (``KEY_LOG_CHAIN``) for the vendor key log's head."""
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(CHAR(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kid: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    """Ed25519 over ``checkpoint_message(...)``, unpadded base64url."""

    def to_dict(self) -> dict[str, object]:
        return {
            "tenant_code": self.tenant_code,
            "seq": self.seq,
            "head_hash": self.head_hash,
            "at": iso_utc(self.at),
            "kid": self.kid,
            "signature": self.signature,
        }
