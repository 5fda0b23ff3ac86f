"""Watching the stored bids of tenders not yet opened, a bounded share at a time (the tenant probe).

The opening checks every bid it opens (``tenants.tenders.bidding.integrity``), but a bundle swapped
weeks before would show only then. Each probe round therefore checks some of the bids that still
matter, so a swap shows before the opening: the current (not superseded) bids of tenders that are
announced and not yet opened. Opened tenders were checked at their opening.

A round is bounded: the database hashes the bundles (``sha256``, so none travels), at most
``byte_budget`` bytes of them, taking the next bids by id after where the last round stopped
(``BidWatch.after``) and starting again from the lowest when it has been through them all. Any two
rounds in a row hash more than the budget or finish a pass, so with B bytes of such bundles every
one is checked within ``2 * ceil(B / budget)`` rounds. A bundle bigger than the budget is hashed
alone in its round. Bids found tampered are checked again every round (``BidWatch.suspects``), so a
swap stays reported until it is undone or the tender is opened, not just in the round that found it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.master_key import MasterKey
from tenants.tenders.bidding.integrity import BidChecker, BidMismatch, database_mismatches
from tenants.tenders.models import Bid, Tender
from tenants.vocabulary import TenderStatus

DEFAULT_BYTE_BUDGET = 64 * 2**20
"""Bundle bytes a tenant's probe hashes per round by default: 64 MiB, about 0.2 s of ``sha256``."""
UNOPENED = (TenderStatus.ANNOUNCED.value,)
"""The statuses of a tender whose bids may still be swapped unseen: announced, its bids not opened
(bid submission is a stage of an announced tender, not a status)."""


@dataclass(frozen=True, slots=True)
class BidWatch:
    """Where the watch of a tenant's bids stands between rounds (kept with its probe result)."""

    after: int = 0
    """The highest bid id the current pass has checked; 0: the next round starts a pass."""
    suspects: tuple[int, ...] = ()
    """Bids the last round found tampered: checked again every round, whatever the budget."""

    @classmethod
    def of(cls, stored: Mapping[str, Any] | None) -> BidWatch:
        """The state as ``to_dict`` stored it; a fresh start for nothing or anything else."""
        if not stored:
            return cls()
        after, suspects = stored.get("after"), stored.get("suspects")
        if not isinstance(suspects, list) or not all(isinstance(s, int) for s in suspects):
            suspects = []
        return cls(after if isinstance(after, int) else 0, tuple(suspects))

    def to_dict(self) -> dict[str, object]:
        return {"after": self.after, "suspects": list(self.suspects)}


@dataclass(frozen=True, slots=True)
class WatchedBids:
    """What one round of the watch found, and where the next round starts."""

    mismatches: list[BidMismatch]
    checked: int
    """How many bids were checked (each once, however many checks it failed)."""
    bytes_hashed: int
    next: BidWatch = field(default_factory=BidWatch)

    @property
    def problem(self) -> str | None:
        """The first mismatch in one line (bid, tender, failed check, why), and how many more."""
        if not self.mismatches:
            return None
        first, more = self.mismatches[0], len(self.mismatches) - 1
        line = f"bid {first.bid_id} of tender {first.tender_id} fails {first.check}: {first.problem}"
        return line if more == 0 else f"{line} (and {more} more)"


async def watch_unopened_bids(
    session: AsyncSession, watch: BidWatch, *, byte_budget: int, master: MasterKey | None
) -> WatchedBids:
    """One round of the watch in the session's tenant: the suspects and the next bids within
    ``byte_budget``, checked against their receipts (with ``master``: the hub's own receipt keys
    only) and ``bid.received`` entries. Reads only; run it in a transaction with a time limit."""
    window, finished = await _next_window(session, watch.after, byte_budget)
    suspects = await _still_unopened(session, watch.suspects)
    chosen = sorted({bid_id for bid_id, _ in window} | {bid_id for bid_id, _ in suspects})
    bidding = (
        select(Bid.tender_id).join(Tender, Tender.id == Bid.tender_id).where(Tender.status.in_(UNOPENED))
    )
    tenders = set(await session.scalars(bidding.distinct()))
    if not tenders:
        return WatchedBids([], 0, 0)
    # Every unopened tender's entries are loaded (not only the chosen bids'), so that a bid withheld
    # by marking it superseded is found each round (``presence``): it is no longer a current bid, so
    # no window would reach it.
    checker = await BidChecker.load(session, tenders, master=master)
    current = set(
        await session.scalars(select(Bid.id).where(Bid.tender_id.in_(tenders), Bid.superseded_at.is_(None)))
    )
    mismatches = await database_mismatches(session, checker, chosen) + checker.withheld(current)
    sizes = dict(window) | dict(suspects)
    after = 0 if finished else max(bid_id for bid_id, _ in window)
    return WatchedBids(
        mismatches,
        len(chosen),
        sum(sizes.values()),
        BidWatch(after, tuple(sorted({m.bid_id for m in mismatches if m.check != "presence"}))),
    )


def _unopened() -> Select[tuple[int, int]]:
    """The current bids of unopened tenders, with their bundles' sizes."""
    return (
        select(Bid.id, func.octet_length(Bid.bundle).label("size"))
        .join(Tender, Tender.id == Bid.tender_id)
        .where(Bid.superseded_at.is_(None), Tender.status.in_(UNOPENED))
    )


async def _next_window(
    session: AsyncSession, after: int, byte_budget: int
) -> tuple[list[tuple[int, int]], bool]:
    """The next bids after ``after`` (id, bundle size) whose sizes add up to at most ``byte_budget``
    (the first one whatever its size), and whether they reach the last such bid.

    ``octet_length`` of a stored bundle reads the length kept in its header, not its bytes, so this
    reads the candidate rows, not their bundles.
    """
    candidates = _unopened().where(Bid.id > after).subquery()
    running = func.sum(candidates.c.size).over(order_by=candidates.c.id)
    ranked = select(
        candidates.c.id,
        candidates.c.size,
        running.label("running"),
        func.count().over().label("total"),
        func.row_number().over(order_by=candidates.c.id).label("n"),
    ).subquery()
    query = (
        select(ranked.c.id, ranked.c.size, ranked.c.total)
        .where((ranked.c.running <= literal(byte_budget)) | (ranked.c.n == 1))
        .order_by(ranked.c.id)
    )
    rows = (await session.execute(query)).all()
    window = [(bid_id, size) for bid_id, size, _ in rows]
    return window, not rows or len(rows) == rows[0].total


async def _still_unopened(session: AsyncSession, suspects: Sequence[int]) -> list[tuple[int, int]]:
    """The suspects (id, bundle size) that are still current bids of unopened tenders."""
    if not suspects:
        return []
    rows = await session.execute(_unopened().where(Bid.id.in_(suspects)))
    return [(row.id, row.size) for row in rows.all()]
