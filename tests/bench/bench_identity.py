"""Figures for identity: validating an access token, refresh grants per second, argon2id cost.

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_identity --server postgresql://postgres@127.0.0.1:5432/postgres

Prints a Markdown report for docs/BENCHMARKS.md (``--json``: issue 20's figures as one object;
``--quick``: a smaller run of about a minute). Each figure is set beside a baseline measured in the
same run. The first-sight check and the raw ES256 verify alternate in blocks of tokens, each block
timed in CPU time of the thread (the machine is shared: wall time would count other processes);
the ratio is the median of the blocks' ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher, Type
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from federation.identity.accounts import create_account
from federation.identity.passwords import HASHER
from federation.oidc.clients import create_client
from federation.oidc.models import RefreshToken, digest
from federation.oidc.tokens import TokenService
from hub.core.clock import utcnow
from hub.core.database import create_engine, hub_sessions
from hub.core.master_key import MasterKey
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from tests.bench.bench_tenants import fresh_database
from tests.bench.figures import add_run_options, command, machine, print_figures
from tests.live_server import live_hub

ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def per_call_us(call: Callable[[], object], n: int) -> float:
    started = time.thread_time()
    for _ in range(n):
        call()
    return (time.thread_time() - started) / n * 1e6


async def token_validation(url: str, master: MasterKey, per_block: int, blocks: int) -> dict[str, float]:
    """First sight of fresh tokens and the raw verify, alternating in ``blocks`` blocks of ``per_block``."""
    engine = create_engine(Settings(database_url=url))
    key = ec.generate_private_key(ec.SECP256R1())
    message = os.urandom(400)
    signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    public = key.public_key()
    cold: list[float] = []
    raw: list[float] = []
    try:
        tokens = TokenService(engine, master, "https://lpse.jatimprov.go.id", 600)
        await tokens.refresh()
        minted = [tokens.access_token(str(i), "bench", "openid lpse")[0] for i in range(per_block * blocks)]
        for block in range(blocks):
            started = time.thread_time()
            for token in minted[block * per_block : (block + 1) * per_block]:  # signature and claims
                await tokens.verify(token)
            cold.append((time.thread_time() - started) / per_block * 1e6)
            raw.append(
                per_call_us(lambda: public.verify(signature, message, ec.ECDSA(hashes.SHA256())), per_block)
            )
        seen = minted[-min(len(minted), 10_000) :]
        started = time.thread_time()
        for token in seen:  # the same tokens again, as on every later request of a session
            await tokens.verify(token)
        warm = (time.thread_time() - started) / len(seen) * 1e6
    finally:
        await engine.dispose()
    return {
        "cold": statistics.median(cold),
        "raw": statistics.median(raw),
        "ratio": statistics.median(c / r for c, r in zip(cold, raw, strict=True)),
        "warm": warm,
    }


async def seed_refresh_families(url: str, families: int) -> tuple[str, list[str]]:
    engine = create_engine(Settings(database_url=url))
    try:
        await migrate_hub(engine)
        async with hub_sessions(engine)() as session, session.begin():
            account = await create_account(
                session, f"bench.{uuid.uuid4().hex[:6]}@example.go.id", "Bench", None
            )
            client, _ = await create_client(
                session,
                "bench",
                ["http://127.0.0.1:9/cb"],
                confidential=False,
                scopes=["openid", "offline_access"],
            )
            raw = [secrets.token_urlsafe(48) for _ in range(families)]
            for token in raw:  # the state right after a login: one refresh token per family
                session.add(
                    RefreshToken(
                        token_hash=digest(token),
                        family_id=str(uuid.uuid4()),
                        client_id=client.client_id,
                        account_id=account.id,
                        scope="openid offline_access",  # a refresh token needs offline_access
                        expires_at=utcnow() + timedelta(days=1),
                    )
                )
            client_id = client.client_id
    finally:
        await engine.dispose()
    return client_id, raw


async def throughput(base: str, seconds: float, workers: int, request: object) -> float:
    done = 0
    deadline = time.monotonic() + seconds

    async def worker(i: int, http: httpx.AsyncClient) -> None:
        nonlocal done
        while time.monotonic() < deadline:
            await request(i, http)  # type: ignore[operator]
            done += 1

    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await asyncio.gather(*(worker(i, http) for i in range(workers)))
    return done / seconds


async def refresh_figures(base: str, client_id: str, families: list[str], seconds: float) -> dict[str, float]:
    current = list(families)

    async def refresh(i: int, http: httpx.AsyncClient) -> None:
        answer = await http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": current[i], "client_id": client_id},
        )
        assert answer.status_code == 200, answer.text
        current[i] = answer.json()["refresh_token"]

    async def live(_i: int, http: httpx.AsyncClient) -> None:
        assert (await http.get("/health/live")).status_code == 200

    workers = len(families)
    return {
        "refresh": await throughput(base, seconds, workers, refresh),
        "live": await throughput(base, seconds, workers, live),
    }


def argon2_ms(hasher: PasswordHasher, n: int) -> tuple[float, float]:
    """Median hash and mean verify in ms over ``n`` (NaN for ``n == 0``)."""
    if n == 0:
        return float("nan"), float("nan")
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        hashed = hasher.hash("kata-sandi-yang-panjang")
        samples.append(time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(n):
        hasher.verify(hashed, "kata-sandi-yang-panjang")
    return statistics.median(samples) * 1000, (time.perf_counter() - started) / n * 1000


def markdown(figures: Mapping[str, Any]) -> str:
    return "\n".join(
        [
            f"Machine: {figures['machine']}  \nCommand: `{figures['command']}`\n",
            "| figure | value | baseline in the same run |\n|---|---|---|",
            f"| validate an access token, first sight (ES256 signature + claims) "
            f"| {figures['token_first_sight_us']:.0f} us "
            f"| raw ES256 verify with `cryptography`: {figures['token_raw_es256_verify_us']:.0f} us "
            f"(ratio {figures['token_ratio_to_raw_verify']:.2f}) |",
            "| validate an access token seen before (verified-token cache) "
            f"| {figures['token_warm_us']:.1f} us "
            f"| {figures['token_first_sight_us'] / figures['token_warm_us']:.0f}x faster than first sight |",
            f"| refresh grants per second, {figures['clients']} concurrent clients, 1 worker "
            f"| {figures['refresh_per_s']:.0f}/s | `GET /health/live`: {figures['live_per_s']:.0f}/s "
            f"({figures['refresh_per_s'] / figures['live_per_s']:.2f}x) |",
            f"| argon2id hash ({figures['argon2_params']}) | {figures['argon2_hash_ms']:.0f} ms "
            f"(verify {figures['argon2_verify_ms']:.0f} ms) "
            f"| RFC 9106 option 2 (t=3, 64 MiB, p=4): {figures['argon2_rfc9106_ms']:.0f} ms |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--tokens", type=int, default=4000, help="fresh tokens checked (first sight)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--tokens-only",
        action="store_true",
        help="only the token figures: no hub, no refresh grants, no argon2",
    )
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:
        args.tokens, args.seconds = min(args.tokens, 2000), min(args.seconds, 3.0)
    blocks = 20
    with fresh_database(args.server, "lpse_hub_bench_identity") as url:
        client_id, families = asyncio.run(seed_refresh_families(url, args.clients))
        master_key = MasterKey.generate()
        validation = asyncio.run(
            token_validation(url, MasterKey.parse(master_key), max(1, args.tokens // blocks), blocks)
        )
        served = {"refresh": float("nan"), "live": float("nan")}
        if not args.tokens_only:
            with live_hub(url, Path(tempfile.mkdtemp()), MASTER_KEY=master_key) as hub:
                served = asyncio.run(refresh_figures(hub.url, client_id, families, args.seconds))
    hashes = 0 if args.tokens_only else 4 if args.quick else 10
    hash_ms, verify_ms = argon2_ms(HASHER, hashes)
    rfc9106 = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, type=Type.ID)
    rfc_ms, _ = argon2_ms(rfc9106, hashes // 2)
    figures: dict[str, Any] = {
        "machine": machine(),
        "command": command("tests.bench.bench_identity"),
        "load": os.getloadavg()[0],
        "token_first_sight_us": validation["cold"],
        "token_raw_es256_verify_us": validation["raw"],
        "token_ratio_to_raw_verify": validation["ratio"],
        "token_warm_us": validation["warm"],
        "clients": args.clients,
        "refresh_per_s": served["refresh"],
        "live_per_s": served["live"],
        "argon2_params": f"t={HASHER.time_cost}, m={HASHER.memory_cost // 1024} MiB, p={HASHER.parallelism}",
        "argon2_hash_ms": hash_ms,
        "argon2_verify_ms": verify_ms,
        "argon2_rfc9106_ms": rfc_ms,
    }
    print_figures(figures, args, markdown)


if __name__ == "__main__":
    main()
