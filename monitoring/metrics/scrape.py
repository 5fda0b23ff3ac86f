"""One scrape of ``/metrics``: ``render(await read_snapshot(session), embedded=...)``."""

from monitoring.metrics._database import DatabaseSnapshot, read_snapshot
from monitoring.metrics._exposition import render

__all__ = ["DatabaseSnapshot", "read_snapshot", "render"]
