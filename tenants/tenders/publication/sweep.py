"""Publishing what the clock alone changes: a tender's stage, and its award's objection period ending.

Most public facts change by a step someone takes, and that step publishes them (``publish``). Two
change with nothing but time passing, with nobody acting at that moment: the catalogue row's
``stage`` (which stage of an announced tender's schedule is open; an announced award's objection
period, then the letter of award) and an award's OCDS status, ``pending`` during its objection period
(masa sanggah) and ``active`` once it ends. So a sweep acts for them: for each tender whose public
facts follow the clock (announced, or its award announced), it compares the catalogue row's stage and
the tender's last release with what the clock says now, rewrites the row where the stage moved, and
appends a corrected release (``awardUpdate``: ``correction``) where the release tells other facts. A
second sweep with no boundary passed in between writes nothing.

Why a sweep and not the stage computed when read: the stage is a filter and a facet of the catalogue,
in ``hub``, while schedules are in each tenant's schema; and a release is history that feed followers
and harvesters already hold, so only a new release tells them that the award became active.

The tenders are compared without locks, and only those behind the clock are then taken ``FOR NO KEY
UPDATE SKIP LOCKED`` and compared again (a row lock writes to the row, which every live tender every
minute would make a steady write load for nothing). A step changing one at the same moment holds
its row ``FOR UPDATE`` (``runner_tender``) and publishes it itself, so it is skipped here and swept
next time; a sweep on another replica skips the tenders this one holds and, after its commit, finds
them up to date; a sweep never appends a stale release after a step's fresh one; and bids, which take
the tender ``FOR KEY SHARE``, are never held up. Each batch of tenders is its own short transaction.

The hub runs it every ``publication_sweep_seconds`` (``sweeping``, entered in the app's lifespan);
``lpse-hub catalogue sweep`` runs it once. What "now" is comes from the database clock, as for every
deadline; a test passes its own ``now`` (the database's time some days on) to see the sweep a run
would make then, since moving a tender's times into the past would change its public facts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.catalogue.entries import upsert_entries
from federation.catalogue.models import LOCAL, CatalogueEntry, Change
from federation.catalogue.ocds import TenderSnapshot, entry_values
from hub.core.clock import SYSTEM_CLOCK, Clock, database_now
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import HubError
from tenants.registry import TenantRef, list_tenants, resolve_tenant
from tenants.tenders.models import Tender
from tenants.tenders.publication.publish import correction, last_releases, snapshots_of
from tenants.vocabulary import TenderStatus

BATCH = 500
"""Tenders locked, read and compared in one transaction: a handful of queries, locks held briefly."""
FOLLOWING_THE_CLOCK = (TenderStatus.ANNOUNCED.value, TenderStatus.AWARD_ANNOUNCED.value)
"""The statuses whose public facts move with the clock: the schedule's stages before the opening, the
objection period (and the award's ``pending``) after the announcement. In any other the stage is the
status's own, and an award's objection period has ended (a letter of award cannot come earlier)."""
logger = logging.getLogger("hub.publication")

DatabaseTime = Callable[[AsyncSession], Awaitable[datetime]]
"""What time it is for a transaction: ``database_now``, unless a test says otherwise."""


@dataclass(slots=True)
class Swept:
    """What one sweep did in one tenant, or the error that stopped it there."""

    slug: str
    checked: int = 0
    restaged: list[str] = field(default_factory=list)
    """Local ids of the tenders whose catalogue row was rewritten: its stage had moved."""
    republished: list[str] = field(default_factory=list)
    """Local ids of the tenders given a corrected release (an award's objection period ended)."""
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def sweep_publications(
    engine: AsyncEngine,
    slugs: Sequence[str] | None = None,
    concurrency: int = 4,
    now: DatabaseTime = database_now,
) -> list[Swept]:
    """Publish what the clock changed in the named tenants, or every tenant's, ``concurrency`` at a
    time; a tenant that cannot be swept (not migrated, say) is reported and the others carry on."""
    async with hub_sessions(engine)() as session:
        named = slugs if slugs is not None else [t.slug for t in await list_tenants(session)]
        tenants = [await resolve_tenant(session, slug=slug) for slug in named]
    gate = asyncio.Semaphore(concurrency)

    async def one(tenant: TenantRef) -> Swept:
        swept = Swept(tenant.slug)
        async with gate:
            try:
                await _sweep_one(engine, tenant, swept, now)
            except HubError as exc:
                swept.error = exc.detail
            except SQLAlchemyError as exc:
                swept.error = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return swept

    return list(await asyncio.gather(*(one(t) for t in sorted(tenants, key=lambda t: t.slug))))


async def _sweep_one(engine: AsyncEngine, tenant: TenantRef, swept: Swept, now: DatabaseTime) -> None:
    after = 0
    while True:
        async with tenant_session(engine, tenant.schema) as session, session.begin():
            batch = await _following_the_clock(session, after)
            if not batch:
                return
            after = batch[-1].id
            swept.checked += len(batch)
            behind = await _behind(session, tenant, batch, await now(session))
            if behind:
                locked = await _following_the_clock(session, 0, behind)
                await follow_the_clock(session, tenant, locked, swept, await now(session))


async def follow_the_clock(
    session: AsyncSession, tenant: TenantRef, tenders: Sequence[Tender], swept: Swept, now: datetime
) -> None:
    """Bring these public tenders' rows and releases up to what the clock says ``now``, in the caller's
    transaction (which holds them locked), and note in ``swept`` what was written."""
    rows = []
    for snapshot, row, change in await _compared(session, tenant, tenders, now):
        if row is not None:
            swept.restaged.append(snapshot.local_id)
            rows.append(row)
        if change is not None:
            swept.republished.append(snapshot.local_id)
            session.add(change)
    await upsert_entries(session, rows)
    await session.flush()


async def _behind(
    session: AsyncSession, tenant: TenantRef, tenders: Sequence[Tender], now: datetime
) -> list[int]:
    """The tenders whose row or release the clock has left behind: read without locks, so that the
    sweep locks (and so writes to) only the few it will publish, not every live tender every time."""
    return [
        snapshot.tender_id
        for snapshot, row, change in await _compared(session, tenant, tenders, now)
        if row is not None or change is not None
    ]


Compared = tuple[TenderSnapshot, dict[str, Any] | None, Change | None]


async def _compared(
    session: AsyncSession, tenant: TenantRef, tenders: Sequence[Tender], now: datetime
) -> list[Compared]:
    """Each tender's snapshot ``now``, with its new catalogue row if the stage moved and its corrected
    release if the last one tells other facts (``None``: nothing to write)."""
    snapshots = await snapshots_of(session, tenant, tenders, now)
    ids = [s.local_id for s in snapshots]
    mine = select(CatalogueEntry.ocid, CatalogueEntry.stage).where(
        CatalogueEntry.origin == LOCAL, CatalogueEntry.ocid.in_(ids)
    )
    stages = {row.ocid: row.stage for row in await session.execute(mine)}
    published = await last_releases(session, ids)
    compared: list[Compared] = []
    for snapshot in snapshots:
        values = entry_values(snapshot)
        row = None
        if stages.get(snapshot.local_id) != values["stage"]:
            row = {"origin": LOCAL, "ocid": snapshot.local_id, "updated_at": now, **values}
        compared.append((snapshot, row, correction(snapshot, published.get(snapshot.local_id), now)))
    return compared


async def _following_the_clock(
    session: AsyncSession, after: int, locking: Sequence[int] | None = None
) -> Sequence[Tender]:
    """The next public tenders whose facts follow the clock; or, ``locking``, those of these ids that
    still do, locked and read afresh (those a step holds are skipped)."""
    query = select(Tender).where(
        Tender.status.in_(FOLLOWING_THE_CLOCK), Tender.announced_at.is_not(None), Tender.id > after
    )
    if locking is not None:
        query = (
            query.where(Tender.id.in_(locking))
            .with_for_update(key_share=True, skip_locked=True)  # FOR NO KEY UPDATE: bids' KEY SHARE passes
            .execution_options(populate_existing=True)
        )
    return (await session.execute(query.order_by(Tender.id).limit(BATCH))).scalars().all()


@contextlib.asynccontextmanager
async def sweeping(
    engine: AsyncEngine, interval: float, clock: Clock = SYSTEM_CLOCK, now: DatabaseTime = database_now
) -> AsyncIterator[None]:
    """Sweeps run every ``interval`` seconds of ``clock`` while the context is open (none when it is 0),
    the first one interval after start; cancelled on exit. A failed sweep is logged and the next one
    comes on time: it never reaches the app."""
    if interval <= 0:
        yield
        return
    task = asyncio.create_task(
        _every_interval(engine, interval, clock, now), name="lpse-hub publication sweep"
    )
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _every_interval(engine: AsyncEngine, interval: float, clock: Clock, now: DatabaseTime) -> None:
    while True:
        await clock.sleep(interval)
        try:
            done = await sweep_publications(engine, now=now)
        except Exception:  # the database gone, the hub not migrated: say so, try again next interval
            logger.exception("publication sweep failed")
            continue
        for swept in done:
            if swept.error is not None:
                logger.warning("publication sweep: tenant %s: %s", swept.slug, swept.error)
            elif swept.restaged or swept.republished:
                logger.info(
                    "publication sweep: tenant %s: %d stages moved, %d releases published",
                    swept.slug,
                    len(swept.restaged),
                    len(swept.republished),
                )
