"""Outages as facts: spans of time a tenant's LPSE (or the whole hub) was unreachable for bidders.

Three sources, each kept with its evidence so an extension can name what it rests on:

- ``probe``: a run of failed probes of the tenant (``hub.probe_results``), from the first failed
  probe to the probe that found the tenant up again. A run no probe has closed yet is *ongoing*:
  it extends nothing after a probe round (its length is not known), but the opening counts it
  up to the moment of the opening (``extension``), so no bid is opened while the tenant is down.
- ``hub``: a gap between two probe rounds longer than ``OutageRule.hub_gap`` (three probe
  intervals): the hub was not probing, so it was not running. Read from the tenant's own probes (a
  round probes every tenant), so a tenant created since has none before its first probe. Only gaps
  closed by a round count; with probing off (``probe_interval_seconds`` 0) there are none. Every
  tenant down in the same rounds needs no rule of its own: each tenant's runs cover it.
- ``recorded``: an outage recorded by hand (``RecordedOutage``), for what the probes could not see.

The hub keeps no durable record of its own request errors (5xx): they are counted in Prometheus
metrics only, which the hub does not read back; they are not a source here.

The probe history is read through a light table of its own columns: the probes' model lives in
``monitoring.probes``, a layer above the tenders (``pyproject.toml``, import-linter).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, DateTime, ScalarSelect, and_, column, func, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.registry import Tenant
from tenants.tenders.outages.models import RecordedOutage

_PROBES = table(
    "probe_results",
    column("id"),
    column("tenant_code"),
    column("probed_at", DateTime(timezone=True)),
    column("up", Boolean),
    schema="hub",
)


@dataclass(frozen=True, slots=True)
class Outage:
    """``[starts_at, ends_at]``, where it was learnt (``sources``) and the facts that show it."""

    starts_at: datetime
    ends_at: datetime
    sources: tuple[str, ...]
    evidence: tuple[dict[str, Any], ...] = ()
    ongoing: bool = False

    @property
    def length(self) -> timedelta:
        return self.ends_at - self.starts_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.starts_at.isoformat(),
            "to": self.ends_at.isoformat(),
            "source": "+".join(self.sources),
            "ongoing": self.ongoing,
            "evidence": list(self.evidence),
        }


@dataclass(slots=True)
class _Run:
    first: tuple[int, datetime]
    last: tuple[int, datetime]
    failed: int = 1
    closed_by: tuple[int, datetime] | None = field(default=None)

    def outage(self) -> Outage:
        evidence = [
            {"probe": self.first[0], "at": self.first[1].isoformat(), "up": False, "failed": self.failed},
            {"probe": self.last[0], "at": self.last[1].isoformat(), "up": False},
        ]
        if self.closed_by is None:
            return Outage(self.first[1], self.last[1], ("probe",), tuple(evidence), ongoing=True)
        evidence.append({"probe": self.closed_by[0], "at": self.closed_by[1].isoformat(), "up": True})
        return Outage(self.first[1], self.closed_by[1], ("probe",), tuple(evidence))


async def probe_outages(
    session: AsyncSession, tenant_code: str, since: datetime, until: datetime, gap: timedelta | None = None
) -> list[Outage]:
    """The tenant's runs of failed probes that reach into ``[since, until]``, whole (a run that began
    before ``since`` is read from its first failed probe); with ``gap``, also the gaps longer than it
    between two of its probes (a round probes every tenant, so that is a gap in the rounds)."""
    p = _PROBES.c
    last_up = (
        select(func.max(p.probed_at))
        .where(p.tenant_code == tenant_code, p.up, p.probed_at < since)
        .scalar_subquery()
    )
    query = (
        select(p.id, p.probed_at, p.up)
        .where(
            p.tenant_code == tenant_code,
            p.probed_at >= func.coalesce(last_up, since),
            p.probed_at >= _created(tenant_code),
            p.probed_at <= until,
        )
        .order_by(p.probed_at)
    )
    runs: list[_Run] = []
    gaps: list[Outage] = []
    current: _Run | None = None
    before: datetime | None = None
    for probe_id, at, up in (await session.execute(query)).all():
        if gap is not None and before is not None and at - before > gap and at >= since:
            gaps.append(_gap(before, at))
        before = at
        if up and current is not None:
            current.closed_by = (probe_id, at)
            current = None
        elif not up and current is None:
            current = _Run((probe_id, at), (probe_id, at))
            runs.append(current)
        elif not up and current is not None:
            current.last, current.failed = (probe_id, at), current.failed + 1
    return [r.outage() for r in runs if r.closed_by is None or r.closed_by[1] >= since] + gaps


def _gap(before: datetime, after: datetime) -> Outage:
    evidence = {"last_round": before.isoformat(), "next_round": after.isoformat()}
    return Outage(before, after, ("hub",), (evidence,))


async def recorded_outages(
    session: AsyncSession, tenant_code: str, since: datetime, until: datetime
) -> list[Outage]:
    """The outages recorded by hand for the tenant that reach into ``[since, until]``."""
    r = RecordedOutage
    query = (
        select(r)
        .where(
            r.tenant_code == tenant_code,
            r.recorded_at >= _created(tenant_code),
            and_(r.ends_at >= since, r.starts_at <= until),
        )
        .order_by(r.starts_at, r.id)
    )
    return [
        Outage(
            o.starts_at,
            o.ends_at,
            ("recorded",),
            ({"recorded_outage": o.id, "reason": o.reason, "recorded_by": o.recorded_by},),
        )
        for o in (await session.execute(query)).scalars()
    ]


def _created(tenant_code: str) -> ScalarSelect[datetime]:
    """When the tenant holding the code now was created: what was recorded of an earlier tenant of
    the same code (deleted since) is not this one's (as ``monitoring.probes.history`` reads it)."""
    return select(Tenant.created_at).where(Tenant.code == tenant_code).scalar_subquery()


def merge(outages: Iterable[Outage]) -> list[Outage]:
    """Overlapping or touching outages as one interval each, their sources and evidence together."""
    merged: list[Outage] = []
    for o in sorted(outages, key=lambda o: (o.starts_at, o.ends_at)):
        if merged and o.starts_at <= merged[-1].ends_at:
            last = merged[-1]
            merged[-1] = Outage(
                last.starts_at,
                max(last.ends_at, o.ends_at),
                tuple(dict.fromkeys((*last.sources, *o.sources))),
                (*last.evidence, *o.evidence),
                ongoing=o.ongoing if o.ends_at >= last.ends_at else last.ongoing,
            )
        else:
            merged.append(o)
    return merged


def uncovered(outage: Outage, covered: Sequence[tuple[datetime, datetime]]) -> list[Outage]:
    """The parts of ``outage`` that no interval of ``covered`` (merged, in order) has accounted for."""
    if any(c_start <= outage.starts_at and outage.ends_at <= c_end for c_start, c_end in covered):
        return []
    pieces: list[Outage] = []
    start = outage.starts_at
    for c_start, c_end in covered:
        if c_end <= start or c_start >= outage.ends_at:
            continue
        if c_start > start:
            pieces.append(_piece(outage, start, c_start))
        start = max(start, c_end)
    if start < outage.ends_at or start == outage.starts_at:
        pieces.append(_piece(outage, start, outage.ends_at))
    return pieces


def _piece(outage: Outage, starts_at: datetime, ends_at: datetime) -> Outage:
    return Outage(starts_at, ends_at, outage.sources, outage.evidence, outage.ongoing)
