"""A real hub process on a free port, for tests that drive it over HTTP as clients in the field do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from hub.core.master_key import MasterKey


@dataclass(frozen=True)
class LiveHub:
    url: str
    master_key: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_live(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Return once the hub started as ``process`` answers ``/health/live``; ``RuntimeError`` if it
    exits or does not answer within ``timeout`` seconds. (It polls a process that is starting: there
    is no clock to inject.)"""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url + "/health/live").status_code == 200:
                return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the hub did not start") from None
            time.sleep(0.1)


@contextmanager
def live_hub(
    database_url: str, data_dir: Path, port: int | None = None, **settings: str
) -> Iterator[LiveHub]:
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    master_key = (
        settings.pop("MASTER_KEY", None) or os.environ.get("LPSE_HUB_MASTER_KEY") or MasterKey.generate()
    )
    env = {
        **os.environ,
        "LPSE_HUB_DATABASE_URL": database_url,
        "LPSE_HUB_DATA_DIR": str(data_dir),
        "LPSE_HUB_MASTER_KEY": master_key,
        "LPSE_HUB_ISSUER": url,
        "LPSE_HUB_PUBLICATION_SWEEP_SECONDS": "0",  # a test publishes what it means to, not in the background
        **{f"LPSE_HUB_{k}": v for k, v in settings.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "hub.web.app:create_app", "--port", str(port),
         "--no-proxy-headers",  # as `lpse-hub serve` runs it: the app decides which proxies to trust
         "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    try:
        wait_until_live(url, process)
        yield LiveHub(url, master_key)
    finally:
        process.terminate()
        process.wait(timeout=30)
