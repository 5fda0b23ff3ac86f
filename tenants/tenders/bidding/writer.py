"""A tenant's bids of this process written in batches, one transaction each (``batch``).

The bid route hands each bid to its tenant's ``BidWriter`` and awaits its outcome. While a batch is
being written the bids that arrive wait; when it ends, the next batch takes what waited (at most
``most`` bids and, beyond its first, ``most_bytes`` of bundles), so a quiet hub writes each bid at
once in a batch of one, and a rush fills batches by itself: no timer, no wait for company.

- A receipt is answered only after its batch committed; a refusal as the bid is judged.
- One vendor's second bid on a tender (same account) waits for the next batch, which supersedes
  the first as one bid after another does.
- A batch failing on a database error (not a refusal) is rolled back whole, and its bids are written
  again one at a time: one bad bid never fails the others, and alone it fails as ``submit_bid``
  would fail it.
- A request gone (its client away) while its bid waits takes the bid with it: nothing of it is
  written. Once its batch is being written it is written or not with the batch, as a whole; the
  receipt is then not delivered, as when a client leaves during the commit of a bid of its own.

Kept per process and tenant on the app's state (``BidWriters``), not in a module global.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.core.database import tenant_session
from hub.core.errors import DatabaseUnavailable
from hub.core.master_key import MasterKey
from tenants.tenders.bidding.batch import BidToStore, Outcome, submit_bids
from tenants.tenders.bidding.bids import AcceptedBid
from tenants.tenders.preparation.bid_keys import ReceiptSigners

Write = Callable[
    [AsyncSession, Sequence[BidToStore], MasterKey, ReceiptSigners | None], Awaitable[list[Outcome]]
]
"""How a batch is written in its transaction: ``batch.submit_bids`` (a test's own, to see batches)."""

MOST_BIDS = 16
"""The most bids a batch takes: bench_commit_lock's batches of 16 reached 0.70 of plain inserts."""
MOST_BYTES = 16 * 1024 * 1024
"""The most bytes of bundles a batch takes beyond its first bid: its statement holds them all."""
HELD_BYTES = 2 * MOST_BYTES
"""The most bytes of bundles a process's writers hold (``ByteBudget``): a batch being written and
the next one's waiting."""


class ByteBudget:
    """The bytes of bundles this process's writers hold, waiting or being written: at most ``most``
    (but one bundle, however large, when they hold none). The route frees its upload slot once its
    bundle is handed over (``BidWriter.handed``), so this, not the upload slots, bounds the memory
    of the bids waiting for a batch; a bid that finds it full waits, as one waits for a slot."""

    def __init__(self, most: int) -> None:
        self._most = most
        self._held = 0
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    def _fits(self, size: int) -> bool:
        return self._held == 0 or self._held + size <= self._most

    def ask(self, size: int) -> asyncio.Future[None]:
        """``size`` bytes asked for: done at once if they fit and nobody waits before, else when
        ``give_back`` leaves room, in turn. Cancelling it before then takes nothing."""
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not self._waiting and self._fits(size):
            self._held += size
            granted.set_result(None)
        else:
            self._waiting.append((size, granted))
        return granted

    async def take(self, size: int) -> None:
        """``ask``, awaited: a request that goes after its bytes were granted gives them back."""
        granted = self.ask(size)
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():  # granted, then its request went
                self.give_back(size)
            raise

    def give_back(self, size: int) -> None:
        self._held -= size
        while self._waiting:
            size, granted = self._waiting[0]
            if granted.done():  # its request gone while it waited
                self._waiting.popleft()
                continue
            if not self._fits(size):
                break
            self._waiting.popleft()
            self._held += size
            granted.set_result(None)


def _future() -> asyncio.Future[AcceptedBid]:
    return asyncio.get_running_loop().create_future()


@dataclass(slots=True)
class _Waiting:
    bid: BidToStore
    outcome: asyncio.Future[AcceptedBid] = field(default_factory=_future)

    def answer(self, outcome: Outcome | BaseException) -> None:
        if self.outcome.done():  # its request gone: nobody to answer
            return
        if isinstance(outcome, AcceptedBid):
            self.outcome.set_result(outcome)
        else:
            self.outcome.set_exception(outcome)


class BidWriter:
    """One tenant's bids of this process, written in batches (the module's docstring)."""

    def __init__(
        self,
        session: Callable[[], AsyncSession],
        master: MasterKey,
        signers: ReceiptSigners | None = None,
        *,
        most: int = MOST_BIDS,
        most_bytes: int = MOST_BYTES,
        write: Write = submit_bids,
        budget: ByteBudget | None = None,
    ) -> None:
        self._session = session
        self._budget = ByteBudget(HELD_BYTES) if budget is None else budget
        self._write_batch = write
        self._master = master
        self._signers = signers
        self._most = most
        self._most_bytes = most_bytes
        self._waiting: deque[_Waiting] = deque()
        self._writing: asyncio.Task[None] | None = None
        self._stopping = False

    async def submit(self, bid: BidToStore) -> AcceptedBid:
        """``bid`` written with the next batch: its receipt once committed, else its refusal raised."""
        return await (await self.handed(bid))

    async def handed(self, bid: BidToStore) -> asyncio.Future[AcceptedBid]:
        """``bid`` handed over, once the writers' memory has room for it (``ByteBudget``): its outcome,
        to await (a receipt once its batch committed, else its refusal)."""
        if self._stopping:
            raise DatabaseUnavailable("the hub is shutting down; send the bid again")
        await self._budget.take(len(bid.bundle))
        waiting = _Waiting(bid)
        self._waiting.append(waiting)
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_all(), name="bid writer")
        return waiting.outcome

    async def stopped(self) -> None:
        """Once the bids handed over are written (the app's shutdown; new ones are refused)."""
        self._stopping = True
        if self._writing is not None:
            await asyncio.shield(self._writing)

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                batch = self._next_batch()
                try:
                    await self._write(batch)
                finally:
                    for waiting in batch:
                        self._budget.give_back(len(waiting.bid.bundle))
        finally:
            self._writing = None
            while self._waiting:  # only if cancelled: nothing of these was written
                waiting = self._waiting.popleft()
                waiting.answer(DatabaseUnavailable("the bid was not stored; send it again"))
                self._budget.give_back(len(waiting.bid.bundle))

    def _next_batch(self) -> list[_Waiting]:
        batch: list[_Waiting] = []
        later: list[_Waiting] = []
        taken: set[tuple[int, int]] = set()
        size = 0
        while self._waiting and len(batch) < self._most:
            waiting = self._waiting.popleft()
            if waiting.outcome.done():  # its request gone before it was written
                self._budget.give_back(len(waiting.bid.bundle))
                continue
            bid = waiting.bid
            one = (bid.tender_id, bid.actor.account_id)
            if one in taken:  # the same vendor's later bid: it supersedes this batch's, in the next
                later.append(waiting)
                continue
            if batch and size + len(bid.bundle) > self._most_bytes:
                later.append(waiting)
                break
            batch.append(waiting)
            taken.add(one)
            size += len(bid.bundle)
        self._waiting.extendleft(reversed(later))  # first of the next batch, in the order they came
        return batch

    async def _write(self, batch: list[_Waiting]) -> None:
        if not batch:
            return
        try:
            try:
                async with self._session() as session, session.begin():
                    outcomes = await self._write_batch(
                        session, [w.bid for w in batch], self._master, self._signers
                    )
            except Exception as failure:  # a database error, not a refusal: nothing of the batch stored
                if len(batch) == 1:
                    batch[0].answer(failure)
                    return
                for waiting in batch:  # one at a time: one bad bid does not fail the others
                    if not waiting.outcome.done():
                        await self._write([waiting])
                return
            for waiting, outcome in zip(batch, outcomes, strict=True):
                waiting.answer(outcome)
        except BaseException:  # cancelled (the app stopping): those not answered have no receipt
            for waiting in batch:
                waiting.answer(DatabaseUnavailable("the hub stopped while storing the bid; send it again"))
            raise


class BidWriters:
    """This process's ``BidWriter`` of each tenant, made at its first bid (the app's state)."""

    def __init__(
        self,
        engine: AsyncEngine,
        master: MasterKey,
        signers: ReceiptSigners | None = None,
        *,
        most: int = MOST_BIDS,
    ) -> None:
        self._engine = engine
        self._master = master
        self._signers = signers
        self._most = most
        self._budget = ByteBudget(HELD_BYTES)  # one for the process: its memory, whatever the tenant
        self._writers: dict[str, BidWriter] = {}

    def of(self, schema: str) -> BidWriter:
        """The writer of the tenant whose tables are in ``schema``."""
        writer = self._writers.get(schema)
        if writer is None:
            engine = self._engine
            writer = BidWriter(
                lambda: tenant_session(engine, schema),
                self._master,
                self._signers,
                most=self._most,
                budget=self._budget,
            )
            self._writers[schema] = writer
        return writer

    async def stopped(self) -> None:
        """Once every writer has written what it was handed (the app's shutdown)."""
        for writer in list(self._writers.values()):
            await writer.stopped()
