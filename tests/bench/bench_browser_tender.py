"""A whole tender in the browser against the same tender over the API (issue 19): what clicking costs.

Usage (Debian's chromium, as the browser tests use it; a PostgreSQL server you can create databases
on: the script makes and drops its own):

    python -m tests.bench.bench_browser_tender --tenders 3
    python -m tests.bench.bench_browser_tender --quick --json

In ONE run against ONE live hub process (uvicorn, one worker, as ``tests/live_server.py`` starts it),
N tenders go through the browser flow of issue 19's acceptance test (``tests/browser/office_flow.py``:
every step clicked by its owner in headless Chromium: the PPK's package, letter and contract; the
committee's tender, document, announcement, answer, two members' shares at the opening (committee
custody), evaluation with a failed bid, verification, award, announcement and objection answer; two
vendors registering, asking, making their signing keys, sealing and submitting in the page, one
objecting), alternately lowest-price and merit-point; then N tenders through the same steps over the
API (``api_tender``: bearer tokens, the bids sealed by the Python code, the tender's key in the hub's
custody, so the opening is one request). The time between stages passes by moving the tender's
times (``cli.demo.backdate``), in this process, outside the hub. Per tender: wall time, the hub's CPU
(user + system of the hub's process tree, psutil, before and after), and the hub's responses (the
browser: every response from the hub's origin: pages, redirects, styles, scripts, form posts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psutil
from litestar.testing import AsyncTestClient
from playwright.async_api import Browser, async_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.models import Account
from federation.oidc.tokens import TokenService
from hub.core.database import create_engine, hub_sessions
from hub.core.master_key import MasterKey
from hub.core.migrations import grant_serving_role, migrate_hub
from hub.core.settings import Settings
from hub.web.app import create_app
from tenants.sealing import BidFile, decode_public_key, seal_bid
from tests.bench.bench_lifecycle import package_body
from tests.bench.bench_tenants import admin, fresh_database
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.browser.office_flow import ANSWER, FAILED_REASON, GROUNDS, cast, verified_vendor, whole_tender
from tests.conftest import serving_role_of
from tests.e2e.procurement import (
    advance,
    end_objection_period,
    person,
    regency,
    registered_key,
    schedule_with_clarification,
)
from tests.live_server import LiveHub, live_hub

SEALED = "application/vnd.lpse-hub.sealed-bid+json"
METHODS = ("lowest_price", "merit_point")
CRITERIA = {
    "technical": [{"name": "Metode pelaksanaan", "weight": 60}, {"name": "Pengalaman", "weight": 40}],
    "technical_weight": 70,
    "price_weight": 30,
    "passing_score": 60,
}


@dataclass(frozen=True)
class Measured:
    flow: str  # "browser" or "http"
    evaluation: str
    seconds: float
    hub_cpu: float
    requests: int


class HubCpu:
    """The CPU time (user + system) of the hub's process tree, as psutil reads it."""

    def __init__(self) -> None:
        found = [
            p
            for p in psutil.Process().children(recursive=True)
            if "hub.web.app:create_app" in " ".join(p.cmdline())
        ]
        assert len(found) == 1, found
        self.hub = found[0]

    def seconds(self) -> float:
        total = 0.0
        for process in [self.hub, *self.hub.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total


async def measured(flow: str, evaluation: str, cpu: HubCpu, run: Callable[[], Awaitable[int]]) -> Measured:
    before, started = cpu.seconds(), time.perf_counter()
    requests = await run()
    return Measured(flow, evaluation, time.perf_counter() - started, cpu.seconds() - before, requests)


# The same steps over the API


@dataclass(frozen=True)
class ApiOffice:
    slug: str
    schema: str
    code: str
    agency_id: int
    ppk: dict[str, str]
    pokja: dict[str, str]
    bidders: list[tuple[int, dict[str, str], Any]]  # vendor id, its user's headers, its signing key


async def api_office(
    client: AsyncTestClient[Any], engine: AsyncEngine, tokens: TokenService, slug: str, code: str
) -> ApiOffice:
    """A regency whose tender keys the hub holds, its PPK and committee member, two verified vendors
    with signing keys; headers with tokens the live hub issued (its issuer, its keys)."""
    where = await regency(client, engine, slug, code)

    def headers(account: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.access_token(str(account), 'bench', 'openid lpse')[0]}"}

    ppk = await person(engine, "commitment_officer", slug)
    pokja = await person(engine, "selection_committee", slug)
    bidders = []
    for name in ("CV Andalas", "CV Bromo"):
        company = await verified_vendor(engine, slug, f"{name} {uuid.uuid4().hex[:4].upper()}", code)
        async with hub_sessions(engine)() as session:
            user = await session.scalar(select(Account.id).where(Account.email == company.email))
        assert user is not None
        bidders.append((company.vendor_id, headers(user), await registered_key(engine, user)))
    return ApiOffice(slug, where.schema, code, where.agency_id, headers(ppk), headers(pokja), bidders)


async def api_tender(http: httpx.AsyncClient, engine: AsyncEngine, o: ApiOffice, evaluation: str) -> int:
    """Package to contract over the API, the browser flow's steps: the requests made."""
    made = 0

    async def call(path: str, headers: dict[str, str], expect: int = 201, **kwargs: Any) -> Any:
        nonlocal made
        made += 1
        answer = await http.post(path, headers=headers, **kwargs)
        assert answer.status_code == expect, f"POST {path} -> {answer.status_code}: {answer.text[:400]}"
        return answer.json()

    base = f"/t/{o.slug}/api"
    created = await call(f"{base}/packages", o.ppk, json=package_body(o.agency_id))
    body: dict[str, Any] = {
        "package_id": created["id"],
        "evaluation": evaluation,
        "schedule": schedule_with_clarification(),
    }
    if evaluation != "lowest_price":
        body["criteria"] = CRITERIA
    tender = (await call(f"{base}/tenders", o.pokja, json=body))["id"]
    url = f"{base}/tenders/{tender}"
    upload = {"file": ("dokumen-pemilihan.pdf", b"%PDF-1.7 dokumen", "application/pdf")}
    await call(f"{url}/documents", o.pokja, files=upload)
    key = decode_public_key((await call(f"{url}/announcement", o.pokja))["tender_key"])
    for _, headers, _ in o.bidders:
        await call(f"{url}/registrations", headers)
    await advance(engine, o.schema, tender, "clarification")
    asked = await call(
        f"{url}/clarifications", o.bidders[0][1], json={"question": "Apakah surety bond boleh?"}
    )
    await call(
        f"{url}/clarifications/{asked['id']}/answer", o.pokja, json={"answer": "Boleh, dari penjamin OJK."}
    )
    await advance(engine, o.schema, tender, "bid_submission")
    (winner, _, _), (loser, loser_headers, _) = o.bidders
    for (vendor, headers, signing), price in zip(o.bidders, (850_000_000, 800_000_000), strict=True):
        files = [BidFile("penawaran.pdf", "application/pdf", b"%PDF-1.7 " + os.urandom(20_000))]
        bundle = seal_bid(
            key,
            tenant_code=o.code,
            tender_id=tender,
            vendor_id=vendor,
            price=price,
            files=files,
            signing_key=signing,
        )
        await call(f"{url}/bids", {**headers, "Content-Type": SEALED}, content=bundle)
    await advance(engine, o.schema, tender, "bid_opening")
    await call(f"{url}/opening", o.pokja)
    entries: list[dict[str, Any]] = [
        {"vendor_id": loser, "aspect": "administrative", "passed": False, "reason": FAILED_REASON}
    ]
    for aspect in ("administrative", "qualification", "technical", "price"):
        entry: dict[str, Any] = {"vendor_id": winner, "aspect": aspect, "passed": True}
        if aspect == "technical" and evaluation != "lowest_price":
            entry["scores"] = {"Metode pelaksanaan": 80, "Pengalaman": 75}
        entries.append(entry)
    for entry in entries:  # one verdict a post, as the page records them
        await call(f"{url}/assessments", o.pokja, json={"assessments": [entry]})
    await call(f"{url}/qualification-verifications", o.pokja, json={"vendor_id": winner, "passed": True})
    price = (await call(f"{url}/award", o.pokja, json={"vendor_id": winner}))["price"]
    await call(f"{url}/award-announcement", o.pokja)
    objection = await call(f"{url}/objections", loser_headers, data={"grounds": GROUNDS})
    await call(
        f"{url}/objections/{objection['id']}/answer", o.pokja, json={"answer": ANSWER, "upheld": False}
    )
    await end_objection_period(engine, o.schema, tender)
    await call(f"{url}/award-letter", o.ppk, json={"number": f"SPPBJ/{o.code}/{tender}"})
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()
    signed = await call(
        f"{url}/contract",
        o.ppk,
        json={
            "number": f"HK.02.03/{o.code}/{tender}/2026",
            "value": price,
            "signed_on": today.isoformat(),
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=180)).isoformat(),
        },
    )
    assert signed["status"] == "contracted", signed
    return made


