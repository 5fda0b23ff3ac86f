"""Deadline rush: thousands of vendors send a 256 KiB sealed bid to one tender in its last minute.

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_bids --vendors 2000 --concurrency 48
    python -m tests.bench.bench_bids --quick --json   # 500 vendors, issue 20's figures as JSON

1. A plain-insert baseline: the same bundles written as bytea through asyncpg, same concurrency.
2. The rush through the hub (uvicorn, two workers) from a load generator in another process on
   loopback: accepted bids per second, p50/p99 latency, the CPU the hub's processes and the load
   generator used per accepted bid; then every receipted bid is opened.
3. The same rush with the hub killed (SIGKILL) half-way and restarted: every bid that got a
   receipt is there and opens; no partial row exists.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from federation.identity.models import Account, Membership, Role
from federation.oidc.tokens import TokenService
from hub.core.database import create_engine, hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from tenants.agencies import add_agency
from tenants.registry import TenantRef, TenantSpec, create_tenant, resolve_tenant
from tenants.sealing import BidFile, seal_bid
from tenants.tenders import Actor, PackageInput, announce_tender, create_package, create_tender, open_bids
from tenants.tenders.models import Registration
from tests.bench.bench_tenants import fresh_database
from tests.bench.bench_vendors import verified_vendors
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.live_server import free_port, wait_until_live

BID_BYTES = 256 * 1024


@dataclass(frozen=True)
class World:
    tenant: TenantRef
    tenders: list[int]
    user_ids: list[int]
    vendor_ids: list[int]
    signing_keys: list[Ed25519PrivateKey]
    """Each vendor's user's key, registered once before the rush."""


async def setup(url: str, master: MasterKey, vendors: int) -> World:
    """A tenant, a committee member, ``vendors`` verified vendors with a user each, and each user's
    signing key registered with the hub."""
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
        async with hub_sessions(engine)() as session, session.begin():
            await create_tenant(session, TenantSpec(slug="kab-malang", code="3507"))
            tenant = await resolve_tenant(session, slug="kab-malang")
            pokja = Account(email="pokja@bench.go.id", name="Pokja", status="active")
            ppk = Account(email="ppk@bench.go.id", name="PPK", status="active")
            session.add_all([pokja, ppk])
            await session.flush()
            session.add_all(
                [
                    Membership(account_id=pokja.id, tenant_id=tenant.id, role=Role.SELECTION_COMMITTEE.value),
                    Membership(account_id=ppk.id, tenant_id=tenant.id, role=Role.COMMITMENT_OFFICER.value),
                ]
            )
            made = await verified_vendors(session, vendors, ["3507"])
            user_ids, vendor_ids = [v.user_id for v in made], [v.vendor_id for v in made]
            signing_keys = [v.signing_key for v in made]
        async with tenant_session(engine, tenant.schema) as session, session.begin():
            agency = await add_agency(session, "Dinas PUPR")
        tender_ids = []
        for round_ in range(2):  # one tender for the clean rush, one for the rush with a crash
            tender_ids.append(await _tender(engine, tenant, master, pokja.id, ppk.id, agency.id, round_))
            async with tenant_session(engine, tenant.schema) as session, session.begin():
                session.add_all(
                    [
                        Registration(tender_id=tender_ids[-1], vendor_id=v, registered_by=u)
                        for v, u in zip(vendor_ids, user_ids, strict=True)
                    ]
                )
        return World(tenant, tender_ids, user_ids, vendor_ids, signing_keys)
    finally:
        await engine.dispose()


async def _tender(
    engine: Any, tenant: TenantRef, master: MasterKey, pokja: int, ppk: int, agency: int, round_: int
) -> int:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    day = timedelta(days=1)
    schedule = {
        "announcement": (now - day, now + day),
        "document_download": (now - day, now + day),
        "bid_submission": (now - timedelta(minutes=1), now + timedelta(minutes=30)),
        "bid_opening": (now + timedelta(minutes=30), now + day),
    }
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        package = await create_package(
            session,
            Actor(ppk, tenant),
            PackageInput(
                agency,
                f"Pembangunan Jembatan Bench {round_}",
                2026,
                "construction",
                "tender",
                10**10,
                9 * 10**9,
            ),
        )
        tender = await create_tender(session, Actor(pokja, tenant), package.id, "lowest_price", schedule)
        await announce_tender(session, Actor(pokja, tenant), tender.id, master)
        return tender.id


def seal_all(
    public_key: bytes, tender_id: int, vendor_ids: list[int], signing_keys: list[Ed25519PrivateKey]
) -> list[bytes]:
    """Every vendor's bid, sealed and signed on its machine (before the clock starts)."""
    payload = os.urandom(BID_BYTES)
    return [
        seal_bid(
            public_key,
            tenant_code="3507",
            tender_id=tender_id,
            vendor_id=v,
            price=9 * 10**9 - v,
            files=[BidFile("penawaran.pdf", "application/pdf", payload)],
            signing_key=key,
        )
        for v, key in zip(vendor_ids, signing_keys, strict=True)
    ]


