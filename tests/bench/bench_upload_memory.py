"""Upload memory: the hub's resident memory under concurrent maximum-size uploads and under
anonymous oversized bodies, beside the same hub idle (issue 14).

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_upload_memory --concurrency 64

It starts ``lpse-hub serve`` (one process, no demo) on a fresh database and samples that process's
resident memory (``VmRSS`` in ``/proc/<pid>/status``) every 20 ms while, in turn:

Compare with another version of the hub with ``--hub-path <its checkout>``.

1. idle: nothing is sent (after one small upload, so the code paths are loaded);
2. anonymous oversized bodies: ``--concurrency`` POSTs of 30 MiB multipart bodies to the document
   route and as many 9.8 MB JSON bodies to ``/api/vendors`` (the issue's case), no token;
3. maximum-size uploads: ``--concurrency`` tender documents of 20 MiB each, by the committee.

For each phase: the peak resident memory, its growth over idle, and the answers' status codes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from federation.identity.models import Account
from federation.oidc.tokens import TokenService
from hub.core.database import create_engine, hub_sessions
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.tenders.documents import MAX_DOCUMENT_BYTES
from tests.bench.bench_bids import setup
from tests.bench.bench_tenants import fresh_database
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.live_server import free_port, wait_until_live

MiB = 2**20
CHUNK = 256 * 1024


def rss_mib(pid: int) -> float:
    """The process's resident set, from ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class Sampler:
    """The peak of a process's resident memory while a phase runs, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            self._stop.wait(0.02)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib(self.pid))


async def body(prefix: bytes, size: int, suffix: bytes = b"") -> AsyncIterator[bytes]:
    """A body of ``size`` bytes sent in chunks, so the load generator holds none of it."""
    yield prefix
    left = size - len(prefix) - len(suffix)
    while left > 0:
        yield b"x" * min(CHUNK, left)
        left -= CHUNK
    yield suffix


def document_form(size: int) -> tuple[bytes, bytes, int]:
    head = (
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="rks.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF"
    )
    tail = b"\r\n--b0undary--\r\n"
    return head, tail, len(head) + size - 4 + len(tail)


async def together(count: int, send: Callable[[httpx.AsyncClient], Awaitable[int]]) -> Counter[int]:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:
        return Counter(await asyncio.gather(*(send(client) for _ in range(count))))


async def anonymous(base: str, documents: str, count: int) -> Counter[int]:
    head, tail, size = document_form(30 * MiB)

    async def document(client: httpx.AsyncClient) -> int:
        headers = {"Content-Type": "multipart/form-data; boundary=b0undary", "Content-Length": str(size)}
        try:
            return (await client.post(documents, content=body(head, size, tail), headers=headers)).status_code
        except httpx.TransportError:  # answered and closed before the body was sent: nothing was read
            return 0

    async def vendor(client: httpx.AsyncClient) -> int:
        headers = {"Content-Type": "application/json", "Content-Length": str(9_800_000)}
        try:
            return (
                await client.post(
                    f"{base}/api/vendors", content=body(b'{"name": "', 9_800_000), headers=headers
                )
            ).status_code
        except httpx.TransportError:
            return 0

    return await together(count, document) + await together(count, vendor)


async def uploads(documents: str, token: str, count: int, size: int) -> Counter[int]:
    head, tail, length = document_form(size)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "multipart/form-data; boundary=b0undary",
        "Content-Length": str(length),
    }

    async def send(client: httpx.AsyncClient) -> int:
        return (await client.post(documents, content=body(head, length, tail), headers=headers)).status_code

    return await together(count, send)


async def committee_token(url: str, master: MasterKey, issuer: str) -> str:
    engine = create_engine(Settings(database_url=url))
    try:
        async with hub_sessions(engine)() as session:
            pokja = await session.scalar(select(Account.id).where(Account.email == "pokja@bench.go.id"))
        tokens = TokenService(engine, master, issuer, 3600)
        await tokens.refresh()
        return tokens.access_token(str(pokja), "bench", "openid lpse")[0]
    finally:
        await engine.dispose()


def start(
    url: str, port: int, master_key: str, data_dir: str, slots: int, hub_path: str | None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **({"PYTHONPATH": hub_path} if hub_path else {}),
        "LPSE_HUB_DATABASE_URL": url,
        "LPSE_HUB_MASTER_KEY": master_key,
        "LPSE_HUB_DATA_DIR": data_dir,
        "LPSE_HUB_PORT": str(port),
        "LPSE_HUB_ISSUER": f"http://127.0.0.1:{port}",
        "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0",  # no background probes in a measurement
        "LPSE_HUB_UPLOAD_SLOTS": str(slots),
        "LPSE_HUB_UPLOAD_WAIT_SECONDS": "600",  # every upload waits for its turn: none is refused
    }
    cli = [sys.executable, "-c", "from cli.main import run; run()", "serve", "--no-migrate"]
    # ``python -c`` puts its working directory first on the path: run it in the checkout measured
    process = subprocess.Popen(
        cli, env=env, cwd=hub_path or None, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_until_live(f"http://127.0.0.1:{port}", process, timeout=120)  # a loaded machine starts it slowly
    return process


def markdown(figures: Mapping[str, Any]) -> str:
    lines = [
        f"`{figures['command']}`; machine: {figures['machine']}",
        f"hub: {figures['hub']} (upload slots {figures['slots']})",
        f"idle hub: {figures['idle_mib']:.0f} MiB resident",
    ]
    for p in figures["phases"]:
        lines.append(
            f"{p['phase']}: peak {p['peak_mib']:.0f} MiB resident, growth {p['growth_mib']:+.0f} MiB "
            f"(x{p['peak_ratio_to_idle']:.2f} of idle), {p['seconds']:.1f} s, answers {p['answers']}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--slots", type=int, default=Settings().upload_slots)
    parser.add_argument(
        "--hub-path", help="PYTHONPATH of the hub to measure (another checkout, e.g. before issue 14)"
    )
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:  # a quarter of the uploads at once, still many more than the upload slots
        args.concurrency //= 4
    master = MasterKey.generate()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    figures: dict[str, Any] = {
        "command": command("tests.bench.bench_upload_memory"),
        "machine": machine(),
        "hub": args.hub_path or "this checkout",
        "slots": args.slots,
        "concurrency": args.concurrency,
        "phases": [],
    }
    with fresh_database(args.server, "bench_upload_memory") as url, tempfile.TemporaryDirectory() as data_dir:
        world = asyncio.run(setup(url, MasterKey.parse(master), vendors=1))
        documents = f"{base}/t/kab-malang/api/tenders/{world.tenders[0]}/documents"
        token = asyncio.run(committee_token(url, MasterKey.parse(master), base))
        hub = start(url, port, master, data_dir, args.slots, args.hub_path)
        try:
            asyncio.run(uploads(documents, token, 1, 1 * MiB))  # load the code paths once
            time.sleep(1)
            idle = figures["idle_mib"] = rss_mib(hub.pid)
            phases: list[tuple[str, Callable[[], Coroutine[Any, Any, Counter[int]]]]] = [
                ("anonymous oversized bodies", lambda: anonymous(base, documents, args.concurrency)),
                (
                    f"{args.concurrency} documents of {MAX_DOCUMENT_BYTES // MiB} MiB",
                    lambda: uploads(documents, token, args.concurrency, MAX_DOCUMENT_BYTES),
                ),
            ]
            for name, phase in phases:
                started = time.perf_counter()
                with Sampler(hub.pid) as sampler:
                    statuses = asyncio.run(phase())
                figures["phases"].append(
                    {
                        "phase": name,
                        "peak_mib": sampler.peak,
                        "growth_mib": sampler.peak - idle,
                        "peak_ratio_to_idle": sampler.peak / idle,
                        "seconds": time.perf_counter() - started,
                        "answers": dict(statuses),
                    }
                )
        finally:
            hub.terminate()
            hub.wait(timeout=30)
    print_figures(figures, args, markdown)


if __name__ == "__main__":
    main()
