"""Red flags over this hub's published tenders, from what each one's last release says.

Every release is a full snapshot, so a tender's compiled release is its last one; the parts of it the
indicators read are kept per tender in ``hub.red_flag_facts`` by a trigger on the feed (migration
h0018), in the transaction that publishes the release. A new release therefore costs the flags one
row written, and any query reads the facts it selects once, streamed, through the pure indicators of
``federation/catalogue/red_flags.py``: the same definitions whatever the thresholds asked for. H07 (a
contract past its end) is judged on a date: the selection's last day (``until``) when it has one, else
the database's current date (``judged_on``)."""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import msgspec
from sqlalchemy import Select, Text, cast, func, or_, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.models import LOCAL, CatalogueEntry, RedFlagFacts
from federation.catalogue.ocds import with_ocid
from federation.catalogue.records import public_ocid
from federation.catalogue.red_flags import (
    CHECKS,
    DEFAULTS,
    Flag,
    Thresholds,
    Win,
    dominated_buyers,
    repeated_process,
    retender_won_by_earlier_bidder,
    tender_flags,
    wins_of,
)
from federation.catalogue.search import check_tenant
from hub.core.errors import InvalidInput

SLUG = re.compile(r"[a-z0-9][a-z0-9:-]{0,63}")


@dataclass(frozen=True, slots=True)
class RedFlagQuery:
    """The filters of ``GET /api/red-flags`` and ``lpse-hub red-flags``; ``since``/``until`` are
    calendar dates (YYYY-MM-DD, inclusive) of the tender's announcement."""

    province: str | None = None
    tenant: str | None = None
    buyer: str | None = None  # a buyer's OCDS id (ID-SATKER-...) or its exact name
    indicator: str | None = None
    since: str | None = None
    until: str | None = None

    def checked(self) -> tuple[date | None, date | None]:
        """The period's dates; ``InvalidInput`` naming the parameter for any bad filter."""
        if self.province is not None and not (len(self.province) == 2 and self.province.isdigit()):
            raise InvalidInput(
                "province is a two-digit Kemendagri code (35 for Jawa Timur)", field="province"
            )
        if self.tenant is not None and not SLUG.fullmatch(self.tenant):
            raise InvalidInput(f"unknown tenant {self.tenant!r}: use a tenant's slug", field="tenant")
        if self.buyer is not None and not 0 < len(self.buyer) <= 200:
            raise InvalidInput("buyer is an OCDS buyer id or name, 1 to 200 characters", field="buyer")
        if self.indicator is not None and self.indicator not in CHECKS:
            raise InvalidInput(
                f"unknown indicator {self.indicator!r}: use one of {', '.join(CHECKS)}", field="indicator"
            )
        days = []
        for name, value in (("from", self.since), ("to", self.until)):
            try:
                days.append(date.fromisoformat(value) if value is not None else None)
            except ValueError:
                raise InvalidInput(f"{name} {value!r} is not a date (YYYY-MM-DD)", field=name) from None
        since, until = days
        if since is not None and until is not None and since > until:
            raise InvalidInput("from is after to", field="from")
        return since, until


def checked_thresholds(**values: float | None) -> Thresholds:
    """The defaults with the given thresholds replaced; ``InvalidInput`` naming a bad one."""
    given = {k: v for k, v in values.items() if v is not None}
    for name, value in given.items():
        if not math.isfinite(value) or value < 0 or (name.endswith(("ratio", "share")) and value > 1):
            raise InvalidInput(f"{name} out of range", field=name)
    t = DEFAULTS
    return Thresholds(
        short_submission_days=int(given.get("short_submission_days", t.short_submission_days)),
        competitive_methods=t.competitive_methods,
        estimate_ratio=float(given.get("estimate_ratio", t.estimate_ratio)),
        dominance_share=float(given.get("dominance_share", t.dominance_share)),
        dominance_min_awards=t.dominance_min_awards,
        late_amendment_days=float(given.get("late_amendment_days", t.late_amendment_days)),
        overdue_grace_days=int(given.get("overdue_grace_days", t.overdue_grace_days)),
    )