async def plain_inserts(url: str, bundles: list[bytes], concurrency: int) -> float:
    """Baseline: the same bytes, inserted as fast as asyncpg can, with the same concurrency."""
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    try:
        await pool.execute("CREATE TABLE IF NOT EXISTS bench_plain (id bigserial PRIMARY KEY, data bytea)")
        queue = list(bundles)

        async def worker() -> None:
            while queue:
                data = queue.pop()
                await pool.execute("INSERT INTO bench_plain (data) VALUES ($1)", data)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(bundles) / (time.perf_counter() - started)
    finally:
        await pool.close()


class HubDown(Exception):
    """The hub did not answer: refused, reset, or closed before a whole response."""


async def post_bundle(host: str, port: int, path: str, token: str, bundle: bytes) -> tuple[int, str]:
    """One ``POST`` on a connection of its own (``Connection: close``), as a vendor's browser sends it.

    Plain HTTP/1.1 over ``asyncio`` streams, not httpx: the load generator shares the machine's two
    cores with the hub and PostgreSQL, and httpx's per-request machinery cost about 2.5 ms of CPU per
    bid (a fifth of the hub's), CPU the hub's figure would lose to the client (issue 20). The bundle
    is written as prepared; the answer is read up to its ``Content-Length`` (or the close)."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        raise HubDown(repr(exc)) from exc
    try:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Length: {len(bundle)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode("ascii"))
        writer.write(bundle)
        await writer.drain()
        status = await reader.readline()
        if not status:
            raise HubDown("closed before answering")
        length = None
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await (reader.read() if length is None else reader.readexactly(length))
        return int(status.split()[1]), body.decode()
    except (OSError, asyncio.IncompleteReadError) as exc:
        raise HubDown(repr(exc)) from exc
    finally:
        writer.close()


def load_generator(
    base: str,
    tender_id: int,
    work: list[tuple[bytes, str]],
    concurrency: int,
    out: str,
    signals: RushSignals,
    kill_after: int | None,
) -> None:
    """Another process: post every bundle, retrying through a crash, and record latencies and receipts.

    It tells the conductor when ``kill_after`` bids have been receipted (``signals.enough``), and a
    request that finds the hub down waits until the conductor says it is up again (``signals.hub_up``):
    events, not a clock. The bundles and tokens arrive prepared: the timed part only sends them."""
    host, _, port = base.removeprefix("http://").partition(":")
    path = f"/t/kab-malang/api/tenders/{tender_id}/bids"

    async def run() -> dict[str, Any]:
        queue = list(enumerate(work))
        latencies: list[float] = []
        receipts: dict[int, str] = {}
        refused: dict[int, str] = {}

        # Each vendor sends its bid on a connection of its own, as 2,000 different browsers would; kept-alive
        # connections would all stick to whichever server worker accepted them first.
        async def worker() -> None:
            while queue:
                index, (bundle, token) = queue.pop(0)
                while True:
                    started = time.perf_counter()
                    try:
                        async with asyncio.timeout(120):
                            status, text = await post_bundle(host, int(port), path, token, bundle)
                    except (HubDown, TimeoutError):  # the hub is down: retry once it is up again
                        await asyncio.to_thread(signals.hub_up.wait, 120)
                        continue
                    if status == 503:  # no upload slot within the hub's own wait
                        continue
                    break
                latencies.append(time.perf_counter() - started)
                if status == 201:
                    receipts[index] = text
                    if kill_after is not None and len(receipts) >= kill_after:
                        signals.enough.set()
                else:
                    refused[index] = text

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return {
            "seconds": time.perf_counter() - started,
            "generator_cpu_seconds": time.process_time() - cpu,
            "latencies": latencies,
            "receipts": receipts,
            "refused": refused,
        }

    Path(out).write_text(json.dumps(asyncio.run(run())))


ISSUER = "http://bench-hub.example"


@dataclass(frozen=True)
class RushSignals:
    """What the conductor and the load generator (another process) tell each other."""

    hub_up: Any  # multiprocessing Event: set while the hub serves
    enough: Any  # multiprocessing Event: set once ``kill_after`` bids were receipted


def kill_hub(hub: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole server (workers included, mid-request) and wait until every process of it
    has ended, so that the port is free for the restart."""
    processes = [psutil.Process(hub.pid), *psutil.Process(hub.pid).children(recursive=True)]
    os.killpg(hub.pid, signal.SIGKILL)
    hub.wait()
    psutil.wait_procs(processes, timeout=30)


