"""Deadlines that survive outages: a bid-submission deadline moves by itself after an outage.

For a tender whose bid submission ends at ``D`` (announced, bids not opened) and an outage
``[a, b]`` reaching into ``[D - window, D]`` (an outage that spans ``D`` does; one after it does
not), the submission's end moves to ``D + (b - a) + margin`` and every later stage (the opening,
evaluation, ...) by as much, so their order holds. Outages are merged first (``facts.merge``).
Once extended, the window reaches from ``window`` before the first deadline to the current one:
an outage learnt longer than it was first known (a late record by hand) extends by the rest.

Each extension is a ``tender.deadline_extended`` entry in the tenant's audit chain, with the
outages it accounted for and their evidence. That entry is also the record of which outage
extended which tender: what an entry accounted for is never counted again, so a check run twice
extends once, and only the part of a longer outage not yet accounted for extends further. It is
published as a reschedule is (``tenderAmendment``: catalogue, feed, OCDS ``tender.amendments``).

The check runs after every probe round and ``lpse-hub outage record`` (``extend_deadlines``), and
inside the opening's own transaction, under its exclusive hold of the close and its lock of the
tender, before the opening reads the close (``extend_before_opening``): no bid is opened between a
deadline and its extension. An outage still under way counts only there, up to the opening.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.clock import database_now
from hub.core.settings import Settings
from tenants.audit import append_audit
from tenants.audit.models import AuditEntry
from tenants.registry import TenantRef
from tenants.tenders.models import Registration, Tender, TenderStage
from tenants.tenders.outages.facts import Outage, merge, probe_outages, recorded_outages, uncovered
from tenants.tenders.publication.publish import publish
from tenants.tenders.reschedules import EXTENDED, forget_reschedules
from tenants.tenders.schedules import load_schedule
from tenants.tenders.stages import ORDER, Stage, Window
from tenants.vocabulary import TenderStatus

LOOKBACK = timedelta(days=14)
"""How far back a check looks for deadlines: a tender whose submission closed longer ago than this
is not extended (its bids are opened by then, or its committee decides)."""


@dataclass(frozen=True, slots=True)
class OutageRule:
    """How outages move deadlines (``Settings.outage_window_seconds``, ``outage_margin_seconds``)."""

    window: timedelta = timedelta(hours=2)
    margin: timedelta = timedelta(hours=2)
    probe_interval: timedelta | None = None
    """The hub's probe interval; ``None`` (probing off): no gap between rounds counts as an outage."""

    @classmethod
    def of(cls, settings: Settings) -> OutageRule:
        interval = settings.probe_interval_seconds
        return cls(
            timedelta(seconds=settings.outage_window_seconds),
            timedelta(seconds=settings.outage_margin_seconds),
            timedelta(seconds=interval) if interval > 0 else None,
        )

    @property
    def hub_gap(self) -> timedelta | None:
        """A gap between probe rounds longer than this is an outage of the whole hub."""
        return None if self.probe_interval is None else 3 * self.probe_interval


@dataclass(frozen=True, slots=True)
class Extension:
    """One tender's deadline moved: from ``old_end`` to ``new_end``, for ``outages``."""

    tender_id: int
    old_end: datetime
    new_end: datetime
    outages: tuple[Outage, ...]


async def extend_deadlines(session: AsyncSession, tenant: TenantRef, rule: OutageRule) -> list[Extension]:
    """Extend every deadline of the tenant that a finished outage reached; ``[]`` if none did."""
    now = await database_now(session)
    query = (
        select(Tender.id, TenderStage.ends_at)
        .join(TenderStage, TenderStage.tender_id == Tender.id)
        .where(
            Tender.status == TenderStatus.ANNOUNCED.value,
            Tender.opened_at.is_(None),
            TenderStage.stage == Stage.BID_SUBMISSION.value,
            TenderStage.ends_at >= now - LOOKBACK,
        )
        .order_by(Tender.id)
    )
    # One read of the tenant's outages for every tender: a deadline of the last LOOKBACK, and its
    # window before it. Most checks find none and lock no tender.
    found = await _outages(session, tenant.code, now - LOOKBACK - rule.window, now, rule, opening=False)
    if not found:
        return []
    earliest = min(o.starts_at for o in found)
    extended = []
    for tender_id, deadline in (await session.execute(query)).all():
        if deadline < earliest:
            continue  # every outage came after its deadline
        tender = await session.get_one(Tender, tender_id, with_for_update=True)
        if (done := await _extend(session, tenant, tender, rule, found)) is not None:
            extended.append(done)
    return extended


