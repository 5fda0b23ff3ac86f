"""End to end: a thousand tenders, five bidders each, from the package to the contract over HTTP.

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_lifecycle --tenders 1000 --tenants 38 --concurrency 32

Jawa Timur's regencies and cities are the tenants (the first ``--tenants`` of its 38); tenders are
spread evenly over them. Every step is an HTTP call a user would make: the commitment officer
creates the package, the committee the tender and its announcement, five vendors register and send
bids sealed on their side, the committee opens, assesses (one bid fails administration, one is above
the owner's estimate), verifies the winner's qualification, awards and announces; the commitment
officer issues the letter of award and records the contract. 20 requests a tender.

The database clock decides what is open, so between phases the tenders' own times are moved into
the past (as ``cli.demo.backdate`` does for one tender): one SQL statement per tenant
schema, timed apart from the phases. The load generator runs in another process, like a crowd of
browsers; it seals the bids before the bidding phase (sealing is the vendors' cost, not the hub's).

1. The measured run: the hub with two uvicorn workers; wall time per phase, the server's CPU time
   (user + system of the uvicorn process tree) per tender and per request, against the CPU per
   request of trivial routes measured in the same run. At the end SQL checks every tender is
   contracted, with five bids and a contract.
2. The profile: ``--profile-tenders`` more tenders through one worker under cProfile
   (``tests/bench/profiled_hub.py``): the top functions and own time by package.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import psutil
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation.identity.models import Account, Membership, Role
from federation.oidc.tokens import TokenService
from hub.core.database import create_engine, hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from tenants.agencies import add_agency
from tenants.regions import RegionKind, regions_of_province
from tenants.registry import resolve_tenant
from tenants.registry.provisioning import provision_regions
from tenants.sealing import BidFile, decode_public_key, seal_bid
from tests.bench.bench_tenants import fresh_database
from tests.bench.bench_vendors import verified_vendors
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.bench.profiled_hub import print_profile
from tests.live_server import free_port, wait_until_live

ISSUER = "http://bench-hub.example"
JAWA_TIMUR = "35"
HPS = 2_400_000_000  # the owner's estimate (harga perkiraan sendiri)
# Bidder k of a tender offers PRICES[k]: 3 is above the HPS, 4 fails administration, so 2 wins.
PRICES = (2_300_000_000, 2_350_000_000, 2_280_000_000, 2_450_000_000, 2_250_000_000)
ABOVE_HPS, FAILS_ADMINISTRATION, WINNER = 3, 4, 2
ASPECTS = ("administrative", "qualification", "technical", "price")
SEALED = "application/vnd.lpse-hub.sealed-bid+json"
WIB = ZoneInfo("Asia/Jakarta")
PHASES = {
    "announce": "package, tender, announcement, 5 registrations",
    "bid": "5 sealed bids",
    "evaluate": "opening, assessments (5 bids x 4 aspects), verification, award, award announcement",
    "contract": "letter of award, contract",
}


# The world: tenants, their officials, vendors, tokens


@dataclass(frozen=True, slots=True)
class Office:
    """One tenant and the two officials who run its tenders."""

    slug: str
    code: str
    schema: str
    agency_id: int
    ppk: int  # commitment_officer
    pokja: int  # selection_committee


@dataclass(frozen=True, slots=True)
class World:
    offices: list[Office]
    vendors: list[tuple[int, int]]  # (vendor id, its user's account id)


async def setup(url: str, master: MasterKey, tenants: int, vendors: int) -> World:
    """Tenants provisioned as operators do; accounts, memberships and verified vendors as rows.

    Each tenant's sealing key and the hub's receipt key are left to the first announcement and the
    first bid, made on first use under load: concurrent first uses share one key.
    """
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
        regions = [r for r in regions_of_province(JAWA_TIMUR) if r.kind is not RegionKind.PROVINCE]
        regions = regions[:tenants]
        report = await provision_regions(engine, regions, concurrency=8)
        assert not report.failed, report.failed
        offices = []
        for region in regions:
            async with hub_sessions(engine)() as session, session.begin():
                tenant = await resolve_tenant(session, slug=region.slug)
                ppk = Account(email=f"ppk@{region.slug}.go.id", name="PPK", status="active")
                pokja = Account(email=f"pokja@{region.slug}.go.id", name="Pokja", status="active")
                session.add_all([ppk, pokja])
                await session.flush()
                session.add_all(
                    [
                        Membership(
                            account_id=ppk.id, tenant_id=tenant.id, role=Role.COMMITMENT_OFFICER.value
                        ),
                        Membership(
                            account_id=pokja.id, tenant_id=tenant.id, role=Role.SELECTION_COMMITTEE.value
                        ),
                    ]
                )
            async with tenant_session(engine, tenant.schema) as session, session.begin():
                agency = await add_agency(session, "Dinas Pekerjaan Umum dan Penataan Ruang")
            offices.append(Office(region.slug, region.code, tenant.schema, agency.id, ppk.id, pokja.id))
        async with hub_sessions(engine)() as session, session.begin():
            homes = [region.code for region in regions]
            made = await verified_vendors(
                session, vendors, homes, name="CV Karya Jatim", domain="karya.co.id", key_of=vendor_key
            )
            pairs = [(v.vendor_id, v.user_id) for v in made]
        return World(offices, pairs)
    finally:
        await engine.dispose()


def vendor_key(vendor_id: int) -> Ed25519PrivateKey:
    """The signing key of the vendor's user, the same in setup and when sealing (bench keys only)."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"bench|{vendor_id}".encode()).digest())


