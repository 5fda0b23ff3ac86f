"""A TCP proxy in front of PostgreSQL that can be told to stop forwarding: a database that hangs.

A stopped (SIGSTOPped) or wedged server still accepts TCP connections (the kernel completes the
handshake) but never answers. ``HangingProxy.hang()`` reproduces that without stopping the server
other test runs share: connections stay open, new ones are accepted, and no byte goes either way
until ``resume()``, after which what was held is delivered in order, so a connection that lived
through the hang is still a valid PostgreSQL session.

The proxy runs its own event loop in a thread, so synchronous tests, subprocesses (the CLI, a live
hub) and async tests on any loop can all use it::

    with HangingProxy(database_url) as proxy:
        settings = replace(settings, database_url=proxy.url)
        ...
        proxy.hang()
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

T = TypeVar("T")
_CHUNK = 65536


class HangingProxy:
    """Forwards ``127.0.0.1:<port>`` to the server of ``database_url`` until told to hang."""

    def __init__(self, database_url: str) -> None:
        self._target = make_url(database_url)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hanging-proxy", daemon=True)
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        """The database URL that reaches the server through the proxy (over TCP, even when the server
        itself listens on a Unix socket, as the embedded one does)."""
        through = self._target.set(host="127.0.0.1", port=self.port).difference_update_query(["host"])
        return through.render_as_string(hide_password=False)

    def __enter__(self) -> HangingProxy:
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def hang(self) -> None:
        """From now on nothing reaches the server and nothing comes back: the database hangs."""
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def resume(self) -> None:
        """Deliver what was held and forward again."""
        self._loop.call_soon_threadsafe(self._flowing.set)

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._writers.add(client_writer)
        host = self._target.query.get("host", self._target.host)
        port = self._target.port or 5432
        if isinstance(host, str) and host.startswith("/"):
            server_reader, server_writer = await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
        else:
            server_reader, server_writer = await asyncio.open_connection(host or "127.0.0.1", port)
        self._writers.add(server_writer)
        for source, sink in ((client_reader, server_writer), (server_reader, client_writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(_CHUNK):
                await self._flowing.wait()  # held, not dropped: the stream stays a valid session
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.close()

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in self._writers:
            writer.close()