BATCH = 5_000
"""Rows read from the server at a time: a province's facts are streamed, never held at once."""
_decode = msgspec.json.Decoder(dict[str, Any]).decode
_decode_winners = msgspec.json.Decoder(list[dict[str, str]]).decode


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a selection's flags are built, then back as it was.

    The flags kept grow by hundreds of thousands of objects for a province, and each of the collector's
    full passes walks all of them: a third of a province's time went to it (docs/BENCHMARKS.md). Nothing
    built here forms a cycle, so reference counting frees what dies; the pause is process-wide, so a
    request running meanwhile defers its cycles to the next pass, not for longer than one selection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(slots=True)
class Flagged:
    """The flags the filters select, how many published tenders were read for them, and the date H07
    judged them on."""

    flags: list[Flag]
    tenders: int
    as_of: date


async def judged_on(session: AsyncSession, until: date | None = None) -> date:
    """The date H07 judges a contract's end on: ``until`` (a selection's last day: a review of a past
    period sees what was late then) when given, else the database's current date (its clock decides)."""
    if until is not None:
        return until
    today: date = (await session.execute(select(func.current_date()))).scalar_one()
    return today


def _selected(query: RedFlagQuery, since: date | None, until: date | None) -> Select[str, int, str]:
    f, e = RedFlagFacts, CatalogueEntry
    statement = select(f.ocid, f.position, cast(f.facts, Text)).join(  # decoded by msgspec: faster than json
        e, (e.origin == LOCAL) & (e.ocid == f.ocid)
    )  # unordered: the flags are sorted once computed, and a hash join needs no order
    if query.province is not None:
        statement = statement.where(e.province_code == query.province)
    if query.tenant is not None:
        statement = statement.where(e.tenant_slug == query.tenant)
    if query.buyer is not None:
        statement = statement.where(or_(f.buyer_id == query.buyer, f.buyer_name == query.buyer))
    if since is not None:
        statement = statement.where(e.announced_at >= datetime.combine(since, time.min, UTC))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time.min, UTC)
        statement = statement.where(e.announced_at < end)
    return statement


async def flagged(
    session: AsyncSession,
    prefix: str,
    query: RedFlagQuery,
    thresholds: Thresholds = DEFAULTS,
    as_of: date | None = None,
) -> Flagged:
    """The red flags of this hub's published tenders that the filters select, computed from what each
    tender's last release says (``hub.red_flag_facts``, kept by the feed's trigger), streamed in
    batches: each tender's own indicators as it passes, a buyer's wins kept for H02, re-tenders kept for
    H05, whose repeated processes are read afterwards (whether or not the filters select them). H07 is
    judged on ``as_of`` when given, else as ``judged_on`` says. An unknown tenant is refused (400
    ``tenant``), as the catalogue's search refuses it."""
    since, until = query.checked()
    await check_tenant(session, query.tenant)
    as_of = as_of or await judged_on(session, until)
    codes = [query.indicator] if query.indicator else list(CHECKS)
    flags: list[Flag] = []
    wins: list[Win] = []
    retenders: list[dict[str, Any]] = []
    tenders = 0
    # Every row of the cursor is read: plan for all of them, not for the first tenth (the default), which
    # took nested index lookups over a hash join and doubled a province's time (docs/BENCHMARKS.md).
    await session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
    rows = await session.stream(_selected(query, since, until).execution_options(yield_per=BATCH))
    with _cyclic_gc_paused():
        async for batch in rows.partitions():
            tenders += len(batch)
            for ocid, position, facts in batch:
                release = with_ocid(_decode(facts), public_ocid(prefix, ocid), position)
                flags += tender_flags(release, thresholds, codes, as_of)
                if "H02" in codes and (win := wins_of(release)) is not None:
                    wins.append(win)
                if "H05" in codes and repeated_process(release) is not None:
                    retenders.append(release)
    if wins:
        flags += dominated_buyers(wins, thresholds)
    if retenders:
        flags += await _retenders_won_by_earlier_bidders(session, prefix, retenders)
    return Flagged(_in_order(flags), tenders, as_of)


