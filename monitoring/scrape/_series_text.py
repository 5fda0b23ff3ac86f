"""The database's series (``_database.DatabaseSnapshot``) in the text format, written from the rows.

With 548 tenants these are about 6,600 samples (five stages, four probe checks and three probe
gauges a tenant). Built as prometheus-client metric families they cost more CPU than the rest of a
scrape together; written here line by line they cost a few milliseconds. The names, help texts
and labels are the ones the families had (label names in sorted order, as ``_text`` writes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from monitoring.probes.models import CHECKS
from monitoring.scrape._database import DatabaseSnapshot
from monitoring.scrape._text import family_header, label_value, number


def _gauge(name: str, documentation: str, samples: Iterable[tuple[str, float]]) -> str:
    """A gauge family: its header, then a line per ``(labels, value)`` (labels already written)."""
    lines = [family_header(name, "gauge", documentation)]
    lines.extend(f"{name}{{{labels}}} {number(value)}\n" if labels else f"{name} {number(value)}\n"
                 for labels, value in samples)  # fmt: skip
    return "".join(lines)


def _tenant(slug: str) -> str:
    return f'tenant="{label_value(slug)}"'


def database_text(snapshot: DatabaseSnapshot, embedded: bool) -> str:
    """The snapshot's series (none but ``up`` when the database did not answer)."""
    up = 1.0 if snapshot.up else 0.0
    parts = [_gauge("lpsehub_database_up", "1 if the database answered this scrape.", [("", up)])]
    if embedded:
        parts.append(
            _gauge(
                "lpsehub_embedded_database_up",
                "1 if the embedded PostgreSQL this hub runs answered.",
                [("", up)],
            )
        )
    if not snapshot.up:
        return "".join(parts)
    parts.append(
        _gauge(
            "lpsehub_tenders",
            "Tenders in progress, by tenant and stage.",
            ((f'stage="{label_value(stage)}",{_tenant(slug)}', n) for slug, stage, n in snapshot.in_progress),
        )
    )
    parts.append(
        _gauge(
            "lpsehub_tenders_closing_soon",
            "Tenders whose bid submission closes within the hour.",
            ((_tenant(slug), n) for slug, n in snapshot.closing_soon),
        )
    )
    parts.append(_probes_text(snapshot.probes))
    parts.append(_feed_text(snapshot))
    return "".join(parts)


def _probes_text(probes: list[Any]) -> str:
    rows = [
        (_tenant(slug), up, checks, took, when, tampered) for slug, up, checks, took, when, tampered in probes
    ]
    return "".join(
        [
            _gauge(
                "lpsehub_tenant_up",
                "1 if the tenant's last probe passed every check.",
                ((tenant, 1.0 if up else 0.0) for tenant, up, *_ in rows),
            ),
            _gauge(
                "lpsehub_tenant_probe_check",
                "1 if the check passed at the tenant's last probe.",
                (
                    (f'check="{name}",{tenant}', 1.0 if checks.get(name) else 0.0)
                    for tenant, _, checks, *_ in rows
                    for name in CHECKS
                ),
            ),
            _gauge(
                "lpsehub_tenant_probe_duration_seconds",
                "How long the tenant's last probe took.",
                ((tenant, took) for tenant, _, _, took, *_ in rows),
            ),
            _gauge(
                "lpsehub_tenant_last_probe_timestamp_seconds",
                "When the tenant was last probed.",
                ((tenant, when) for tenant, _, _, _, when, _ in rows),
            ),
            _gauge(
                "lpsehub_tampered_bids",
                "Stored bids of unopened tenders that the tenant's last probe found not to be the bids "
                "received (absent when that probe could not check them).",
                ((tenant, tampered) for tenant, *_, tampered in rows if tampered is not None),
            ),
        ]
    )


def _feed_text(snapshot: DatabaseSnapshot) -> str:
    feed = snapshot.feed
    return "".join(
        [
            _gauge(
                "lpsehub_feed_position",
                "The highest position written to the change feed.",
                [("", float(feed.written or 0))],
            ),
            _gauge(
                "lpsehub_feed_served_position",
                "The highest position a follower of the feed can read now.",
                [("", float(feed.served or 0))],
            ),
            _gauge(
                "lpsehub_feed_lag_seconds",
                "Age of the oldest committed change a follower cannot read yet: an older transaction, in "
                "any database of the PostgreSQL server, still runs (0 when none waits).",
                [("", float(feed.lag or 0.0))],
            ),
            _gauge(
                "lpsehub_peer_sync_age_seconds",
                "Time since this hub last synced a peer hub's feed.",
                ((f'peer="{label_value(row.name)}"', float(row.age)) for row in snapshot.peers),
            ),
            _gauge(
                "lpsehub_peer_checkpoint_conflicts",
                "Checkpoints of a peer hub kept here that contradict one it signed before (rewrite, "
                "split view).",
                ((f'peer="{label_value(row.name)}"', float(row.n)) for row in snapshot.peer_conflicts),
            ),
        ]
    )
