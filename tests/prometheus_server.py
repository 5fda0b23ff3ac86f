"""A real Prometheus server on a free port, scraping a hub every second, for the monitoring tests.

It evaluates the shipped rules every second too, so a test can drive the hub and then ask, through
Prometheus' HTTP API, what an operator's dashboard or alert would see. The Debian package
``prometheus`` brings both ``prometheus`` and ``promtool`` (``.ci/run`` installs it when it can).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.live_server import free_port

T = TypeVar("T")
PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
CONFIG = """\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - {rules}
scrape_configs:
  - job_name: lpse-hub
    metrics_path: /metrics
    static_configs:
      - targets: ["{target}"]
"""


class PrometheusError(AssertionError):
    """Prometheus refused a query (a syntax error, an unknown function): the expression is wrong."""


@dataclass(frozen=True)
class Prometheus:
    url: str

    def api(self, path: str, **params: str) -> Any:
        response = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=10)
        body = response.json()
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector (or scalar, as one sample) that ``expr`` evaluates to now."""
        data = self.api("query", query=expr)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        return list(data["result"])

    def rules(self) -> list[dict[str, Any]]:
        return [rule for group in self.api("rules")["groups"] for rule in group["rules"]]

    def alerts(self) -> list[dict[str, Any]]:
        return list(self.api("alerts")["alerts"])


def eventually(what: str, probe: Callable[[], T | None], timeout: float = 30) -> T:
    """``probe()`` once it returns something truthy, within ``timeout`` seconds. For what Prometheus,
    another process scraping and evaluating on its own clock, has seen: there is no clock to inject."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s")
        time.sleep(0.25)


@contextmanager
def running_prometheus(target: str, rules: Path, directory: Path) -> Iterator[Prometheus]:
    """Prometheus scraping ``target`` (``host:port``) and evaluating ``rules``, stopped at the end;
    yielded once it has scraped the target a first time."""
    assert PROMETHEUS is not None, "prometheus is not installed"
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "prometheus.yml"
    config.write_text(CONFIG.format(rules=rules.resolve(), target=target))
    port = free_port()
    log = (directory / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={directory / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Prometheus(f"http://127.0.0.1:{port}")

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError("prometheus stopped: " + (directory / "prometheus.log").read_text()[-2000:])
        try:
            return httpx.get(f"{server.url}/-/ready", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        eventually("prometheus ready", ready)
        # Prometheus starts scraping a few seconds after it is ready: what happens before is unseen.
        eventually("prometheus scraping the target", lambda: server.query("up == 1"))
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