async def mint_tokens(url: str, master: MasterKey, accounts: list[int]) -> dict[int, str]:
    """Access tokens as the hub would issue them at login, valid for the whole run."""
    engine = create_engine(Settings(database_url=url))
    try:
        tokens = TokenService(engine, master, ISSUER, 6 * 3600)
        await tokens.refresh()
        return {a: tokens.access_token(str(a), "bench", "openid lpse")[0] for a in accounts}
    finally:
        await engine.dispose()


@dataclass(frozen=True, slots=True)
class Plan:
    """One tender to run: where, by whom, and its five bidders (vendor id, token)."""

    slug: str
    code: str
    schema: str
    agency_id: int
    ppk: str
    pokja: str
    bidders: tuple[tuple[int, str], ...]


def plans(world: World, tokens: dict[int, str], count: int, start: int = 0) -> list[Plan]:
    """Tender i goes to tenant i mod T (spread evenly) with five consecutive vendors of the pool."""
    out = []
    for i in range(start, start + count):
        office = world.offices[i % len(world.offices)]
        chosen = [world.vendors[(5 * i + k) % len(world.vendors)] for k in range(5)]
        out.append(
            Plan(
                office.slug,
                office.code,
                office.schema,
                office.agency_id,
                tokens[office.ppk],
                tokens[office.pokja],
                tuple((vendor, tokens[user]) for vendor, user in chosen),
            )
        )
    return out


# The load generator (another process)


@dataclass(frozen=True, slots=True)
class Job:
    base: str
    database_url: str
    hub_pid: int
    plans: list[Plan]
    concurrency: int
    bid_bytes: int
    baseline_requests: int
    profiled: bool  # the hub toggles its profiler on SIGUSR1 / SIGUSR2
    counted: bool = False  # the hub answers GET /bench/counts (tests/bench/counted_hub.py)


@dataclass(slots=True)
class Tender:
    plan: Plan
    id: int = 0
    key: str = ""
    bundles: list[bytes] = field(default_factory=list)
    leader: int = 0
    price: int = 0
    failure: str | None = None

    @property
    def url(self) -> str:
        return f"/t/{self.plan.slug}/api/tenders/{self.id}"


class Refused(Exception):
    """The hub answered a step of a tender otherwise than a user expects."""