def start_hub(url: str, port: int, master_key: str, data_dir: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LPSE_HUB_DATABASE_URL": url,
        "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0",  # no background probes in a measurement
        "LPSE_HUB_MASTER_KEY": master_key,
        "LPSE_HUB_DATA_DIR": data_dir,
        "LPSE_HUB_ISSUER": ISSUER,
        "LPSE_HUB_POOL_SIZE": "20",
    }
    process = subprocess.Popen(
        start_new_session=True,  # its own process group: a SIGKILL reaches the workers too
        args=[
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "hub.web.app:create_app",
            "--port",
            str(port),
            "--workers",
            "2",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    try:
        wait_until_live(f"http://127.0.0.1:{port}", process, timeout=300)  # two workers, a busy machine
    except RuntimeError:
        os.killpg(process.pid, signal.SIGKILL)  # not left serving behind a failed run
        raise
    return process


async def count_bids(url: str, tender_id: int) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(
            await connection.fetchval("SELECT count(*) FROM t_3507.bids WHERE tender_id = $1", tender_id)
        )
    finally:
        await connection.close()


async def open_and_check(
    url: str, master: MasterKey, tenant: TenantRef, tender_id: int, receipts: dict[int, str]
) -> dict[str, int]:
    """Close submission, open the bids, and check each receipted one is there and opens."""
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE t_3507.tender_stages SET starts_at = now() - interval '2 hours', "
                    "ends_at = now() - interval '1 hour' WHERE tender_id = :t AND stage = "
                    "'bid_submission'"
                ),
                {"t": tender_id},
            )
            await connection.execute(
                text(
                    "UPDATE t_3507.tender_stages SET starts_at = now() - interval '1 hour' "
                    "WHERE tender_id = :t AND stage = 'bid_opening'"
                ),
                {"t": tender_id},
            )
        pokja = await _account_id(engine, "pokja@bench.go.id")
        async with tenant_session(engine, tenant.schema) as session, session.begin():
            opening = await open_bids(session, Actor(pokja, tenant), tender_id, master)
            stored = {
                row[0]
                for row in (
                    await session.execute(
                        text(
                            "SELECT ciphertext_sha256 FROM t_3507.bids"
                            " WHERE tender_id = :t AND superseded_at IS NULL"
                        ),
                        {"t": tender_id},
                    )
                ).all()
            }
    finally:
        await engine.dispose()
    receipted = {json.loads(r)["bundle_sha256"] for r in receipts.values()}
    opened_ok = sum(b["status"] == "ok" for b in opening["bids"])
    return {
        "receipted": len(receipted),
        "receipted_present": len(receipted & stored),
        "stored": len(stored),
        "opened_ok": opened_ok,
        "tampered": opening["tampered"],
    }


