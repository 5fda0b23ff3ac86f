"""The event loop's stall: how long `GET /health/live` waits while the hub hashes passwords or opens
thousands of sealed bids (issue 20).

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_event_loop --hub-path /path/to/checkout/before

It prepares one database (bench_opening's tenant, committee and verified vendors with signing keys;
32 officials with passwords; per hub measured, a tender whose key the hub holds, with ``--bids``
sealed and signed bids submitted and its submission closed), then starts each hub in turn (this
checkout, and ``--hub-path``'s when given, alternating which goes first each round) as one uvicorn
process, as the other benches do, and while a process of its own probes ``/health/live`` every
``--probe-ms`` (not a thread beside the login clients: their GIL would be counted as the hub's
stall), measures three phases:

1. idle: the probes alone, one second;
2. logins: 32 browsers at once, each from its own address (``X-Forwarded-For`` through a trusted
   proxy, as behind an ingress, so the login throttle's per-address count is not what is measured),
   each logging in ``--logins-each`` times through the login page (``GET /login``, then
   ``POST /login`` with the form's CSRF token: argon2id on the hub);
3. opening: ``POST .../tenders/{id}/opening`` by the committee member, every bid opened ``ok``.

For each phase: the probes' p50, p99 and max, and the load's own throughput (logins per second,
bids opened per second). ``--json`` prints this checkout's figures under issue 20's names
(``event_loop_p99_logins_ms``, ``event_loop_p99_opening_ms``) with the other hub's beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account
from federation.oidc.tokens import TokenService
from hub.core.database import create_engine, hub_sessions
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tests.bench.bench_opening import World, _public_key, announce, close, seal_all, setup, submit_all
from tests.bench.bench_tenants import fresh_database
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.live_server import free_port, wait_until_live

ISSUER = "http://lpse-hub.bench"  # plain http: the hub's cookies come back over the bench's http
PASSWORD = "kata-sandi-bench-2026"
BROWSERS = 32


@dataclass(frozen=True)
class Prepared:
    tenders: list[int]
    """One tender a hub and round, closed, its bids submitted."""
    emails: list[str]
    token: str
    """The committee member's access token, for the opening."""


async def prepare(url: str, master: MasterKey, args: argparse.Namespace, openings: int) -> Prepared:
    engine = create_engine(Settings(database_url=url))
    try:
        w = await setup(engine, args.bids)
        emails = [f"pokja.login{i}@bench.go.id" for i in range(BROWSERS)]
        async with hub_sessions(engine)() as session, session.begin():
            for email in emails:
                await create_account(session, email, "Pokja Bench", PASSWORD, email_verified=True)
        tenders = [await _tender_with_bids(engine, w, master, n) for n in range(openings)]
        tokens = TokenService(engine, master, ISSUER, 3600)
        await tokens.refresh()
        token = tokens.access_token(str(w.pokja.account_id), "bench", "openid lpse")[0]
    finally:
        await engine.dispose()
    return Prepared(tenders, emails, token)


async def _tender_with_bids(engine: AsyncEngine, w: World, master: MasterKey, n: int) -> int:
    tender = await announce(engine, w, "hub", f"Jembatan event loop {n}", master)
    with multiprocessing.get_context("spawn").Pool(os.cpu_count() or 2) as pool:
        bundles = seal_all(pool, await _public_key(engine, tender), tender, w, 16 * 1024)
    await submit_all(engine, w, tender, bundles, master)
    await close(engine, tender)
    return tender


def _probe(url: str, every: float, stop: Any, enough: Any, wanted: Any, ready: Any, answers: Any) -> None:
    """The probing process: ``/health/live`` every ``every`` seconds until ``stop``; its answers'
    times go back through ``answers`` when it stops."""
    seconds: list[float] = []
    with httpx.Client(base_url=url, timeout=60) as http:
        due = time.perf_counter()
        while not stop.is_set():
            started = time.perf_counter()
            if http.get("/health/live").status_code != 200:
                raise RuntimeError("/health/live did not answer 200")
            seconds.append(time.perf_counter() - started)
            ready.set()
            if wanted.value and len(seconds) >= wanted.value:
                enough.set()
            due = max(due + every, time.perf_counter())
            stop.wait(max(0.0, due - time.perf_counter()))
    answers.send(seconds)


