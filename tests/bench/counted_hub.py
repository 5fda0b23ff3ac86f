"""The hub with a count of its SQL statements, pool checkouts and checks, for ``bench_lifecycle``.

``uvicorn --factory tests.bench.counted_hub:create_app`` (one worker): every statement SQLAlchemy
sends (``before_cursor_execute`` on every engine), every connection the pool hands out and every
check of one before use (``hub.core.database._ping``) are counted, and ``GET /bench/counts``
answers the counts so far. The route runs no SQL itself, so a load generator reads the counts
before and after a phase and divides the difference by its tenders.

With ``LPSE_BENCH_STATEMENT_LOG=<file>`` every statement is also written to that file as one JSON
line: the request it ran in (method and path, numbered) and the statement's first 300 characters;
``python -m tests.bench.statement_log <file>`` sums it per route and per statement.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import os
from typing import Any

from litestar import Litestar, get
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from hub.core import database
from hub.web.app import create_app as create_hub_app

_request: contextvars.ContextVar[str] = contextvars.ContextVar("bench_request", default="-")


def create_app() -> Litestar:
    counts = {"statements": 0, "checkouts": 0, "pings": 0}
    log_path = os.environ.get("LPSE_BENCH_STATEMENT_LOG")
    log = open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115 (the process's life)
    numbers = itertools.count(1)

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        counts["statements"] += 1
        if log is not None:
            log.write(
                json.dumps({"request": _request.get(), "sql": " ".join(statement.split())[:300]}) + "\n"
            )
            log.flush()

    def on_checkout(*_: Any) -> None:
        counts["checkouts"] += 1

    ping = database._ping

    def counted_ping(dbapi_connection: Any, seconds: float) -> None:
        counts["pings"] += 1
        ping(dbapi_connection, seconds)

    def named_requests(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == ScopeType.HTTP:
                _request.set(f"{next(numbers)} {scope.get('method', '')} {scope['path']}")
            await app(scope, receive, send)

        return middleware

    database._ping = counted_ping  # the pool's check of an idle connection, one round trip each
    event.listen(Engine, "before_cursor_execute", on_statement)
    event.listen(Pool, "checkout", on_checkout)

    @get("/bench/counts", sync_to_thread=False)
    def read_counts() -> dict[str, int]:
        return dict(counts)

    app = create_hub_app()
    app.register(read_counts)
    if log is not None:
        app.asgi_handler = named_requests(app.asgi_handler)
    return app
