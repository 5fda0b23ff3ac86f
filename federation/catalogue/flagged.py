"""Red flags over this hub's published tenders: the compiled releases read from the feed, filtered,
then run through ``red_flags`` (pure). Each local tender's compiled release is its last release
(``records.compiled``: every release is a full snapshot)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.catalogue.models import LOCAL, CatalogueEntry, Change
from federation.catalogue.ocds import with_ocid
from federation.catalogue.records import compiled, public_ocid
from federation.catalogue.red_flags import CHECKS, DEFAULTS, Flag, Thresholds, red_flags
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
    )


async def compiled_releases(session: AsyncSession, prefix: str, query: RedFlagQuery) -> list[dict[str, Any]]:
    """The compiled release of each of this hub's published tenders that the filters select; an
    unknown tenant is refused (400 ``tenant``), as the catalogue's search refuses it."""
    since, until = query.checked()
    await check_tenant(session, query.tenant)
    e = CatalogueEntry
    last = (
        select(func.max(Change.position).label("position"))
        .where(Change.origin == LOCAL)
        .group_by(Change.ocid)
        .subquery()
    )
    statement = (
        select(Change.ocid, Change.position, Change.release)
        .join(last, last.c.position == Change.position)
        .join(e, (e.origin == Change.origin) & (e.ocid == Change.ocid))
        .order_by(Change.ocid)
    )
    if query.province is not None:
        statement = statement.where(e.province_code == query.province)
    if query.tenant is not None:
        statement = statement.where(e.tenant_slug == query.tenant)
    if query.buyer is not None:
        buyer = Change.release["buyer"]
        statement = statement.where(
            or_(buyer["id"].astext == query.buyer, buyer["name"].astext == query.buyer)
        )
    if since is not None:
        statement = statement.where(e.announced_at >= datetime.combine(since, time.min, UTC))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time.min, UTC)
        statement = statement.where(e.announced_at < end)
    rows = await session.execute(statement)
    return [compiled([with_ocid(r, public_ocid(prefix, ocid), position)]) for ocid, position, r in rows]


async def flags_of(
    session: AsyncSession, prefix: str, query: RedFlagQuery, thresholds: Thresholds = DEFAULTS
) -> list[Flag]:
    releases = await compiled_releases(session, prefix, query)
    return red_flags(releases, thresholds, [query.indicator] if query.indicator else None)
