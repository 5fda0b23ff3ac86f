"""The hub with a count of its SQL statements, pool checkouts and checks, for ``bench_lifecycle``.

``uvicorn --factory tests.bench.counted_hub:create_app`` (one worker): every statement SQLAlchemy
sends (``before_cursor_execute`` on every engine), every connection the pool hands out and every
check of one before use (``hub.core.database._ping``) are counted, and ``GET /bench/counts``
answers the counts so far. The route runs no SQL itself, so a load generator reads the counts
before and after a phase and divides the difference by its tenders.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from hub.core import database
from hub.web.app import create_app as create_hub_app


def create_app() -> Litestar:
    counts = {"statements": 0, "checkouts": 0, "pings": 0}

    def on_statement(*_: Any) -> None:
        counts["statements"] += 1

    def on_checkout(*_: Any) -> None:
        counts["checkouts"] += 1

    ping = database._ping

    def counted_ping(dbapi_connection: Any, seconds: float) -> None:
        counts["pings"] += 1
        ping(dbapi_connection, seconds)

    database._ping = counted_ping  # the pool's check of an idle connection, one round trip each
    event.listen(Engine, "before_cursor_execute", on_statement)
    event.listen(Pool, "checkout", on_checkout)

    @get("/bench/counts", sync_to_thread=False)
    def read_counts() -> dict[str, int]:
        return dict(counts)

    app = create_hub_app()
    app.register(read_counts)
    return app