class Prober:
    """A process of its own that gets ``/health/live`` every ``every`` seconds (or at once after a
    slow answer) until stopped, keeping each answer's time.

    Not a thread of this process: the 32 login clients run here, and a probe thread would wait for
    them to release the GIL, so the client's own stalls would be counted as the hub's (a kubelet
    probes from elsewhere too). The probes have started when ``with`` enters."""

    def __init__(self, url: str, every: float) -> None:
        self.url, self.every = url, every
        self.seconds: list[float] = []
        context = multiprocessing.get_context("spawn")
        self._stop, self._enough, self._ready = context.Event(), context.Event(), context.Event()
        self._wanted = context.Value("i", 0)
        self._answers, answers = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_probe,
            args=(url, every, self._stop, self._enough, self._wanted, self._ready, answers),
            daemon=True,
        )

    def __enter__(self) -> Prober:
        self._process.start()
        if not self._ready.wait(timeout=120):
            self._process.kill()
            raise RuntimeError(f"the probing process never got an answer from {self.url}")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._answers.poll(timeout=120):
            self.seconds = self._answers.recv()
        self._process.join(timeout=30)
        if not self.seconds:
            raise RuntimeError("the probing process gave no answers")

    def wait_for(self, probes: int) -> None:
        """Return once ``probes`` answers are kept (the probes pace themselves, ``every`` apart)."""
        self._wanted.value = probes
        self._enough.wait()

    def figures(self) -> dict[str, float]:
        ms = sorted(s * 1000 for s in self.seconds)
        return {
            "probes": len(ms),
            "p50_ms": statistics.median(ms),
            "p99_ms": statistics.quantiles(ms, n=100, method="inclusive")[98] if len(ms) > 1 else ms[0],
            "max_ms": ms[-1],
        }


class Connection:
    """One browser's kept-alive HTTP/1.1 connection, as a browser keeps one to a site.

    Plain HTTP/1.1 over ``asyncio`` streams, as ``bench_bids.post_bundle`` sends bids: the 32
    browsers run on the two cores the hub and PostgreSQL need, and httpx (an ``AsyncClient`` a
    browser) cost about 20 ms of CPU a login, CPU the hub's loop lost to the client in the very
    stall measured (issue 20). Every answer of the hub's login pages carries a ``Content-Length``."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        return cls(*await asyncio.open_connection(host, port))

    async def exchange(self, request: str, body: bytes = b"") -> tuple[int, list[tuple[str, str]], str]:
        """Send one request; its answer's status, headers and body."""
        self.writer.write(request.encode("latin-1") + body)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        headers: list[tuple[str, str]] = []
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip().lower(), value.strip()))
        length = next((int(value) for name, value in headers if name == "content-length"), None)
        if length is None:
            raise RuntimeError(f"an answer {status} without Content-Length: {headers}")
        return status, headers, (await self.reader.readexactly(length)).decode()

    def close(self) -> None:
        self.writer.close()


def cookies_of(headers: list[tuple[str, str]]) -> dict[str, str]:
    """The name and value of each ``Set-Cookie`` (its attributes dropped: one host, one path)."""
    pairs = (value.split(";", 1)[0].partition("=") for name, value in headers if name == "set-cookie")
    return {name.strip(): value.strip() for name, _, value in pairs}


async def logins(url: str, emails: list[str], each: int) -> int:
    """Every browser logs in ``each`` times at once with the others; the logins made."""
    host, _, port_text = url.removeprefix("http://").partition(":")
    port = int(port_text)

    async def browser(n: int, email: str) -> int:
        # TEST-NET-1: a name, no traffic goes there
        common = f"Host: {host}:{port}\r\nX-Forwarded-For: 192.0.2.{n + 1}\r\n"
        connection = await Connection.open(host, port)
        try:
            for _ in range(each):
                status, headers, page = await connection.exchange(f"GET /login HTTP/1.1\r\n{common}\r\n")
                csrf = re.search(r'name=csrf value="([^"]+)"', page)
                if status != 200 or csrf is None:
                    raise RuntimeError(f"the login page answered {status}: {page[:300]}")
                cookie = "; ".join(f"{k}={v}" for k, v in cookies_of(headers).items())
                form = urlencode({"email": email, "password": PASSWORD, "csrf": csrf.group(1), "next": "/"})
                body = form.encode()
                status, _, answer = await connection.exchange(
                    f"POST /login HTTP/1.1\r\n{common}Cookie: {cookie}\r\n"
                    f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n",
                    body,
                )
                if status != 303:
                    raise RuntimeError(f"login of {email} answered {status}: {answer[:300]}")
        finally:
            connection.close()
        return each

    return sum(await asyncio.gather(*(browser(n, e) for n, e in enumerate(emails))))


