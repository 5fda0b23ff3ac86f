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
from prometheus_client.registry import Collector

from monitoring.metrics._multiprocess import MULTIPROCESS_ENV
from monitoring.scrape._database import DatabaseSnapshot, database_families
from monitoring.scrape._text import text_format


def _forget_dead_workers(directory: str) -> None:
    pids = {
        int(f.rsplit("_", 1)[1].split(".")[0]) for f in os.listdir(directory) if f.startswith("gauge_live")
    }
    for pid in pids:
        if not psutil.pid_exists(pid):
            multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


class _Scrape(Collector):
    """The processes' series with a tenant label kept only for tenants in the registry, then the
    database's series."""

    def __init__(self, processes: Iterable[Metric], snapshot: DatabaseSnapshot, embedded: bool) -> None:
        self._processes = processes
        self._snapshot = snapshot
        self._embedded = embedded

    def collect(self) -> Iterator[Metric]:
        known = self._snapshot.tenants
        for family in self._processes:
            if self._snapshot.up:  # the registry was read: drop what belongs to no tenant in it
                family.samples = [
                    s
                    for s in family.samples
                    if s.labels.get("tenant") in (None, "") or s.labels["tenant"] in known
                ]
            yield family
        yield from database_families(self._snapshot, self._embedded)


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
    return text_format(_Scrape(families, snapshot, embedded).collect())