def _wins_read(buyer_id: str) -> Select[str, str]:
    """The winners of a buyer's tenders that have one (``winners``, generated from the facts:
    migration h0019), as text. Buyer ids name their tenant (``ID-SATKER-{tenant}-{agency}``)."""
    f = RedFlagFacts
    return select(f.ocid, cast(f.winners, Text)).where(f.buyer_id == buyer_id, f.winners != cast("[]", JSONB))


async def flags_of_tender(
    session: AsyncSession, prefix: str, ocid: str, thresholds: Thresholds = DEFAULTS
) -> list[Flag]:
    """The red flags that name one published tender (``ocid``, its local id): its own indicators, its
    buyer's dominance (H02) when the tender is among the wins it lists, and H05 when it repeats a
    failed process. What ``flagged`` gives for the tender's buyer, filtered to this tender, at a
    tender page's cost: its own facts through every indicator, and of its buyer's other tenders only
    their winners (every indicator over a buyer's 1,361 tenders took 80 ms a page). H07 is judged on
    the database's current date."""
    f = RedFlagFacts
    facts = select(f.position, cast(f.facts, Text), func.current_date()).where(f.ocid == ocid)  # H07's day
    row = (await session.execute(facts)).one_or_none()
    if row is None:
        return []
    public = public_ocid(prefix, ocid)
    release = with_ocid(_decode(row[1]), public, row[0])
    flags = tender_flags(release, thresholds, list(CHECKS), row[2])
    if (own := wins_of(release)) is not None:  # a tender with no winner is in no buyer's wins
        wins = [
            Win(
                own.buyer_id, own.buyer, public_ocid(prefix, other), {s["id"]: s.get("name", "") for s in won}
            )
            for other, winners in (await session.execute(_wins_read(own.buyer_id))).all()
            if (won := _decode_winners(winners))
        ]
        flags += [flag for flag in dominated_buyers(wins, thresholds) if public in flag.tenders]
    if repeated_process(release) is not None:
        flags += await _retenders_won_by_earlier_bidders(session, prefix, [release])
    return _in_order(flags)


_ORDER = {code: n for n, code in enumerate(CHECKS)}


def _in_order(flags: list[Flag]) -> list[Flag]:
    """By indicator (as ``CHECKS`` lists them), then tender, then buyer."""
    return sorted(flags, key=lambda flag: (_ORDER[flag.code], flag.ocid or "", flag.buyer_id or ""))


async def _retenders_won_by_earlier_bidders(
    session: AsyncSession, prefix: str, retenders: list[dict[str, Any]]
) -> list[Flag]:
    def local(ocid: str | None) -> str:  # the stored id, whether the release shows it public or not
        return (ocid or "").removeprefix(f"{prefix}-")

    repeated = {local(repeated_process(r)) for r in retenders}
    f = RedFlagFacts
    earlier: dict[str, dict[str, Any]] = {}
    ordered = sorted(repeated)
    for chunk in (ordered[n : n + BATCH] for n in range(0, len(ordered), BATCH)):
        rows = await session.execute(select(f.ocid, f.position, f.facts).where(f.ocid.in_(chunk)))
        for ocid, position, facts in rows:
            earlier[ocid] = with_ocid(facts, public_ocid(prefix, ocid), position)
    return [
        flag
        for r in retenders
        for flag in retender_won_by_earlier_bidder(r, earlier.get(local(repeated_process(r))))
    ]


async def flags_of(
    session: AsyncSession,
    prefix: str,
    query: RedFlagQuery,
    thresholds: Thresholds = DEFAULTS,
    as_of: date | None = None,
) -> list[Flag]:
    return (await flagged(session, prefix, query, thresholds, as_of)).flags