async def _account_id(engine: Any, email: str) -> int:
    async with hub_sessions(engine)() as session:
        return int(await session.scalar(text("SELECT id FROM hub.accounts WHERE email = :e"), {"e": email}))


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its living children (the hub: uvicorn and its workers)."""
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(sum(p.cpu_times()[:2]) for p in processes)


def rush(
    url: str,
    port: int,
    master_key: str,
    tender_id: int,
    work: list[tuple[bytes, str]],
    concurrency: int,
    kill_after: int | None,
) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp()
    hub = start_hub(url, port, master_key, data_dir)
    out = tempfile.mktemp(suffix=".json")
    spawn = multiprocessing.get_context("spawn")
    signals = RushSignals(hub_up=spawn.Event(), enough=spawn.Event())
    signals.hub_up.set()
    generator = spawn.Process(
        target=load_generator,
        args=(f"http://127.0.0.1:{port}", tender_id, work, concurrency, out, signals, kill_after),
    )
    hub_cpu = tree_cpu_seconds(hub.pid)
    generator.start()
    killed_at = None
    try:
        if kill_after is not None:
            if not signals.enough.wait(timeout=600):
                raise RuntimeError(f"the rush never reached {kill_after} receipted bids")
            signals.hub_up.clear()
            kill_hub(hub)
            killed_at = asyncio.run(count_bids(url, tender_id))
            hub = start_hub(url, port, master_key, data_dir)  # returns once it is live
            signals.hub_up.set()
        generator.join()
        hub_cpu = tree_cpu_seconds(hub.pid) - hub_cpu  # the clean rush's: no restart in between
    finally:
        os.killpg(hub.pid, signal.SIGTERM)
        hub.wait(timeout=30)
    result: dict[str, Any] = json.loads(Path(out).read_text())
    result["killed_at"] = killed_at
    result["hub_cpu_seconds"] = hub_cpu
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--vendors", type=int, default=None, help="2000; 500 with --quick")
    parser.add_argument("--concurrency", type=int, default=48)
    parser.add_argument("--database", default="lpse_hub_bench_bids", help="the database it makes and drops")
    add_run_options(parser)
    args = parser.parse_args()
    if args.vendors is None:
        args.vendors = 500 if args.quick else 2000
    master_key = MasterKey.generate()
    master = MasterKey.parse(master_key)
    with fresh_database(args.server, args.database) as url:
        world = asyncio.run(setup(url, master, args.vendors))
        tenant, vendor_ids = world.tenant, world.vendor_ids
        tokens = asyncio.run(_tokens(url, master, world.user_ids))
        results = []
        for tid, kill in ((world.tenders[0], None), (world.tenders[1], args.vendors // 2)):
            public_key = asyncio.run(_public_key(url, tid))
            bundles = seal_all(public_key, tid, vendor_ids, world.signing_keys)
            baseline = asyncio.run(plain_inserts(url, bundles, args.concurrency)) if kill is None else None
            outcome = rush(
                url,
                free_port(),
                master_key,
                tid,
                list(zip(bundles, tokens, strict=True)),
                args.concurrency,
                kill,
            )
            outcome["check"] = asyncio.run(open_and_check(url, master, tenant, tid, outcome["receipts"]))
            outcome["baseline"] = baseline
            outcome["bundle_bytes"] = len(bundles[0])
            results.append(outcome)
    report(results, args)


async def _tokens(url: str, master: MasterKey, users: list[int]) -> list[str]:
    engine = create_engine(Settings(database_url=url))
    try:
        tokens = TokenService(engine, master, ISSUER, 3600)
        await tokens.refresh()
        return [tokens.access_token(str(u), "bench", "openid lpse")[0] for u in users]
    finally:
        await engine.dispose()


async def _public_key(url: str, tender_id: int) -> bytes:
    connection = await asyncpg.connect(url)
    try:
        return bytes(
            await connection.fetchval("SELECT public_key FROM t_3507.tenders WHERE id = $1", tender_id)
        )
    finally:
        await connection.close()


def figures(results: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """Issue 20's names for the rush (``tests.bench.figures``) and the rest of the run."""
    clean, crashed = results
    rate = len(clean["receipts"]) / clean["seconds"]
    latencies = sorted(clean["latencies"])

    def p(q: float) -> float:
        return float(latencies[min(len(latencies) - 1, int(q * len(latencies)))]) * 1000

    accepted = max(1, len(clean["receipts"]))
    return {
        "rush_bids_per_s": round(rate, 1),
        "rush_plain_inserts_per_s": round(clean["baseline"], 1),
        "rush_ratio_to_plain_inserts": round(rate / clean["baseline"], 3),
        "rush_seconds": round(clean["seconds"], 2),
        "rush_p50_ms": round(p(0.5)),
        "rush_p99_ms": round(p(0.99)),
        "rush_hub_cpu_ms_per_bid": round(clean["hub_cpu_seconds"] * 1000 / accepted, 2),
        "rush_generator_cpu_ms_per_bid": round(clean["generator_cpu_seconds"] * 1000 / accepted, 2),
        "vendors": args.vendors,
        "concurrency": args.concurrency,
        "bundle_bytes": clean["bundle_bytes"],
        "clean": {**clean["check"], "refused": len(clean["refused"])},
        "crashed": {**crashed["check"], "killed_at": crashed["killed_at"]},
        "machine": machine(),
        "command": command("tests.bench.bench_bids"),
        "load": os.getloadavg(),
    }


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print_figures(figures(results, args), args, markdown)


