"""One scrape: the processes' own series and the database's, without the series of deleted tenants.

Under several workers prometheus-client's multi-process mode adds up every process's files (the
directory is set and wiped by ``lpse-hub serve``, see ``_multiprocess.py``); one worker
answers the scrape for all. The files of a worker that died are removed at the scrape, so its live
gauges (the pool's) stop counting. A tenant deleted from the registry loses its series at once:
the counters its requests left in any process's files are filtered out by the registry, which the
scrape reads anyway.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import psutil
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.core import Metric

from monitoring.metrics._multiprocess import MULTIPROCESS_ENV
from monitoring.scrape._database import DatabaseSnapshot
from monitoring.scrape._series_text import database_text
from monitoring.scrape._text import text_format


def _forget_dead_workers(directory: str) -> None:
    pids = {
        int(f.rsplit("_", 1)[1].split(".")[0]) for f in os.listdir(directory) if f.startswith("gauge_live")
    }
    for pid in pids:
        if not psutil.pid_exists(pid):
            multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def _of_known_tenants(families: Iterable[Metric], snapshot: DatabaseSnapshot) -> Iterator[Metric]:
    """The processes' families, a sample with a tenant label kept only for tenants in the registry
    (when the registry was read)."""
    known = snapshot.tenants
    for family in families:
        if snapshot.up:
            family.samples = [
                s for s in family.samples if s.labels.get("tenant", "") in known or not s.labels.get("tenant")
            ]
        yield family


def render(snapshot: DatabaseSnapshot, *, embedded: bool) -> bytes:
    """The text exposition format of everything this hub exports."""
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        _forget_dead_workers(directory)
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes, directory)  # type: ignore[no-untyped-call]
        families = list(processes.collect())
    else:
        families = list(REGISTRY.collect())
    return text_format(_of_known_tenants(families, snapshot)) + database_text(snapshot, embedded).encode()
