"""The database's series (``_database.DatabaseSnapshot``) in the text format, written from the rows.

With 548 tenants these are about 7,000 samples (five stages, four probe checks and three probe
gauges a tenant). Built as prometheus-client metric families they cost more CPU than the rest of a
scrape together; written here line by line, each family's lines gathered in one pass over the
tenants' rows, they cost a few milliseconds. The names, help texts
and labels are the ones the families had (label names in sorted order, as ``_text`` writes them).
"""

from __future__ import annotations

from collections.abc import Iterable

from monitoring.probes.models import CHECKS
from monitoring.scrape._database import DatabaseSnapshot, TenantSeries
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
    parts.append(_tenants_text(snapshot.per_tenant))
    parts.append(_feed_text(snapshot))
    return "".join(parts)


def _whole(n: int) -> str:
    """A count as ``number`` writes it (``repr(float(n))``) for counts below 10**16."""
    return f"{n}.0"


def _tenants_text(rows: list[TenantSeries]) -> str:
    """The tenants' families, written in one pass over the rows (a list of lines per family)."""
    tenders: list[str] = []
    closing: list[str] = []
    up: list[str] = []
    checks: list[str] = []
    duration: list[str] = []
    probed_at: list[str] = []
    tampered: list[str] = []
    for row in rows:
        tenant = _tenant(row.slug)
        if row.stages and row.counts:
            tenders.extend(
                f'lpsehub_tenders{{stage="{label_value(stage)}",{tenant}}} {_whole(n)}\n'
                for stage, n in zip(row.stages, row.counts, strict=True)
            )
        if row.closing:
            closing.append(f"lpsehub_tenders_closing_soon{{{tenant}}} {_whole(row.closing)}\n")
        probe = row.probe
        if probe is None:
            continue
        up.append(f"lpsehub_tenant_up{{{tenant}}} {'1.0' if probe.up else '0.0'}\n")
        checks.extend(
            f'lpsehub_tenant_probe_check{{check="{name}",{tenant}}} {"1.0" if passed else "0.0"}\n'
            for name, passed in zip(CHECKS, probe.checks, strict=True)
        )
        duration.append(f"lpsehub_tenant_probe_duration_seconds{{{tenant}}} {number(probe.duration)}\n")
        probed_at.append(
            f"lpsehub_tenant_last_probe_timestamp_seconds{{{tenant}}} {number(probe.probed_at)}\n"
        )
        if probe.tampered is not None:
            tampered.append(f"lpsehub_tampered_bids{{{tenant}}} {_whole(probe.tampered)}\n")
    families = [
        ("lpsehub_tenders", "Tenders in progress, by tenant and stage.", tenders),
        ("lpsehub_tenders_closing_soon", "Tenders whose bid submission closes within the hour.", closing),
        ("lpsehub_tenant_up", "1 if the tenant's last probe passed every check.", up),
        ("lpsehub_tenant_probe_check", "1 if the check passed at the tenant's last probe.", checks),
        ("lpsehub_tenant_probe_duration_seconds", "How long the tenant's last probe took.", duration),
        ("lpsehub_tenant_last_probe_timestamp_seconds", "When the tenant was last probed.", probed_at),
        (
            "lpsehub_tampered_bids",
            "Stored bids of unopened tenders that the tenant's last probe found not to be the bids "
            "received (absent when that probe could not check them).",
            tampered,
        ),
    ]
    return "".join(
        family_header(name, "gauge", help_text) + "".join(lines) for name, help_text, lines in families
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
                (
                    (f'peer="{label_value(row.name)}"', float(row.age))
                    for row in snapshot.peers
                    if row.age is not None
                ),
            ),
            _gauge(
                "lpsehub_peer_checkpoint_conflicts",
                "Checkpoints of a peer hub kept here that contradict one it signed before (rewrite, "
                "split view).",
                ((f'peer="{label_value(row.name)}"', float(row.conflicts)) for row in snapshot.peers),
            ),
        ]
    )