async def extend_before_opening(
    session: AsyncSession, tenant: TenantRef, tender: Tender, rule: OutageRule
) -> Extension | None:
    """The check the opening makes, holding the close and the tender's row: outages under way count
    up to now. Called before the opening reads the close."""
    if tender.opened_at is not None or tender.status != TenderStatus.ANNOUNCED:
        return None
    submission = (await load_schedule(session, tender.id)).get(Stage.BID_SUBMISSION)
    if submission is None:
        return None
    earlier = await _extension_payloads(session, tender.id)
    since = (datetime.fromisoformat(earlier[0]["old"][1]) if earlier else submission.ends_at) - rule.window
    found = await _outages(session, tenant.code, since, await database_now(session), rule, opening=True)
    return await _extend(session, tenant, tender, rule, found, earlier)


async def extended_end(session: AsyncSession, tender_id: int) -> datetime | None:
    """The latest end an outage gave the tender's bid submission: no reschedule may end it sooner."""
    ends = [datetime.fromisoformat(p["new"][1]) for p in await _extension_payloads(session, tender_id)]
    return max(ends, default=None)


async def _extend(
    session: AsyncSession,
    tenant: TenantRef,
    tender: Tender,
    rule: OutageRule,
    found: Sequence[Outage],
    earlier: list[dict[str, Any]] | None = None,
) -> Extension | None:
    """Extend the tender's deadline by the outages of ``found`` (merged) it has not accounted for;
    ``earlier``: its extensions' payloads, when the caller read them already."""
    if not found:
        return None
    schedule = await load_schedule(session, tender.id)
    submission = schedule.get(Stage.BID_SUBMISSION)
    if submission is None:
        return None
    deadline = submission.ends_at
    if earlier is None:
        earlier = await _extension_payloads(session, tender.id)
    first = datetime.fromisoformat(earlier[0]["old"][1]) if earlier else deadline
    covered = merged_covered(earlier)
    reaching = [
        piece
        for o in found
        if o.starts_at <= deadline and o.ends_at >= first - rule.window
        for piece in uncovered(o, covered)
    ]
    if not reaching:
        return None
    new_end = deadline + sum((p.length for p in reaching), timedelta()) + rule.margin
    moved = _moved(schedule, new_end)  # in the order it was: every later stage moves as far
    await _save(session, tender.id, moved)
    extension = Extension(tender.id, deadline, new_end, tuple(reaching))
    await _record(session, tenant, tender, extension, submission, moved, rule)
    forget_reschedules(session, tender.id)  # the publication reads this entry
    await publish(session, tenant, tender, "tenderAmendment")
    return extension


async def outages_of(
    session: AsyncSession, code: str, since: datetime, until: datetime, rule: OutageRule
) -> list[Outage]:
    """The tenant's outages reaching into ``[since, until]``: probed, of the hub, recorded; merged.
    One under way ends at its last failed probe (``ongoing``)."""
    found = await probe_outages(session, code, since, until, rule.hub_gap)
    return merge(found + await recorded_outages(session, code, since, until))


async def _outages(
    session: AsyncSession, code: str, since: datetime, now: datetime, rule: OutageRule, *, opening: bool
) -> list[Outage]:
    found = await outages_of(session, code, since, now, rule)
    if opening:  # an outage still under way lasts, as far as the opening knows, until now
        return [Outage(o.starts_at, now, o.sources, o.evidence, True) if o.ongoing else o for o in found]
    return [o for o in found if not o.ongoing]


