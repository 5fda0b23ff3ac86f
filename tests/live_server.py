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
from typing import Any

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


def listening_socket(port: int = 0) -> socket.socket:
    """A socket bound and listening on 127.0.0.1 (``port``, or a free one), for a hub process to
    inherit (``python -m cli.inherited_socket --fd``, ``lpse-hub serve --fd``): a client's
    connection waits in its backlog until the hub accepts it, so nobody has to poll for the hub to
    start. Close the parent's copy once the child has it: then the child's death closes the socket
    and a waiting client is refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def wait_until_answering(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Return once the hub started as ``process`` on an inherited ``listening_socket`` answers
    ``/health/live``: one request, which waits in the socket's backlog while the hub starts.
    ``RuntimeError`` if it is refused (the process exited) or not answered within ``timeout``."""
    try:
        answer = httpx.get(url + "/health/live", timeout=timeout)
    except httpx.TransportError as exc:
        raise RuntimeError(f"the hub did not start (exit code {process.poll()}): {exc!r}") from None
    if answer.status_code != 200:
        raise RuntimeError(f"the hub answered /health/live with {answer.status_code}")


def started_on_socket(
    command: list[str], env: dict[str, str], timeout: float = 30, **popen: Any
) -> tuple[subprocess.Popen[bytes], str]:
    """``command`` (a hub server taking ``--fd``: uvicorn, or ``lpse-hub serve``) started on a fresh
    ``listening_socket`` and answering; the process and its base URL. ``RuntimeError`` if it exits or
    does not answer within ``timeout`` (its database and migrations included)."""
    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with sock:  # the child inherits it; the parent's copy closes once the child has started
        process = subprocess.Popen(
            [*command, "--fd", str(sock.fileno())], env=env, pass_fds=(sock.fileno(),), **popen
        )
    try:
        wait_until_answering(url, process, timeout)
    except BaseException:
        process.kill()
        process.wait(timeout=30)
        raise
    return process, url


def wait_until_live(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """For the benches, which start hubs binding their own port (the deadline rush kills one and
    restarts it on the same port): return once the hub at ``url`` answers ``/health/live``;
    ``RuntimeError`` if it exits or does not answer within ``timeout`` seconds. Between tries it waits
    for the process to exit, so a hub that dies is seen at once. Tests use ``started_on_socket`` (or
    ``live_hub``), which do not poll."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url + "/health/live").status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise RuntimeError("the hub did not start") from None
            try:
                process.wait(timeout=0.1)  # an exit wakes this at once
            except subprocess.TimeoutExpired:
                continue
            raise RuntimeError(f"the hub exited with {process.returncode} before answering") from None


@contextmanager
def live_hub(
    database_url: str, data_dir: Path, port: int | None = None, **settings: str
) -> Iterator[LiveHub]:
    sock = listening_socket(port or 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
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
    with sock:  # the child inherits it; the parent's copy closes once the child has started
        process = subprocess.Popen(
            # uvicorn's own --fd would take the socket as a Unix one, Nagle on: ~40 ms a response
            [sys.executable, "-m", "cli.inherited_socket", "--fd", str(sock.fileno())],
            env=env,
            pass_fds=(sock.fileno(),),
        )  # fmt: skip
    try:
        wait_until_answering(url, process)
        yield LiveHub(url, master_key)
    finally:
        process.terminate()
        process.wait(timeout=30)
