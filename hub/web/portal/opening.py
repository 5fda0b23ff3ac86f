"""What the opening ceremony's page (``/kantor/{slug}/tender/{id}/pembukaan``) shows of one tender:
the bids received (their digests and times, nothing opened), who holds the tender's key, the shares
of a committee-held key and which are in, the share the reader holds, and once opened, the opening
record as the API publishes it. Reading only: every change goes through the API's services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from tenants.sealing.key_shares import encode_sealed
from tenants.sealing.tender_keys import encode_public_key
from tenants.tenders.acting import get_tender
from tenants.tenders.bidding.bids import received_bids
from tenants.tenders.bidding.given_shares import given_slots
from tenants.tenders.custody import key_shares
from tenants.tenders.models import Package
from tenants.tenders.schedules import load_schedule
from tenants.tenders.stages import Stage
from tenants.tenders.views import localized
from tenants.vocabulary import KeyCustody


@dataclass(frozen=True, slots=True)
class ReceivedBid:
    """A bid as received, before the opening: when, and the digest its receipt signed."""

    received_at: datetime
    sha256: str


@dataclass(frozen=True, slots=True)
class ShareSlot:
    """One share of a committee-held key: whose it is, the key it is sealed to, whether it is in."""

    slot: int
    holder_account_id: int | None
    fingerprint: str
    sealed_share: str
    given: bool

    @property
    def recovery(self) -> bool:
        return self.holder_account_id is None


@dataclass(frozen=True, slots=True)
class OpeningDesk:
    """One tender's opening, as its page shows it to ``reader`` (an account)."""

    tender_id: int
    title: str
    status: str
    committee: bool
    threshold: int | None
    closes_at: datetime
    closed: bool
    bids: list[ReceivedBid]
    shares: list[ShareSlot]
    opening_key: str | None
    opening: dict[str, Any] | None
    reader: int

    @property
    def given(self) -> int:
        return sum(s.given for s in self.shares)

    @property
    def mine(self) -> list[ShareSlot]:
        """The reader's own shares not yet given back (a member holds at most one per tender)."""
        return [s for s in self.shares if s.holder_account_id == self.reader and not s.given]

    @property
    def holds_share(self) -> bool:
        return any(s.holder_account_id == self.reader for s in self.shares)


async def opening_desk(session: AsyncSession, tender_id: int, reader: int, timezone: str) -> OpeningDesk:
    """The tender's opening as it stands (``session`` is the tenant's); ``NotFound`` for no tender."""
    tender = await get_tender(session, tender_id)
    closes = (await load_schedule(session, tender_id))[Stage.BID_SUBMISSION].ends_at
    now = await database_now(session)
    committee = tender.key_custody == KeyCustody.COMMITTEE
    shares: list[ShareSlot] = []
    if committee:
        given = set(await given_slots(session, tender_id))
        shares = [
            ShareSlot(
                s.slot,
                s.holder_account_id,
                s.holder_fingerprint,
                encode_sealed(s.sealed_share),
                s.slot in given,
            )
            for s in await key_shares(session, tender_id)
        ]
    package = await session.get(Package, tender.package_id)
    opening = localized(tender.opening, ZoneInfo(timezone)) if tender.opening else None
    return OpeningDesk(
        tender_id=tender_id,
        title=package.title if package else "",
        status=tender.status,
        committee=committee,
        threshold=tender.share_threshold,
        closes_at=closes,
        closed=now >= closes,
        bids=[ReceivedBid(*received) for received in await received_bids(session, tender_id)],
        shares=shares,
        opening_key=encode_public_key(tender.opening_public_key) if tender.opening_public_key else None,
        opening=opening,
        reader=reader,
    )
