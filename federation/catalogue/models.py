"""The catalogue (one row per public tender, local or from a peer hub), the change feed, and the peer
hubs this one follows, with the audit checkpoints they published."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Computed, Date, DateTime, ForeignKey, Identity, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSON, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.database import HubBase

SEARCH_VECTOR = (
    "to_tsvector('indonesian'::regconfig, hub.catalogue_words(search_text)) || array_to_tsvector(ARRAY["
    "'~t' || tenant_slug, '~p' || province_code, '~c' || category, '~m' || method, '~s' || status, "
    "'~y' || fiscal_year::text]::text[])"
)
LOCAL = ""  # the origin of this hub's own tenders; a peer's rows carry the peer's name


class CatalogueEntry(HubBase):
    __tablename__ = "catalogue"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    origin: Mapped[str] = mapped_column(String(64), default=LOCAL)
    ocid: Mapped[str] = mapped_column(String(200))
    """For local tenders, ``<tenant code>-<tender id>``: the hub's prefix is added when published."""
    tenant_code: Mapped[str] = mapped_column(String(16))
    tenant_slug: Mapped[str] = mapped_column(String(64))
    tenant_name: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(String(8))
    tender_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(300))
    agency: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(32))
    evaluation: Mapped[str] = mapped_column(String(32))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    budget: Mapped[int] = mapped_column(BigInteger)
    owner_estimate: Mapped[int] = mapped_column(BigInteger)
    kbli: Mapped[list[str]] = mapped_column(ARRAY(String(5)), default=list)
    status: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(32))
    announced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submission_starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submission_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        Computed("coalesce(submission_ends_at, '9999-12-31 00:00:00+00'::timestamptz)", persisted=True),
    )
    """When bids close; the far future for a tender with no submission window (sorted last)."""
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    awarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bidders: Mapped[int | None] = mapped_column(Integer)
    winner: Mapped[str | None] = mapped_column(String(200))
    award_value: Mapped[int | None] = mapped_column(BigInteger)
    contract_value: Mapped[int | None] = mapped_column(BigInteger)
    contract_signed_on: Mapped[date | None] = mapped_column(Date)
    search_text: Mapped[str] = mapped_column(Text)
    search: Mapped[Any] = mapped_column(TSVECTOR, Computed(SEARCH_VECTOR, persisted=True))
    """The words of ``search_text``, and a token per filter value (see ``query.filter_tokens``)."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def stage_at(self, now: datetime) -> str:
        """The tender's stage at ``now``: before the opening it moves with the clock, not with a
        change (no change is published when bid submission opens), so it is read off the dates."""
        return stage_at(self.status, self.stage, self.submission_starts_at, self.submission_ends_at, now)


def stage_at(status: str, stage: str, starts: datetime | None, ends: datetime | None, now: datetime) -> str:
    """``CatalogueEntry.stage_at`` of a tender with this ``status``, ``stage`` and submission window."""
    if status != "announced" or starts is None or ends is None:
        return stage
    if now < starts:
        return "announcement"
    return "bid_submission" if now < ends else "bid_opening"


class ShownEntry(NamedTuple):
    """A catalogue row as a search shows it: every column but the search vector and its text (the
    widest, which no answer shows), read as a plain tuple, without the ORM's instances."""

    id: int
    origin: str
    ocid: str
    tenant_code: str
    tenant_slug: str
    tenant_name: str
    province_code: str
    tender_id: int
    title: str
    agency: str
    category: str
    method: str
    evaluation: str
    fiscal_year: int
    budget: int
    owner_estimate: int
    kbli: list[str]
    status: str
    stage: str
    announced_at: datetime
    submission_starts_at: datetime | None
    submission_ends_at: datetime | None
    closes_at: datetime
    opened_at: datetime | None
    awarded_at: datetime | None
    bidders: int | None
    winner: str | None
    award_value: int | None
    contract_value: int | None
    contract_signed_on: date | None
    updated_at: datetime

    def stage_at(self, now: datetime) -> str:
        return stage_at(self.status, self.stage, self.submission_starts_at, self.submission_ends_at, now)


class Change(HubBase):
    """One public change of a tender, with its OCDS release: an entry of the feed."""

    __tablename__ = "changes"

    position: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    origin: Mapped[str] = mapped_column(String(64), default=LOCAL)
    ocid: Mapped[str] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    release: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RedFlagFacts(HubBase):
    """What the red flags read of a local tender's last release (migration h0018): written only by
    triggers on ``hub.changes``, read by ``federation.catalogue.flagged``; the serving role may only
    read it."""

    __tablename__ = "red_flag_facts"

    ocid: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    buyer_id: Mapped[str | None] = mapped_column(Text)
    buyer_name: Mapped[str | None] = mapped_column(Text)
    repeats: Mapped[str | None] = mapped_column(String(200))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # json, not jsonb: read back as written
    winners: Mapped[list[dict[str, str]]] = mapped_column(
        JSONB,
        Computed(
            "jsonb_path_query_array(facts::jsonb, '$.awards[*] ? (@.status == \"active\").suppliers[*]')"
        ),
    )
    """The active awards' suppliers (``[{"id", "name"}]``), generated from ``facts`` (migration h0019)."""


class Peer(HubBase):
    """Another hub this one follows: its feed URL and how far this hub has read it."""

    __tablename__ = "peers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    cursor: Mapped[str | None] = mapped_column(String(200))
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PeerCheckpointKey(HubBase):
    """A peer hub's checkpoint key as this hub first saw it: a kid later published with another key
    is not believed (``federation.catalogue.peer_checkpoints``)."""

    __tablename__ = "peer_checkpoint_keys"

    peer: Mapped[str] = mapped_column(String(64), ForeignKey("hub.peers.name"), primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))
    """``ed25519:`` and the raw public key in unpadded base64url, as the peer published it."""
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PeerCheckpoint(HubBase):
    """An audit checkpoint a peer hub published (its signature checked), kept here so that the peer
    cannot later deny it: a copy outside the peer's reach.

    ``conflict`` marks a checkpoint that contradicts one kept before (``conflicts_with``): ``fork``,
    two heads signed for one entry of one tenant's log; ``rollback``, a head signed later that is
    shorter than one signed earlier. Both stay, as evidence.
    """

    __tablename__ = "peer_checkpoints"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    peer: Mapped[str] = mapped_column(String(64), ForeignKey("hub.peers.name"))
    tenant_code: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kid: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    conflict: Mapped[str | None] = mapped_column(String(16))
    conflicts_with: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("hub.peer_checkpoints.id"))