def markdown(f: Mapping[str, Any]) -> str:
    clean, crashed = f["clean"], f["crashed"]
    return "\n".join(
        [
            f"Machine: {f['machine']}\n",
            "| figure | value | goal |\n|---|---|---|",
            f"| bids accepted per second, {f['vendors']} vendors x {BID_BYTES // 1024} KiB "
            f"({f['bundle_bytes'] // 1024} KiB sealed), {f['concurrency']} concurrent, 2 workers "
            f"| {f['rush_bids_per_s']:.0f}/s ({f['rush_seconds']:.1f} s for all) | |",
            f"| plain asyncpg inserts of the same bytes, same concurrency "
            f"| {f['rush_plain_inserts_per_s']:.0f}/s | |",
            f"| ratio hub / plain inserts | {f['rush_ratio_to_plain_inserts']:.2f} | >= 0.60 |",
            f"| latency p50 / p99 | {f['rush_p50_ms']} ms / {f['rush_p99_ms']} ms | |",
            f"| CPU per accepted bid: the hub's processes / the load generator "
            f"| {f['rush_hub_cpu_ms_per_bid']:.1f} ms / {f['rush_generator_cpu_ms_per_bid']:.1f} ms | |",
            f"| receipted bids present and opened | {clean['receipted_present']}/{clean['receipted']}"
            f" present, {clean['opened_ok']} opened, {clean['tampered']} tampered, "
            f"{clean['refused']} refused | all |",
            f"| with SIGKILL after {crashed['killed_at']} stored bids, then restart: "
            f"receipted present and opened "
            f"| {crashed['receipted_present']}/{crashed['receipted']} present, "
            f"{crashed['opened_ok']}/{crashed['stored']} stored bids opened, "
            f"{crashed['tampered']} tampered | all |",
        ]
    )


if __name__ == "__main__":
    main()
