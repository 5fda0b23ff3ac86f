"""The series read from the database at each scrape: tenders in progress, probes, the feed, peers.

They are the same whichever worker or replica answers, and right after a restart, because they are
the database's state, not a process's count. Each query is served by an index, so a scrape costs a
few milliseconds however large the catalogue: tenders in progress by the status index, closing ones
by the partial index of open tenders, the feed's head by each kind's index of positions, each
tenant's newest probe by ``ix_probe_results_tenant``.

Three statements a scrape, however many tenants (a test pins it), and one row a tenant: its tenders
in progress as two arrays (stage, count), its tenders closing soon, its newest probe with the four
checks as booleans read in SQL (no JSONB decoded here). With 548 tenants that is 548 rows, where a
row a tenant and stage plus a row a probe with its JSONB made some 3,800 rows and most of a scrape's
CPU; ``_series_text`` writes them as text (no ORM objects, no metric families).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.probes.models import CHECKS

IN_PROGRESS_STATUSES = ("announced", "opened", "awarded", "award_announced", "award_letter")

PER_TENANT = text(f"""
WITH in_progress AS (
    SELECT tenant_slug, CASE WHEN status = 'announced' THEN
               CASE WHEN now() < submission_starts_at THEN 'announcement'
                    WHEN now() < submission_ends_at THEN 'bid_submission' ELSE 'bid_opening' END
           ELSE stage END AS stage, count(*) AS n
    FROM hub.catalogue
    WHERE origin = '' AND status IN ({", ".join(f"'{status}'" for status in IN_PROGRESS_STATUSES)})
    GROUP BY 1, 2
), stages AS (
    SELECT tenant_slug, array_agg(stage ORDER BY stage) AS stages, array_agg(n ORDER BY stage) AS counts
    FROM in_progress GROUP BY 1
), closing AS (
    SELECT tenant_slug, count(*) AS n FROM hub.catalogue
    WHERE status = 'announced' AND origin = '' AND submission_ends_at > now()
      AND submission_ends_at <= now() + interval '1 hour'
    GROUP BY 1
)
SELECT t.slug, s.stages, s.counts, c.n AS closing, p.tenant_code IS NOT NULL AS probed, p.up,
       {", ".join(f"coalesce(p.checks -> '{name}' = 'true', false)" for name in CHECKS)},
       p.duration_seconds, extract(epoch FROM p.probed_at) AS probed_at,
       CASE WHEN p.tampered_bids IS NOT NULL THEN
           (SELECT count(DISTINCT bid->>'bid_id') FROM jsonb_array_elements(p.tampered_bids) AS bid)
       END AS tampered
FROM hub.tenants AS t
LEFT JOIN stages AS s ON s.tenant_slug = t.slug
LEFT JOIN closing AS c ON c.tenant_slug = t.slug
LEFT JOIN LATERAL (
    SELECT * FROM hub.probe_results AS r
    WHERE r.tenant_code = t.code AND r.probed_at >= t.created_at
    ORDER BY r.probed_at DESC LIMIT 1
) AS p ON true
ORDER BY t.slug
""")
"""A row a tenant of the registry: its tenders in progress by stage (NULL arrays when none), its
tenders closing within the hour (NULL when none), and its newest probe (``probed`` false when it
has none; ``monitoring.probes.latest_probes``'s rule: only results of the tenant that holds the
code now) with its checks and the number of distinct tampered bids it found (NULL when it could
not check them). Tenders of a tenant no longer in the registry count nowhere."""
FEED = text("""
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
SELECT greatest((SELECT position FROM hub.changes WHERE origin = '' ORDER BY position DESC LIMIT 1),
                (SELECT position FROM hub.audit_checkpoints ORDER BY position DESC LIMIT 1)) AS written,
       greatest((SELECT position FROM hub.changes, horizon WHERE origin = '' AND xid < horizon.xmin
                  ORDER BY position DESC LIMIT 1),
                (SELECT position FROM hub.audit_checkpoints, horizon WHERE xid < horizon.xmin
                  ORDER BY position DESC LIMIT 1)) AS served,
       extract(epoch FROM now() - least(
           (SELECT min(created_at) FROM hub.changes, horizon WHERE origin = '' AND xid >= horizon.xmin),
           (SELECT min(at) FROM hub.audit_checkpoints, horizon WHERE xid >= horizon.xmin))) AS lag
""")
"""The feed is this hub's releases (``changes``) and audit checkpoints, one sequence of positions."""
PEERS = text("""
SELECT name, extract(epoch FROM now() - synced_at) AS age,
       (SELECT count(*) FROM hub.peer_checkpoints AS c
        WHERE c.peer = name AND c.conflict IS NOT NULL) AS conflicts
FROM hub.peers
""")
"""Every peer hub with the age of its last sync (NULL if never synced) and its conflicting checkpoints."""


@dataclass(frozen=True, slots=True)
class NewestProbe:
    """A tenant's newest probe result, as the scrape writes it."""

    up: bool
    checks: tuple[bool, ...]
    """Whether each of ``CHECKS`` passed, in that order."""
    duration: float
    probed_at: float
    tampered: int | None
    """Distinct tampered bids it found; None when it could not check them."""


@dataclass(frozen=True, slots=True)
class TenantSeries:
    """One tenant's row of ``PER_TENANT``."""

    slug: str
    stages: list[str] | None
    counts: list[int] | None
    closing: int | None
    probe: NewestProbe | None


@dataclass(slots=True)
class DatabaseSnapshot:
    """What the database said at one scrape; ``up`` is false when it could not be asked."""

    up: bool = False
    per_tenant: list[TenantSeries] = field(default_factory=list)
    feed: Any = None
    peers: list[Any] = field(default_factory=list)

    @property
    def tenants(self) -> set[str]:
        """The slugs of the registry's tenants."""
        return {row.slug for row in self.per_tenant}


def _tenant_series(row: Any) -> TenantSeries:
    slug, stages, counts, closing, probed, up, *rest = row
    checks, (duration, probed_at, tampered) = tuple(rest[: len(CHECKS)]), rest[len(CHECKS) :]
    probe = NewestProbe(up, checks, duration, float(probed_at), tampered) if probed else None
    return TenantSeries(slug, stages, counts, closing, probe)


async def read_snapshot(session: AsyncSession) -> DatabaseSnapshot:
    """Every query in one read-only transaction; a database that does not answer is reported, not raised."""
    snapshot = DatabaseSnapshot()
    try:
        snapshot.per_tenant = [_tenant_series(row) for row in (await session.execute(PER_TENANT)).all()]
        snapshot.feed = (await session.execute(FEED)).one()
        snapshot.peers = list((await session.execute(PEERS)).all())
        snapshot.up = True
    except (SQLAlchemyError, OSError):
        await session.rollback()
    return snapshot
