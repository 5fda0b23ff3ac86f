"""A hub serving on an inherited socket (``lpse-hub serve --fd``, systemd's ``LISTEN_FDS``, the
tests' live hubs) answers without Nagle's delay: uvicorn's own ``--fd`` took the socket as a Unix
one, so asyncio left Nagle on and every response waited ~40 ms for the client's delayed ACK."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.inherited_socket import inherited_socket
from hub.core.settings import Settings
from tests.live_server import listening_socket, live_hub

DELAYED_ACK_FLOOR = 0.040
"""Linux's shortest delayed acknowledgement: what each response waited for with Nagle on."""


def test_an_inherited_tcp_socket_keeps_its_family() -> None:
    with listening_socket() as listening, inherited_socket(os.dup(listening.fileno())) as inherited:
        assert inherited.family == socket.AF_INET
        assert inherited.getsockname() == listening.getsockname()


def test_a_live_hub_on_an_inherited_socket_answers_under_the_delayed_ack_floor(
    clean_identity: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    assert settings.database_url is not None
    with live_hub(settings.database_url, tmp_path) as hub, httpx.Client(base_url=hub.url) as client:
        client.get("/health/live").raise_for_status()  # the connection made, the app warm
        took = []
        for _ in range(20):  # one keep-alive connection: Nagle's delay shows on every answer
            started = time.perf_counter()
            client.get("/health/live").raise_for_status()
            took.append(time.perf_counter() - started)
    assert min(took) < DELAYED_ACK_FLOOR * 0.75, f"fastest answer {min(took) * 1000:.1f} ms"