# The run


async def bench(url: str, live: LiveHub, tenders: int, data_dir: Path) -> list[Measured]:
    master = MasterKey.parse(live.master_key)
    engine = create_engine(Settings(database_url=url))
    settings = Settings(
        database_url=url,
        data_dir=data_dir,
        master_key=live.master_key,
        probe_interval_seconds=0,
        publication_sweep_seconds=0,
    )
    tokens = TokenService(engine, master, live.url, 6 * 3600)
    await tokens.refresh()
    cpu = HubCpu()
    results: list[Measured] = []
    try:
        async with AsyncTestClient(app=create_app(settings)) as client:  # the scene's set-up only
            browser_side = await cast(client, engine, "kab-pasuruan", "3514", ("kab-malang", "3507"))
            api_side = await api_office(client, engine, tokens, "kab-sidoarjo", "3515")
        async with async_playwright() as playwright:
            browser: Browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
            for i in range(tenders):
                evaluation = METHODS[i % 2]

                async def clicked(i: int = i, evaluation: str = evaluation) -> int:
                    with tempfile.TemporaryDirectory() as keys:
                        done = await whole_tender(
                            browser,
                            live,
                            engine,
                            browser_side,
                            title=f"Pembangunan Jembatan Desa {i + 1}",
                            evaluation=evaluation,
                            tmp_path=Path(keys),
                        )
                    return done.tally.responses

                results.append(await measured("browser", evaluation, cpu, clicked))
            await browser.close()
        async with httpx.AsyncClient(base_url=live.url, timeout=60) as http:
            for i in range(tenders):
                evaluation = METHODS[i % 2]

                async def called(evaluation: str = evaluation) -> int:
                    return await api_tender(http, engine, api_side, evaluation)

                results.append(await measured("http", evaluation, cpu, called))
    finally:
        await engine.dispose()
    return results


