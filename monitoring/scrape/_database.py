"""The series read from the database at each scrape: tenders in progress, probes, the feed, peers.

They are the same whichever worker or replica answers, and right after a restart, because they are
the database's state, not a process's count. Each query is served by an index, so a scrape costs a
few milliseconds however large the catalogue: tenders in progress by the status index, closing ones
by the partial index of open tenders, the feed's head by each kind's index of positions, each
tenant's newest probe by ``ix_probe_results_tenant``. Seven statements a scrape, however many
tenants (a test pins it); the rows are read as plain rows and written as text by ``_series_text``
(no ORM objects, no metric families: with 548 tenants those were most of a scrape's CPU).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

IN_PROGRESS = text("""
SELECT tenant_slug, CASE WHEN status = 'announced' THEN
           CASE WHEN now() < submission_starts_at THEN 'announcement'
                WHEN now() < submission_ends_at THEN 'bid_submission' ELSE 'bid_opening' END
       ELSE stage END AS stage, count(*) AS n
FROM hub.catalogue
WHERE origin = '' AND status IN ('announced', 'opened', 'awarded', 'award_announced', 'award_letter')
GROUP BY 1, 2
""")
CLOSING_SOON = text("""
SELECT tenant_slug, count(*) AS n FROM hub.catalogue
WHERE status = 'announced' AND origin = '' AND submission_ends_at > now()
  AND submission_ends_at <= now() + interval '1 hour'
GROUP BY 1
""")
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
PEERS = text(
    "SELECT name, extract(epoch FROM now() - synced_at) AS age FROM hub.peers WHERE synced_at IS NOT NULL"
)
PEER_CONFLICTS = text(
    "SELECT name, count(c.id) AS n FROM hub.peers "
    "LEFT JOIN hub.peer_checkpoints AS c ON c.peer = name AND c.conflict IS NOT NULL GROUP BY name"
)
TENANTS = text("SELECT slug FROM hub.tenants")
PROBES = text("""
SELECT p.tenant_slug, p.up, p.checks, p.duration_seconds, extract(epoch FROM p.probed_at) AS probed_at,
       CASE WHEN p.tampered_bids IS NOT NULL THEN
           (SELECT count(DISTINCT bid->>'bid_id') FROM jsonb_array_elements(p.tampered_bids) AS bid)
       END AS tampered
FROM hub.tenants AS t CROSS JOIN LATERAL (
    SELECT * FROM hub.probe_results AS r
    WHERE r.tenant_code = t.code AND r.probed_at >= t.created_at
    ORDER BY r.probed_at DESC LIMIT 1
) AS p
ORDER BY t.slug
""")
"""Each tenant's newest probe (``monitoring.probes.latest_probes``'s rule: only the results of the
tenant that holds the code now), with the number of distinct tampered bids it found (NULL when it
could not check them)."""


@dataclass(slots=True)
class DatabaseSnapshot:
    """What the database said at one scrape; ``up`` is false when it could not be asked."""

    up: bool = False
    tenants: set[str] = field(default_factory=set)
    in_progress: list[Any] = field(default_factory=list)
    closing_soon: list[Any] = field(default_factory=list)
    probes: list[Any] = field(default_factory=list)
    feed: Any = None
    peers: list[Any] = field(default_factory=list)
    peer_conflicts: list[Any] = field(default_factory=list)


async def read_snapshot(session: AsyncSession) -> DatabaseSnapshot:
    """Every query in one read-only transaction; a database that does not answer is reported, not raised."""
    snapshot = DatabaseSnapshot()
    try:
        snapshot.tenants = set((await session.execute(TENANTS)).scalars().all())
        snapshot.in_progress = list((await session.execute(IN_PROGRESS)).all())
        snapshot.closing_soon = list((await session.execute(CLOSING_SOON)).all())
        snapshot.probes = list((await session.execute(PROBES)).all())
        snapshot.feed = (await session.execute(FEED)).one()
        snapshot.peers = list((await session.execute(PEERS)).all())
        snapshot.peer_conflicts = list((await session.execute(PEER_CONFLICTS)).all())
        snapshot.up = True
    except (SQLAlchemyError, OSError):
        await session.rollback()
    return snapshot
