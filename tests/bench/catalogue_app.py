"""The hub's app for ``tests/bench/bench_catalogue.py``: one more route, and the server's own timing.

``GET /bench/select1`` runs ``SELECT 1`` on the hub's one pool (``app.state.engine``): the floor a
catalogue request is compared with, served by the same process, the same pool, the same middleware.
Every answer carries ``Server-Timing: app;dur=<ms>``, the time from the request reaching the
application to its answer's first message, so the load generator can tell the server's latency from
its own. For benchmarks only:

    uvicorn --factory tests.bench.catalogue_app:create_app --workers 2
"""

from __future__ import annotations

import time

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

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
    return ServerTiming(app)