def report(args: argparse.Namespace, results: list[Measured], chromium: str) -> dict[str, Any]:
    def median(flow: str, field: str) -> float:
        return float(statistics.median(getattr(r, field) for r in results if r.flow == flow))

    summary = {f: {k: median(f, k) for k in ("seconds", "hub_cpu", "requests")} for f in ("browser", "http")}
    ratio = {k: summary["browser"][k] / summary["http"][k] for k in ("seconds", "hub_cpu", "requests")}
    return {
        "command": command("tests.bench.bench_browser_tender"),
        "machine": machine(),
        "browser": chromium,
        "tenders": args.tenders,
        "runs": [asdict(r) for r in results],
        "median": summary,
        "ratio": ratio,
    }


def markdown(figures: Mapping[str, Any]) -> str:
    lines = [
        f"`{figures['command']}` on {figures['machine']}; {figures['browser']}, headless; one hub process "
        "(uvicorn, one worker).",
        "",
        "| tender | flow | evaluation | wall time (s) | hub CPU (s) | hub requests |",
        "|---|---|---|---:|---:|---:|",
    ]
    for n, r in enumerate(figures["runs"], start=1):
        lines.append(
            f"| {n} | {r['flow']} | {r['evaluation']} | {r['seconds']:.1f} | {r['hub_cpu']:.2f} "
            f"| {r['requests']} |"
        )
    m, ratio = figures["median"], figures["ratio"]
    for flow in ("browser", "http"):
        lines.append(
            f"| median | {flow} | both | {m[flow]['seconds']:.1f} | {m[flow]['hub_cpu']:.2f} | "
            f"{m[flow]['requests']:.0f} |"
        )
    lines.append(
        f"| ratio | browser / HTTP | | {ratio['seconds']:.1f}x | {ratio['hub_cpu']:.1f}x "
        f"| {ratio['requests']:.1f}x |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument(
        "--tenders", type=int, default=3, help="tenders through each flow (methods alternate)"
    )
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:  # two tenders a flow, one of each method
        args.tenders = 2
    chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    name = "lpse_hub_bench_browser_tender"
    role = serving_role_of(name)  # the tests' helpers grant each tenant's schema to it
    asyncio.run(admin(args.server, f'DROP ROLE IF EXISTS "{role}"'))
    asyncio.run(admin(args.server, f'CREATE ROLE "{role}"'))
    try:
        with fresh_database(args.server, name) as url:
            asyncio.run(_migrated(url, role))
            with (
                tempfile.TemporaryDirectory() as data,
                live_hub(url, Path(data), MASTER_KEY=MasterKey.generate()) as live,
            ):
                results = asyncio.run(bench(url, live, args.tenders, Path(data)))
    finally:
        asyncio.run(admin(args.server, f'DROP ROLE IF EXISTS "{role}"'))
    figures = report(args, results, chromium)
    print_figures(figures, args, markdown)


async def _migrated(url: str, role: str) -> None:
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
        async with engine.begin() as connection:
            await grant_serving_role(connection, role, [])
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main()
