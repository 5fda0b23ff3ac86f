"""The series read from the database at each scrape: tenders in progress, probes, the feed, peers.

They are the same whichever worker or replica answers, and right after a restart, because they are
the database's state, not a process's count. Each query is served by an index, so a scrape costs a
few milliseconds however large the catalogue: tenders in progress by the status index, closing ones
by the partial index of open tenders, the feed's head by each kind's index of positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from monitoring.probes import latest_probes
from monitoring.probes.models import CHECKS, ProbeResult

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


@dataclass(slots=True)
class DatabaseSnapshot:
    """What the database said at one scrape; ``up`` is false when it could not be asked."""

    up: bool = False
    tenants: set[str] = field(default_factory=set)
    in_progress: list[Any] = field(default_factory=list)
    closing_soon: list[Any] = field(default_factory=list)
    probes: list[ProbeResult] = field(default_factory=list)
    feed: Any = None
    peers: list[Any] = field(default_factory=list)
    peer_conflicts: list[Any] = field(default_factory=list)


async def read_snapshot(session: AsyncSession) -> DatabaseSnapshot:
    """Every query in one read-only transaction; a database that does not answer is reported, not raised."""
    snapshot = DatabaseSnapshot()
    try:
        snapshot.tenants = set((await session.execute(TENANTS)).scalars())
        snapshot.in_progress = list(await session.execute(IN_PROGRESS))
        snapshot.closing_soon = list(await session.execute(CLOSING_SOON))
        snapshot.probes = await latest_probes(session)
        snapshot.feed = (await session.execute(FEED)).one()
        snapshot.peers = list(await session.execute(PEERS))
        snapshot.peer_conflicts = list(await session.execute(PEER_CONFLICTS))
        snapshot.up = True
    except (SQLAlchemyError, OSError):
        await session.rollback()
    return snapshot


def database_families(snapshot: DatabaseSnapshot, embedded: bool) -> list[Metric]:
    """The snapshot as metric families (none but ``up`` when the database did not answer)."""
    up = GaugeMetricFamily("lpsehub_database_up", "1 if the database answered this scrape.")
    up.add_metric([], 1.0 if snapshot.up else 0.0)
    families: list[Metric] = [up]
    if embedded:
        embedded_up = GaugeMetricFamily(
            "lpsehub_embedded_database_up", "1 if the embedded PostgreSQL this hub runs answered."
        )
        embedded_up.add_metric([], 1.0 if snapshot.up else 0.0)
        families.append(embedded_up)
    if not snapshot.up:
        return families
    tenders = GaugeMetricFamily(
        "lpsehub_tenders", "Tenders in progress, by tenant and stage.", labels=["tenant", "stage"]
    )
    for row in snapshot.in_progress:
        tenders.add_metric([row.tenant_slug, row.stage], row.n)
    closing = GaugeMetricFamily(
        "lpsehub_tenders_closing_soon",
        "Tenders whose bid submission closes within the hour.",
        labels=["tenant"],
    )
    for row in snapshot.closing_soon:
        closing.add_metric([row.tenant_slug], row.n)
    return [*families, tenders, closing, *_probe_families(snapshot.probes), *_feed_families(snapshot)]


def _probe_families(probes: list[ProbeResult]) -> list[Metric]:
    up = GaugeMetricFamily(
        "lpsehub_tenant_up", "1 if the tenant's last probe passed every check.", labels=["tenant"]
    )
    check = GaugeMetricFamily(
        "lpsehub_tenant_probe_check",
        "1 if the check passed at the tenant's last probe.",
        labels=["tenant", "check"],
    )
    took = GaugeMetricFamily(
        "lpsehub_tenant_probe_duration_seconds", "How long the tenant's last probe took.", labels=["tenant"]
    )
    when = GaugeMetricFamily(
        "lpsehub_tenant_last_probe_timestamp_seconds", "When the tenant was last probed.", labels=["tenant"]
    )
    tampered = GaugeMetricFamily(
        "lpsehub_tampered_bids",
        "Stored bids of unopened tenders that the tenant's last probe found not to be the bids received "
        "(absent when that probe could not check them).",
        labels=["tenant"],
    )
    for probe in probes:
        up.add_metric([probe.tenant_slug], 1.0 if probe.up else 0.0)
        for name in CHECKS:
            check.add_metric([probe.tenant_slug, name], 1.0 if probe.checks.get(name) else 0.0)
        took.add_metric([probe.tenant_slug], probe.duration_seconds)
        when.add_metric([probe.tenant_slug], probe.probed_at.timestamp())
        if probe.tampered_bids is not None:
            tampered.add_metric([probe.tenant_slug], float(len({b["bid_id"] for b in probe.tampered_bids})))
    return [up, check, took, when, tampered]


def _feed_families(snapshot: DatabaseSnapshot) -> list[Metric]:
    feed = snapshot.feed
    written = GaugeMetricFamily("lpsehub_feed_position", "The highest position written to the change feed.")
    written.add_metric([], float(feed.written or 0))
    served = GaugeMetricFamily(
        "lpsehub_feed_served_position", "The highest position a follower of the feed can read now."
    )
    served.add_metric([], float(feed.served or 0))
    lag = GaugeMetricFamily(
        "lpsehub_feed_lag_seconds",
        "Age of the oldest committed change a follower cannot read yet: an older transaction, in any "
        "database of the PostgreSQL server, still runs (0 when none waits).",
    )
    lag.add_metric([], float(feed.lag or 0.0))
    peers = GaugeMetricFamily(
        "lpsehub_peer_sync_age_seconds", "Time since this hub last synced a peer hub's feed.", labels=["peer"]
    )
    for row in snapshot.peers:
        peers.add_metric([row.name], float(row.age))
    conflicts = GaugeMetricFamily(
        "lpsehub_peer_checkpoint_conflicts",
        "Checkpoints of a peer hub kept here that contradict one it signed before (rewrite, split view).",
        labels=["peer"],
    )
    for row in snapshot.peer_conflicts:
        conflicts.add_metric([row.name], float(row.n))
    return [written, served, lag, peers, conflicts]
