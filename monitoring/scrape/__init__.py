"""One scrape of ``/metrics``: ``render(await read_snapshot(session), embedded=...)``."""

from monitoring.scrape._database import DatabaseSnapshot, read_snapshot
from monitoring.scrape._exposition import render

__all__ = ["DatabaseSnapshot", "read_snapshot", "render"]
