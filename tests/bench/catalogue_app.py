"""The hub's app for ``tests/bench/bench_catalogue.py``: one more route, and the server's own timing.

``GET /bench/select1`` runs ``SELECT 1`` on the hub's one pool (``app.state.engine``): the floor a
catalogue request is compared with, served by the same process, the same pool, the same middleware.
Every answer carries ``Server-Timing: app;dur=<ms>``, the time from the request reaching the
application to its answer's first message, so the load generator can tell the server's latency from
its own. With ``LPSE_BENCH_COLD=1`` the app keeps no facet counts (``app.state.facet_cache`` is
``None`` once started): every first page counts its facets, the cost of a search nobody asked
recently. For benchmarks only:

    uvicorn --factory tests.bench.catalogue_app:create_app --workers 2
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.web.app import create_app as create_hub_app


@get("/bench/select1", summary="SELECT 1 on the hub's pool (benchmark baseline)")
async def select1(request: Request[object, object, State]) -> dict[str, int]:
    engine: AsyncEngine = request.app.state.engine
    async with engine.connect() as connection:
        value = await connection.scalar(text("SELECT 1"))
    return {"value": int(value or 0)}


class ServerTiming:
    """Adds ``Server-Timing: app;dur=<ms>`` to every HTTP answer of the wrapped application."""

    def __init__(self, app: ASGIApp, on_started: Callable[[], None] = lambda: None) -> None:
        self.app = app
        self.on_started = on_started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind: str = scope["type"]  # uvicorn sends the lifespan scope too
        if kind == "lifespan":

            async def on_lifespan(message: Any) -> None:
                if message["type"] == "lifespan.startup.complete":
                    self.on_started()
                await send(message)

            await self.app(scope, receive, on_lifespan)
            return
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                duration = f"app;dur={(time.perf_counter() - started) * 1000:.3f}".encode()
                headers = [*message.get("headers", []), (b"server-timing", duration)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed)


def create_app() -> ServerTiming:
    app = create_hub_app()
    app.register(select1)

    def forget_counts() -> None:
        if os.environ.get("LPSE_BENCH_COLD") == "1":
            app.state.facet_cache = None

    return ServerTiming(app, forget_counts)
