"""Metrics under several server workers: one scrape adds up every worker's series, and a restart
starts from clean files (prometheus-client's multi-process mode, set up by ``lpse-hub serve``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tests.live_server import free_port

WORKERS = 2
REQUESTS = 40
POOL_CAPACITY = 20.0  # each worker's pool: 10 and 10 overflow
TENANTS_ROUTE = {"route": "/api/tenants", "method": "GET", "status_class": "2xx", "tenant": ""}


@contextmanager
def served(settings: Settings, data_dir: Path) -> Iterator[str]:
    """``lpse-hub serve --workers 2`` on a free port once every worker has started (each adds its pool
    to ``lpsehub_db_pool_size`` when its lifespan starts), stopped (and waited for) at the end.

    Waiting for the first answer from ``/metrics`` is not enough: one worker may answer while the
    other is still starting, and a scrape then counts one pool."""
    assert settings.database_url is not None
    port = free_port()
    env = {**os.environ, "LPSE_HUB_DATABASE_URL": settings.database_url, "LPSE_HUB_DATA_DIR": str(data_dir),
           "LPSE_HUB_MASTER_KEY": os.environ.get("LPSE_HUB_MASTER_KEY") or MasterKey.generate()}  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-c", "from cli.main import run; run()", "serve", "--no-migrate",
               "--workers", str(WORKERS), "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if count(scraped(url), "lpsehub_db_pool_size") == WORKERS * POOL_CAPACITY:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)  # polling a starting process, not waiting for time to pass
        else:
            raise AssertionError("the hub did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


def scraped(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"{url}/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def count(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_one_scrape_counts_every_workers_requests_and_a_restart_starts_clean(
    hub: object, settings: Settings, tmp_path: Path
) -> None:
    with served(settings, tmp_path) as url, httpx.Client(base_url=url) as client:
        for _ in range(REQUESTS):
            assert client.get("/api/tenants").status_code == 200
        scrapes = [scraped(url) for _ in range(6)]  # answered by either worker
        assert {count(s, "lpsehub_http_requests_total", **TENANTS_ROUTE) for s in scrapes} == {REQUESTS}
        pools = {count(s, "lpsehub_db_pool_size") for s in scrapes}
        assert pools == {WORKERS * POOL_CAPACITY}
    metrics_dir = tmp_path / "metrics"
    assert metrics_dir.is_dir()
    with served(settings, tmp_path) as url:
        assert count(scraped(url), "lpsehub_http_requests_total", **TENANTS_ROUTE) == 0  # no stale files