def merged_covered(payloads: Sequence[dict[str, Any]]) -> list[tuple[datetime, datetime]]:
    """The outage intervals the tender's extensions accounted for, merged, in order."""
    spans = [
        Outage(datetime.fromisoformat(o["from"]), datetime.fromisoformat(o["to"]), ())
        for payload in payloads
        for o in payload["outages"]
    ]
    return [(o.starts_at, o.ends_at) for o in merge(spans)]


async def _extension_payloads(session: AsyncSession, tender_id: int) -> list[dict[str, Any]]:
    query = (
        select(AuditEntry.payload)
        .where(AuditEntry.subject == f"tender:{tender_id}", AuditEntry.action == EXTENDED)
        .order_by(AuditEntry.seq)
    )
    return list((await session.scalars(query)).all())


def _moved(schedule: dict[Stage, Window], new_end: datetime) -> dict[Stage, Window]:
    """The schedule with submission ending at ``new_end`` and every later stage moved as far."""
    shift = new_end - schedule[Stage.BID_SUBMISSION].ends_at
    later = ORDER[ORDER.index(Stage.BID_SUBMISSION) + 1 :]
    moved = {
        s: Window(w.starts_at + shift, w.ends_at + shift) if s in later else w for s, w in schedule.items()
    }
    moved[Stage.BID_SUBMISSION] = Window(schedule[Stage.BID_SUBMISSION].starts_at, new_end)
    return moved


async def _save(session: AsyncSession, tender_id: int, schedule: dict[Stage, Window]) -> None:
    for stage, window in schedule.items():
        row = await session.get_one(TenderStage, (tender_id, stage.value))
        row.starts_at, row.ends_at = window.starts_at, window.ends_at
    await session.flush()


async def _record(
    session: AsyncSession,
    tenant: TenantRef,
    tender: Tender,
    extension: Extension,
    old: Window,
    moved: dict[Stage, Window],
    rule: OutageRule,
) -> None:
    """The audit entry: what moved, why, on what evidence, and the vendors told (their workspace
    shows them this entry: ``tenants.tenders.notices``; the public amendment tells everyone)."""
    vendors = await session.scalars(
        select(Registration.vendor_id)
        .where(Registration.tender_id == tender.id)
        .order_by(Registration.vendor_id)
    )
    await append_audit(
        session,
        actor_id=None,
        action=EXTENDED,
        subject=f"tender:{tender.id}",
        payload={
            "stage": Stage.BID_SUBMISSION.value,
            "reason": rationale(extension, rule, tenant.timezone),
            "old": [old.starts_at.isoformat(), old.ends_at.isoformat()],
            "new": [old.starts_at.isoformat(), extension.new_end.isoformat()],
            "stages": {s.value: [w.starts_at.isoformat(), w.ends_at.isoformat()] for s, w in moved.items()},
            "outages": [o.to_dict() for o in extension.outages],
            "window_seconds": rule.window.total_seconds(),
            "margin_seconds": rule.margin.total_seconds(),
            "notice_to_vendors": list(vendors.all()),
        },
    )


def rationale(extension: Extension, rule: OutageRule, zone: str) -> str:
    """Why, in Indonesian and English, with the evidence named: the public amendment's rationale."""

    def at(moment: datetime) -> str:
        return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")

    spans = "; ".join(
        f"{at(o.starts_at)} - {at(o.ends_at)} ({'+'.join(o.sources)}: {_evidence(o)})"
        for o in extension.outages
    )
    hours = rule.margin.total_seconds() / 3600
    return (
        f"Batas akhir pemasukan penawaran diperpanjang otomatis karena gangguan layanan {spans}, "
        f"ditambah {hours:g} jam. / Bid-submission deadline extended automatically after an outage "
        f"{spans}, plus {hours:g} hours."
    )


def _evidence(outage: Outage) -> str:
    names = []
    for item in outage.evidence:
        if "probe" in item:
            names.append(f"probe #{item['probe']}")
        elif "recorded_outage" in item:
            names.append(f"recorded outage #{item['recorded_outage']}")
        else:
            names.append(f"no probe round {item['last_round']} - {item['next_round']}")
    return ", ".join(dict.fromkeys(names))