async def opening(url: str, tender: int, token: str, bids: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=1800) as http:
        answer = await http.post(
            f"/t/kab-malang/api/tenders/{tender}/opening", headers={"Authorization": f"Bearer {token}"}
        )
    if answer.status_code != 201:
        raise RuntimeError(f"the opening answered {answer.status_code}: {answer.text[:300]}")
    opened = [bid["status"] for bid in answer.json()["bids"]]
    if opened != ["ok"] * bids:
        raise RuntimeError(f"{opened.count('ok')} of {bids} bids opened ok")


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User and system CPU of process ``pid`` so far, all its threads (``/proc/PID/stat``), or only
    thread ``thread``'s (the main thread's id is the process's: the event loop's thread)."""
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    with open(path) as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    url: str, hub_pid: int, tender: int, prepared: Prepared, args: argparse.Namespace
) -> dict[str, Any]:
    every = args.probe_ms / 1000
    asyncio.run(logins(url, prepared.emails[:1], 1))  # the code paths loaded once
    with Prober(url, every) as idle:
        idle.wait_for(max(2, round(1 / every)))  # about a second of probes with nothing else to do
    started, client_cpu = time.perf_counter(), time.process_time()
    hub_cpu, loop_cpu = cpu_seconds(hub_pid), cpu_seconds(hub_pid, hub_pid)
    with Prober(url, every) as during_logins:
        made = asyncio.run(logins(url, prepared.emails, args.logins_each))
    login_seconds = time.perf_counter() - started
    client_cpu, hub_cpu = time.process_time() - client_cpu, cpu_seconds(hub_pid) - hub_cpu
    loop_cpu = cpu_seconds(hub_pid, hub_pid) - loop_cpu
    started = time.perf_counter()
    with Prober(url, every) as during_opening:
        asyncio.run(opening(url, tender, prepared.token, args.bids))
    opening_seconds = time.perf_counter() - started
    return {
        "idle": idle.figures(),
        "logins": {
            **during_logins.figures(),
            "per_s": made / login_seconds,
            "count": made,
            "hub_cpu_ms": hub_cpu * 1000 / made,  # the hashing threads' included
            "loop_cpu_ms": loop_cpu * 1000 / made,  # the event loop's thread only
            "client_cpu_ms": client_cpu * 1000 / made,
        },
        "opening": {**during_opening.figures(), "per_s": args.bids / opening_seconds, "s": opening_seconds},
        "load": os.getloadavg()[0],
    }


def hub_process(
    url: str, master_key: str, data_dir: str, hub_path: str | None
) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        **os.environ,
        **({"PYTHONPATH": hub_path} if hub_path else {}),
        "LPSE_HUB_DATABASE_URL": url,
        "LPSE_HUB_DATA_DIR": data_dir,
        "LPSE_HUB_MASTER_KEY": master_key,
        "LPSE_HUB_ISSUER": ISSUER,
        "LPSE_HUB_TRUSTED_PROXIES": "127.0.0.1",
        "LPSE_HUB_PUBLICATION_SWEEP_SECONDS": "0",
        "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0",  # no background probes in a measurement
    }
    port = free_port()
    # Its own port, not an inherited socket (``started_on_socket``): uvicorn takes a ``--fd`` socket
    # for a Unix one and leaves Nagle on, so each answer's body waited ~40 ms for the client's
    # delayed ACK of its headers, a floor under every probe.
    uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "hub.web.app:create_app",
               "--host", "127.0.0.1", "--port", str(port),
               "--no-proxy-headers", "--log-level", "warning"]  # fmt: skip
    # ``python -m`` puts its working directory first on the path: run it in the checkout measured
    process = subprocess.Popen(uvicorn, env=env, cwd=hub_path or None)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(url, process, timeout=120)
    except BaseException:
        process.kill()
        process.wait(timeout=30)
        raise
    return process, url


def run(args: argparse.Namespace) -> dict[str, Any]:
    hubs: list[tuple[str, str | None]] = [("after", None)]
    if args.hub_path:
        hubs.insert(0, ("before", args.hub_path))
    master_key = MasterKey.generate()
    results: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in hubs}
    with (
        fresh_database(args.server, "lpse_hub_bench_event_loop") as url,
        tempfile.TemporaryDirectory() as data,
    ):
        prepared = asyncio.run(prepare(url, MasterKey.parse(master_key), args, len(hubs) * args.rounds))
        tenders = iter(prepared.tenders)
        for round_ in range(args.rounds):
            for label, path in hubs if round_ % 2 == 0 else hubs[::-1]:
                process, base = hub_process(url, master_key, data, path)
                try:
                    results[label].append(measure(base, process.pid, next(tenders), prepared, args))
                finally:
                    process.terminate()
                    process.wait(timeout=30)
    return figures_of(results, args)


def figures_of(results: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> dict[str, Any]:
    def median(label: str, phase: str, key: str) -> float:
        return float(statistics.median(r[phase][key] for r in results[label]))

    figures: dict[str, Any] = {
        "event_loop_p99_logins_ms": median("after", "logins", "p99_ms"),
        "event_loop_p99_opening_ms": median("after", "opening", "p99_ms"),
        "event_loop_logins_per_s": median("after", "logins", "per_s"),
        "event_loop_bids_opened_per_s": median("after", "opening", "per_s"),
        "event_loop_hub_cpu_ms_per_login": median("after", "logins", "hub_cpu_ms"),
        "event_loop_client_cpu_ms_per_login": median("after", "logins", "client_cpu_ms"),
        "event_loop_loop_cpu_ms_per_login": median("after", "logins", "loop_cpu_ms"),
    }
    if "before" in results:
        figures |= {
            "event_loop_p99_logins_ms_before": median("before", "logins", "p99_ms"),
            "event_loop_p99_opening_ms_before": median("before", "opening", "p99_ms"),
            "event_loop_logins_per_s_before": median("before", "logins", "per_s"),
            "event_loop_bids_opened_per_s_before": median("before", "opening", "per_s"),
            "event_loop_hub_cpu_ms_per_login_before": median("before", "logins", "hub_cpu_ms"),
            "event_loop_loop_cpu_ms_per_login_before": median("before", "logins", "loop_cpu_ms"),
        }
    return {
        **figures,
        "runs": results,
        "bids": args.bids,
        "logins": BROWSERS * args.logins_each,
        "probe_ms": args.probe_ms,
        "machine": machine(),
        "command": command("tests.bench.bench_event_loop"),
        "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def markdown(figures: Any) -> str:
    lines = [
        f"Machine: {figures['machine']}; {figures['at']}; `{figures['command']}`",
        "",
        f"{figures['bids']} bids of 16 KiB opened; {figures['logins']} logins by {BROWSERS} at once; "
        f"`/health/live` probed every {figures['probe_ms']} ms",
        "",
        "| hub (round) | idle p50 / p99 / max | logins: p50 / p99 / max | logins/s "
        "| CPU ms a login: hub / its loop / client | opening: p50 / p99 / max | bids opened/s "
        "| load (1 min) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    nan = float("nan")  # a run of an older bench, without the CPU figures
    for label, runs in figures["runs"].items():
        for n, r in enumerate(runs, 1):
            idle, log, op = r["idle"], r["logins"], r["opening"]
            lines.append(
                f"| {label} ({n}) | {idle['p50_ms']:.1f} / {idle['p99_ms']:.1f} / {idle['max_ms']:.1f} ms "
                f"| {log['p50_ms']:.1f} / {log['p99_ms']:.1f} / {log['max_ms']:.1f} ms | {log['per_s']:.1f} "
                f"| {log.get('hub_cpu_ms', nan):.1f} / {log.get('loop_cpu_ms', nan):.1f} "
                f"/ {log.get('client_cpu_ms', nan):.1f} "
                f"| {op['p50_ms']:.1f} / {op['p99_ms']:.1f} / {op['max_ms']:.1f} ms | {op['per_s']:.0f} "
                f"| {r['load']:.2f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--bids", type=int, help="bids opened per opening (default 2000; --quick 300)")
    parser.add_argument("--logins-each", type=int, help="logins per browser (default 4; --quick 2)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds, alternating which hub goes first")
    parser.add_argument("--probe-ms", type=float, default=10.0)
    parser.add_argument("--hub-path", help="PYTHONPATH of the hub to compare with (a checkout before)")
    add_run_options(parser)
    args = parser.parse_args()
    args.bids = args.bids or (300 if args.quick else 2000)
    args.logins_each = args.logins_each or (2 if args.quick else 4)
    print_figures(run(args), args, markdown)


if __name__ == "__main__":
    main()