@dataclass(slots=True)
class Desk:
    """Drives requests for one phase and keeps its latencies."""

    client: httpx.AsyncClient
    latencies: list[float] = field(default_factory=list)

    async def call(
        self, path: str, token: str, json: Any = None, content: bytes | None = None, expect: int = 201
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        if content is not None:
            headers["Content-Type"] = SEALED
        started = time.perf_counter()
        try:
            answer = await self.client.post(path, json=json, content=content, headers=headers)
        except httpx.TransportError as exc:
            raise Refused(f"POST {path}: {exc!r}") from None
        finally:
            self.latencies.append(time.perf_counter() - started)
        if answer.status_code != expect:
            raise Refused(f"POST {path} -> {answer.status_code}: {answer.text[:400]}")
        return answer.json()


def schedule() -> dict[str, dict[str, str]]:
    """Announced now; bids from tomorrow: the shifts open bidding and the opening when their turn comes."""
    now, day = datetime.now(UTC), timedelta(days=1)
    windows = {
        "announcement": (now - timedelta(minutes=5), now + 3 * day),
        "document_download": (now - timedelta(minutes=5), now + 3 * day),
        "bid_submission": (now + day, now + 3 * day),
        "bid_opening": (now + 3 * day, now + 4 * day),
    }
    return {s: {"starts_at": a.isoformat(), "ends_at": b.isoformat()} for s, (a, b) in windows.items()}


def package_body(agency_id: int) -> dict[str, Any]:
    """A construction package of the agency at the bench's owner's estimate, the budget 10% above."""
    return {
        "agency_id": agency_id,
        "title": "Rehabilitasi Jalan Poros Desa",
        "fiscal_year": 2026,
        "category": "construction",
        "method": "tender",
        "budget": HPS + HPS // 10,
        "owner_estimate": HPS,
        "kbli": ["41011"],
    }


async def announce(desk: Desk, t: Tender) -> None:
    p = t.plan
    package = await desk.call(f"/t/{p.slug}/api/packages", p.ppk, package_body(p.agency_id))
    body = {"package_id": package["id"], "evaluation": "lowest_price", "schedule": schedule()}
    t.id = (await desk.call(f"/t/{p.slug}/api/tenders", p.pokja, body))["id"]
    t.key = (await desk.call(f"{t.url}/announcement", p.pokja))["tender_key"]
    for _, token in p.bidders:
        await desk.call(f"{t.url}/registrations", token)


async def bid(desk: Desk, t: Tender) -> None:
    for (_, token), bundle in zip(t.plan.bidders, t.bundles, strict=True):
        await desk.call(f"{t.url}/bids", token, content=bundle)
    t.bundles = []


def assessments(t: Tender) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for k, (vendor, _) in enumerate(t.plan.bidders):
        for aspect in ASPECTS:
            entry: dict[str, Any] = {"vendor_id": vendor, "aspect": aspect, "passed": True}
            if k == FAILS_ADMINISTRATION and aspect == "administrative":
                entry.update(passed=False, reason="Jaminan penawaran tidak dilampirkan")
            if k == ABOVE_HPS and aspect == "price":
                entry.update(passed=False, reason="Harga penawaran di atas HPS")
            entries.append(entry)
    return entries


async def evaluate(desk: Desk, t: Tender) -> None:
    pokja = t.plan.pokja
    opening = await desk.call(f"{t.url}/opening", pokja)
    if sum(b["status"] == "ok" for b in opening["bids"]) != 5:
        raise Refused(f"tender {t.id}: not all five bids opened: {opening['bids']}")
    stands = await desk.call(f"{t.url}/assessments", pokja, {"assessments": assessments(t)})
    if stands["leader"] != t.plan.bidders[WINNER][0]:
        raise Refused(f"tender {t.id}: leader {stands['leader']}, not vendor {t.plan.bidders[WINNER][0]}")
    t.leader = stands["leader"]
    await desk.call(f"{t.url}/qualification-verifications", pokja, {"vendor_id": t.leader, "passed": True})
    t.price = (await desk.call(f"{t.url}/award", pokja, {"vendor_id": t.leader}))["price"]
    await desk.call(f"{t.url}/award-announcement", pokja)


async def contract(desk: Desk, t: Tender) -> None:
    p = t.plan
    await desk.call(f"{t.url}/award-letter", p.ppk, {"number": f"SPPBJ/{p.code}/{t.id}"})
    today = datetime.now(UTC).astimezone(WIB).date()
    signed = await desk.call(
        f"{t.url}/contract",
        p.ppk,
        {
            "number": f"HK.02.03/{p.code}/{t.id}/2026",
            "value": t.price,
            "signed_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=180)).isoformat(),
        },
    )
    if signed["status"] != "contracted":
        raise Refused(f"tender {t.id}: {signed['status']} after the contract")


STEPS: dict[str, Callable[[Desk, Tender], Awaitable[None]]] = {
    "announce": announce,
    "bid": bid,
    "evaluate": evaluate,
    "contract": contract,
}

# Moving the tenders' own times into the past, one statement per tenant schema.
OPEN_STAGE = """
UPDATE {s}.tender_stages AS st SET starts_at = st.starts_at - shift.d, ends_at = st.ends_at - shift.d
FROM (SELECT tender_id, starts_at - now() + interval '1 second' AS d FROM {s}.tender_stages
      WHERE stage = '{stage}' AND tender_id = ANY($1::bigint[])) AS shift
WHERE st.tender_id = shift.tender_id
"""
END_OBJECTIONS = """
WITH shift AS (
    SELECT a.tender_id, a.round, a.objection_ends_at - now() + interval '1 second' AS d
    FROM {s}.awards a JOIN {s}.tenders t ON t.id = a.tender_id AND t.round = a.round
    WHERE t.id = ANY($1::bigint[])
), awards AS (
    UPDATE {s}.awards a SET announced_at = a.announced_at - shift.d,
        objection_ends_at = a.objection_ends_at - shift.d, decided_at = a.decided_at - shift.d
    FROM shift WHERE a.tender_id = shift.tender_id AND a.round = shift.round
)
UPDATE {s}.tender_stages st SET starts_at = st.starts_at - shift.d, ends_at = st.ends_at - shift.d
FROM shift WHERE st.tender_id = shift.tender_id
"""
SHIFTS = {
    "bid": OPEN_STAGE.replace("{stage}", "bid_submission"),
    "evaluate": OPEN_STAGE.replace("{stage}", "bid_opening"),
    "contract": END_OBJECTIONS,
}


def by_schema(tenders: list[Tender]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for t in tenders:
        if t.failure is None:
            groups.setdefault(t.plan.schema, []).append(t.id)
    return groups


async def shift_times(url: str, statement: str, tenders: list[Tender]) -> tuple[float, int]:
    connection = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        groups = by_schema(tenders)
        for schema, ids in groups.items():
            await connection.execute(statement.replace("{s}", schema), ids)
        return time.perf_counter() - started, len(groups)
    finally:
        await connection.close()


def seal_all(tenders: list[Tender], bid_bytes: int) -> None:
    """The vendors' side: seal each bid with the tender's public key."""
    payload = b"%PDF-1.7\n" + os.urandom(bid_bytes)
    for t in tenders:
        if t.failure is None:
            key = decode_public_key(t.key)
            t.bundles = [
                seal_bid(
                    key,
                    tenant_code=t.plan.code,
                    tender_id=t.id,
                    vendor_id=vendor,
                    price=PRICES[k],
                    files=[BidFile("penawaran.pdf", "application/pdf", payload)],
                    signing_key=vendor_key(vendor),
                )
                for k, (vendor, _) in enumerate(t.plan.bidders)
            ]


class Meter:
    """CPU seconds (user + system) of the hub's process tree, of this process, and of the machine."""

    def __init__(self, hub_pid: int) -> None:
        self.hub = psutil.Process(hub_pid)

    def per_process(self) -> dict[int, tuple[float, float]]:
        out = {}
        for process in [self.hub, *self.hub.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            out[process.pid] = (times.user, times.system)
        return out

    def sample(self) -> dict[str, Any]:
        busy = psutil.cpu_times()
        own = psutil.Process().cpu_times()
        return {
            "wall": time.perf_counter(),
            "hub": self.per_process(),
            "client": own.user + own.system,
            "machine_busy": busy.user + busy.system + busy.nice + busy.irq + busy.softirq,
        }


def spent(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    common = [pid for pid in after["hub"] if pid in before["hub"]]
    user = sum(after["hub"][pid][0] - before["hub"][pid][0] for pid in common)
    system = sum(after["hub"][pid][1] - before["hub"][pid][1] for pid in common)
    return {
        "wall": after["wall"] - before["wall"],
        "hub_cpu": user + system,
        "hub_system": system,
        "hub_by_process": {str(pid): sum(after["hub"][pid]) - sum(before["hub"][pid]) for pid in common},
        "client_cpu": after["client"] - before["client"],
        "machine_busy": after["machine_busy"] - before["machine_busy"],
    }


async def run_phase(
    name: str, job: Job, client: httpx.AsyncClient, meter: Meter, tenders: list[Tender]
) -> dict[str, Any]:
    desk, step = Desk(client), STEPS[name]
    queue = iter([t for t in tenders if t.failure is None])

    async def worker() -> None:
        for tender in queue:
            try:
                await step(desk, tender)
            except Refused as exc:
                tender.failure = f"{name}: {exc}"

    if job.profiled:
        os.kill(job.hub_pid, signal.SIGUSR1)
        # Python runs a signal's handler in the main thread when it next wakes: answering this
        # request wakes it, so once answered the profiler is on (an event, not a pause).
        await client.get("/health/live")
    counted_before = await counts(client) if job.counted else {}
    before = meter.sample()
    await asyncio.gather(*(worker() for _ in range(job.concurrency)))
    figures = spent(before, meter.sample())
    if job.counted:
        figures["counts"] = since(counted_before, await counts(client))
    if job.profiled:
        os.kill(job.hub_pid, signal.SIGUSR2)
    latencies = sorted(desk.latencies)
    figures.update(
        requests=len(latencies),
        p50_ms=statistics.median(latencies) * 1000 if latencies else 0.0,
        p99_ms=latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else 0.0,
        tenders=sum(t.failure is None for t in tenders),
    )
    return figures


async def counts(client: httpx.AsyncClient) -> dict[str, int]:
    """The counted hub's statements, pool checkouts and checks of a connection so far."""
    answer = await client.get("/bench/counts")
    answer.raise_for_status()
    result: dict[str, int] = answer.json()
    return result


def since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after}


async def baseline(
    client: httpx.AsyncClient,
    meter: Meter,
    paths: list[str],
    requests: int,
    concurrency: int,
    counted: bool = False,
) -> dict[str, Any]:
    """CPU per request of a trivial route, same client, same concurrency, a connection per request."""
    numbers = iter(range(requests))

    async def worker() -> None:
        for i in numbers:
            answer = await client.get(paths[i % len(paths)])
            assert answer.status_code == 200, answer.text

    counted_before = await counts(client) if counted else {}
    before = meter.sample()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    figures = spent(before, meter.sample())
    figures["requests"] = requests
    if counted:
        figures["counts"] = since(counted_before, await counts(client))
    return figures


async def drive(job: Job) -> dict[str, Any]:
    meter = Meter(job.hub_pid)
    tenders = [Tender(plan) for plan in job.plans]
    result: dict[str, Any] = {"phases": {}, "baselines": {}, "shifts": {}}
    # A connection per request, as many browsers would: kept-alive connections stick to whichever
    # worker accepted them first (see the deadline rush in docs/BENCHMARKS.md).
    limits = httpx.Limits(max_connections=job.concurrency, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=job.base, timeout=300, limits=limits) as client:
        if job.baseline_requests:
            slugs = sorted({p.slug for p in job.plans})
            for label, paths in (
                ("GET /health/live", ["/health/live"]),
                ("GET /t/{slug}/api/agencies", [f"/t/{s}/api/agencies" for s in slugs]),
            ):
                await baseline(client, meter, paths, 200, job.concurrency)  # warm up
                result["baselines"][label] = await baseline(
                    client, meter, paths, job.baseline_requests, job.concurrency, job.counted
                )
        started = meter.sample()
        for name in STEPS:
            if name in SHIFTS:
                seconds, schemas = await shift_times(job.database_url, SHIFTS[name], tenders)
                result["shifts"][name] = {"seconds": seconds, "statements": schemas}
            if name == "bid":
                before = time.perf_counter()
                seal_all(tenders, job.bid_bytes)
                result["sealing_seconds"] = time.perf_counter() - before
            result["phases"][name] = await run_phase(name, job, client, meter, tenders)
        result["total"] = spent(started, meter.sample())
    result["tender_ids"] = {t.plan.schema: [] for t in tenders}
    for t in tenders:
        if t.failure is None:
            result["tender_ids"][t.plan.schema].append(t.id)
    result["failures"] = [t.failure for t in tenders if t.failure is not None]
    return result


def load_generator(job: Job, out: str) -> None:
    Path(out).write_text(json.dumps(asyncio.run(drive(job))))


# The hub, the runs, the check


def start_hub(
    url: str, port: int, master_key: str, workers: int, profile_to: Path | None, counted: bool = False
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LPSE_HUB_DATABASE_URL": url,
        "LPSE_HUB_PROBE_INTERVAL_SECONDS": "0",  # no background probes in a measurement
        "LPSE_HUB_MASTER_KEY": master_key,
        "LPSE_HUB_DATA_DIR": tempfile.mkdtemp(),
        "LPSE_HUB_ISSUER": ISSUER,
    }
    if profile_to is None:
        factory = "tests.bench.counted_hub:create_app" if counted else "hub.web.app:create_app"
        command = ["-m", "uvicorn", "--factory", factory, "--port", str(port)]
        command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    else:
        command = ["-m", "tests.bench.profiled_hub", "--port", str(port), "--out", str(profile_to)]
    process = subprocess.Popen([sys.executable, *command], env=env, start_new_session=True)
    try:
        # Two workers importing the hub on a machine other benches load took more than 30 s at times.
        wait_until_live(f"http://127.0.0.1:{port}", process, timeout=120)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)  # its workers too: none left serving a dropped database
        process.wait(timeout=30)
        raise
    return process


def run(url: str, master_key: str, job: Job, workers: int, profile_to: Path | None = None) -> dict[str, Any]:
    port = free_port()
    hub = start_hub(url, port, master_key, workers, profile_to, job.counted)
    out = tempfile.mktemp(suffix=".json")
    job = replace(job, base=f"http://127.0.0.1:{port}", hub_pid=hub.pid)
    generator = multiprocessing.get_context("spawn").Process(target=load_generator, args=(job, out))
    try:
        generator.start()
        generator.join()
    finally:
        hub.send_signal(signal.SIGTERM)  # the uvicorn master (or the profiling wrapper) stops its workers
        hub.wait(timeout=120)
    if generator.exitcode != 0:
        raise RuntimeError(f"the load generator failed (exit code {generator.exitcode})")
    result: dict[str, Any] = json.loads(Path(out).read_text())
    return result


CHECK = """
SELECT count(*) FILTER (WHERE t.status = 'contracted' AND b.n = 5 AND c.tender_id IS NOT NULL)
FROM {s}.tenders t
LEFT JOIN (SELECT tender_id, count(*) AS n FROM {s}.bids GROUP BY tender_id) b ON b.tender_id = t.id
LEFT JOIN {s}.contracts c ON c.tender_id = t.id
WHERE t.id = ANY($1::bigint[])
"""


async def check(url: str, tender_ids: dict[str, list[int]]) -> int:
    """How many of the run's tenders are contracted, with five bids and a contract: by SQL."""
    connection = await asyncpg.connect(url)
    try:
        total = 0
        for schema, ids in tender_ids.items():
            total += int(await connection.fetchval(CHECK.replace("{s}", schema), ids))
        return total
    finally:
        await connection.close()


QUICK = {"tenders": 16, "tenants": 2, "vendors": 25, "baseline_requests": 200, "profile_tenders": 0}
"""``--quick``: about a minute and a half on the 2-core machine, the same per-tender ratios."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument(
        "--database", default="lpse_hub_bench_lifecycle", help="made and dropped: one per concurrent run"
    )
    parser.add_argument("--tenders", type=int, default=1000)
    parser.add_argument("--tenants", type=int, default=38, help="the first N of Jawa Timur's 38")
    parser.add_argument("--concurrency", type=int, default=32, help="tenders in flight in each phase")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of the measured run")
    parser.add_argument("--vendors", type=int, default=200, help="the pool the five bidders come from")
    parser.add_argument("--bid-kib", type=int, default=16, help="size of each bid's one document")
    parser.add_argument("--baseline-requests", type=int, default=3000)
    parser.add_argument("--profile-tenders", type=int, default=100, help="0: no profile run")
    parser.add_argument(
        "--count-tenders",
        type=int,
        default=20,
        help="tenders of the count run (one worker); 0: none",
    )
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, min(getattr(args, name), value))
        args.count_tenders = min(args.count_tenders, 4)
    master_key = MasterKey.generate()
    with fresh_database(args.server, args.database) as url:
        world = asyncio.run(setup(url, MasterKey.parse(master_key), args.tenants, args.vendors))
        accounts = [o.ppk for o in world.offices] + [o.pokja for o in world.offices]
        tokens = asyncio.run(
            mint_tokens(url, MasterKey.parse(master_key), accounts + [u for _, u in world.vendors])
        )
        bid_bytes = args.bid_kib * 1024
        job = Job("", url, 0, plans(world, tokens, args.tenders), args.concurrency, bid_bytes, 0, False)
        job = replace(job, baseline_requests=args.baseline_requests)
        measured = run(url, master_key, job, args.workers)
        measured["contracted"] = asyncio.run(check(url, measured["tender_ids"]))
        start = args.tenders
        counted = None
        if args.count_tenders:
            more = plans(world, tokens, args.count_tenders, start=start)
            start += args.count_tenders
            job = Job("", url, 0, more, min(args.concurrency, 8), bid_bytes, 50, False, counted=True)
            counted = run(url, master_key, job, 1)
            counted["contracted"] = asyncio.run(check(url, counted["tender_ids"]))
        profile = None
        if args.profile_tenders:
            stats = Path(tempfile.mkdtemp()) / "hub.prof"
            more = plans(world, tokens, args.profile_tenders, start=start)
            job = Job("", url, 0, more, args.concurrency, bid_bytes, 0, True)
            profile = run(url, master_key, job, 1, stats)
            profile["contracted"] = asyncio.run(check(url, profile["tender_ids"]))
            profile["stats"] = str(stats)
        version = asyncio.run(server_version(url))
    figures = summary(args, measured, counted, version)
    if args.json:
        print_figures(figures, args, str)
    else:
        report(args, measured, profile, version)
        print("\n" + counts_table(figures))


def summary(
    args: argparse.Namespace, measured: dict[str, Any], counted: dict[str, Any] | None, version: str
) -> dict[str, Any]:
    """The run's figures under issue 20's names (``tests/bench/figures.py``) and a few more."""
    phases = measured["phases"]
    requests = sum(p["requests"] for p in phases.values())
    hub_cpu = sum(p["hub_cpu"] for p in phases.values())
    done = measured["contracted"]
    figures: dict[str, Any] = {
        "command": command("tests.bench.bench_lifecycle"),
        "machine": f"{machine()}; PostgreSQL {version}",
        "load_average": os.getloadavg(),
        "tenders": args.tenders,
        "tenders_contracted": done,
        "requests_per_tender": round(requests / max(done, 1), 2),
        "tender_hub_cpu_ms": round(hub_cpu / max(done, 1) * 1000, 1),
        "request_hub_cpu_ms": round(hub_cpu / max(requests, 1) * 1000, 2),
        "phases_wall_s": round(sum(p["wall"] for p in phases.values()), 1),
    }
    for label, base in measured["baselines"].items():
        key = "health_live" if "health" in label else "agencies"
        figures[f"{key}_hub_cpu_ms"] = round(base["hub_cpu"] / base["requests"] * 1000, 3)
    for name, p in phases.items():
        figures[f"{name}_hub_cpu_ms_per_request"] = round(p["hub_cpu"] / max(p["requests"], 1) * 1000, 2)
    if counted is not None:
        done = max(counted["contracted"], 1)
        statements = sum(p["counts"]["statements"] for p in counted["phases"].values())
        checkouts = sum(p["counts"]["checkouts"] for p in counted["phases"].values())
        figures["tender_statements"] = round(statements / done, 1)
        figures["tender_pool_checkouts"] = round(checkouts / done, 1)
        pings = sum(p["counts"].get("pings", 0) for p in counted["phases"].values())
        figures["tender_pool_pings"] = round(pings / done, 1)
        figures["count_run_tenders_contracted"] = counted["contracted"]
        for name, p in counted["phases"].items():
            figures[f"{name}_statements_per_request"] = round(
                p["counts"]["statements"] / max(p["requests"], 1), 2
            )
        for label, base in counted["baselines"].items():
            key = "health_live" if "health" in label else "agencies"
            figures[f"{key}_statements_per_request"] = round(
                base["counts"]["statements"] / base["requests"], 2
            )
            figures[f"{key}_checkouts_per_request"] = round(base["counts"]["checkouts"] / base["requests"], 2)
    return figures


def counts_table(figures: dict[str, Any]) -> str:
    rows = "\n".join(f"| {name} | {value} |" for name, value in figures.items())
    return f"| figure (`--json` name) | value |\n|---|---|\n{rows}"


async def server_version(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


# The report


def _ms(seconds: float, count: int) -> str:
    return f"{seconds / count * 1000:.2f} ms" if count else "-"


def report(
    args: argparse.Namespace, measured: dict[str, Any], profile: dict[str, Any] | None, version: str
) -> None:
    phases, total = measured["phases"], measured["total"]
    requests = sum(p["requests"] for p in phases.values())
    in_phases = sum(p["wall"] for p in phases.values())
    hub_cpu = sum(p["hub_cpu"] for p in phases.values())
    system = sum(p["hub_system"] for p in phases.values())
    busy = sum(p["machine_busy"] for p in phases.values())
    client_cpu = sum(p["client_cpu"] for p in phases.values())
    done = measured["contracted"]
    per_request = hub_cpu / requests
    print(f"Machine: {machine()}; PostgreSQL {version}\n")
    print(
        f"{args.tenders} tenders over {args.tenants} tenants, {args.workers} uvicorn workers, "
        f"{args.concurrency} tenders in flight, {args.vendors} vendors, "
        f"one {args.bid_kib} KiB document a bid.\n"
    )
    print("| figure | value |\n|---|---|")
    print(
        f"| tenders completed, checked by SQL (contracted, 5 bids, a contract) "
        f"| {done}/{args.tenders} ({len(measured['failures'])} refused on the way) |"
    )
    print(f"| HTTP requests per completed tender | {requests / max(done, 1):.1f} ({requests} in all) |")
    print(
        f"| wall time end to end (first request to last answer, sealing and time shifts included) "
        f"| {total['wall']:.1f} s |"
    )
    print(
        f"| wall time of the four phases (sealing and time shifts left out) | {in_phases:.1f} s "
        f"({done / in_phases * 60:.0f} tenders a minute, {requests / in_phases:.0f} requests a second) |"
    )
    print(
        f"| sealing {5 * args.tenders} bids in the load generator (the vendors' cost) "
        f"| {measured['sealing_seconds']:.1f} s |"
    )
    shifts = measured["shifts"].values()
    print(
        f"| time shifts by SQL ({sum(s['statements'] for s in shifts)} statements, one per tenant and phase) "
        f"| {sum(s['seconds'] for s in shifts):.2f} s |"
    )
    print(
        f"| hub CPU (user + system, uvicorn process tree) in the four phases | {hub_cpu:.1f} s "
        f"({system / hub_cpu:.0%} system): **{_ms(hub_cpu, done)} per tender**, "
        f"{_ms(hub_cpu, requests)} per request |"
    )
    for label, figures in measured["baselines"].items():
        base = figures["hub_cpu"] / figures["requests"]
        print(
            f"| hub CPU per request of `{label}`, same run, same client | {base * 1000:.2f} ms "
            f"(a tender request costs {per_request / base:.1f}x) |"
        )
    shares = sorted(
        (sum(p["hub_by_process"].get(pid, 0.0) for p in phases.values()) for pid in total["hub_by_process"]),
        reverse=True,
    )
    print(f"| hub CPU by process (workers, then the master) | {' / '.join(f'{s:.1f} s' for s in shares)} |")
    cores = psutil.cpu_count() or 1
    print(
        f"| machine CPU busy during the four phases | {busy:.0f} s of {in_phases * cores:.0f} s "
        f"({cores} cores): hub {hub_cpu:.0f} s, load generator {client_cpu:.0f} s, "
        f"PostgreSQL and everything else {busy - hub_cpu - client_cpu:.0f} s |"
    )
    print(
        "\n| phase | requests | wall | requests/s | latency p50 / p99 | hub CPU | per request | per tender |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, p in phases.items():
        print(
            f"| {name}: {PHASES[name]} | {p['requests']} | {p['wall']:.1f} s | "
            f"{p['requests'] / p['wall']:.0f} | {p['p50_ms']:.0f} / {p['p99_ms']:.0f} ms | "
            f"{p['hub_cpu']:.1f} s "
            f"| {_ms(p['hub_cpu'], p['requests'])} | {_ms(p['hub_cpu'], p['tenders'])} |"
        )
    _failures(measured)
    if profile is not None:
        _profile(args, profile)


def _failures(result: dict[str, Any]) -> None:
    if result["failures"]:
        print(f"\nRefused on the way ({len(result['failures'])}); the first five:\n")
        for failure in result["failures"][:5]:
            print(f"- {failure}")


def _profile(args: argparse.Namespace, profile: dict[str, Any]) -> None:
    phases = profile["phases"]
    requests = sum(p["requests"] for p in phases.values())
    hub_cpu = sum(p["hub_cpu"] for p in phases.values())
    done = profile["contracted"]
    print(
        f"\n### Profile: {args.profile_tenders} more tenders, one worker under cProfile (asyncio loop)\n\n"
        f"{done}/{args.profile_tenders} contracted (checked by SQL); {requests} requests in "
        f"{sum(p['wall'] for p in phases.values()):.1f} s; hub CPU {hub_cpu:.1f} s "
        f"({_ms(hub_cpu, done)} per tender, {_ms(hub_cpu, requests)} per request, "
        "profiler overhead included).\n"
    )
    print_profile(Path(profile["stats"]), done)
    _failures(profile)


if __name__ == "__main__":
    main()
