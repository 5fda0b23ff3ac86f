"""Figures for identity: validating an access token, refresh grants per second, argon2id cost.

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_identity --server postgresql://postgres@127.0.0.1:5432/postgres

Prints a Markdown report for docs/BENCHMARKS.md. Each figure is set beside a baseline measured in
the same run.
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
from datetime import timedelta
from pathlib import Path

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
from tests.bench.bench_tenants import fresh_database, machine
from tests.live_server import live_hub


def per_call_us(fn: object, n: int) -> float:
    call = fn  # type: ignore[assignment]
    started = time.perf_counter()
    for _ in range(n):
        call()  # type: ignore[operator]
    return (time.perf_counter() - started) / n * 1e6


async def token_validation(url: str, master: MasterKey, n: int) -> dict[str, float]:
    engine = create_engine(Settings(database_url=url))
    try:
        tokens = TokenService(engine, master, "https://lpse.jatimprov.go.id", 600)
        await tokens.refresh()
        minted = [tokens.access_token(str(i), "bench", "openid lpse")[0] for i in range(n)]
        started = time.perf_counter()
        for token in minted:  # first sight of each token: signature and claims checked
            await tokens.verify(token)
        cold = (time.perf_counter() - started) / n * 1e6
        started = time.perf_counter()
        for token in minted:  # the same tokens again, as on every later request of a session
            await tokens.verify(token)
        warm = (time.perf_counter() - started) / n * 1e6
    finally:
        await engine.dispose()
    key = ec.generate_private_key(ec.SECP256R1())
    message = os.urandom(400)
    signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    public = key.public_key()
    raw = per_call_us(lambda: public.verify(signature, message, ec.ECDSA(hashes.SHA256())), n)
    return {"cold": cold, "warm": warm, "raw": raw}


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
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        hashed = hasher.hash("kata-sandi-yang-panjang")
        samples.append(time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(n):
        hasher.verify(hashed, "kata-sandi-yang-panjang")
    return statistics.median(samples) * 1000, (time.perf_counter() - started) / n * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with fresh_database(args.server, "lpse_hub_bench_identity") as url:
        client_id, families = asyncio.run(seed_refresh_families(url, args.clients))
        master_key = MasterKey.generate()
        validation = asyncio.run(token_validation(url, MasterKey.parse(master_key), args.tokens))
        with live_hub(url, Path(tempfile.mkdtemp()), MASTER_KEY=master_key) as hub:
            served = asyncio.run(refresh_figures(hub.url, client_id, families, args.seconds))
    hash_ms, verify_ms = argon2_ms(HASHER, 10)
    rfc_ms, _ = argon2_ms(PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, type=Type.ID), 5)
    params = HASHER
    print(f"Machine: {machine()}\n")
    print("| figure | value | baseline in the same run |\n|---|---|---|")
    print(
        f"| validate an access token, first sight (ES256 signature + claims) | {validation['cold']:.0f} us "
        f"| raw ES256 verify with `cryptography`: {validation['raw']:.0f} us |"
    )
    print(
        f"| validate an access token seen before (verified-token cache) | {validation['warm']:.1f} us "
        f"| {validation['cold'] / validation['warm']:.0f}x faster than first sight |"
    )
    print(
        f"| refresh grants per second, {args.clients} concurrent clients, 1 worker "
        f"| {served['refresh']:.0f}/s "
        f"| `GET /health/live`: {served['live']:.0f}/s ({served['refresh'] / served['live']:.2f}x) |"
    )
    print(
        f"| argon2id hash (t={params.time_cost}, m={params.memory_cost // 1024} MiB, p={params.parallelism}) "
        f"| {hash_ms:.0f} ms (verify {verify_ms:.0f} ms) "
        f"| RFC 9106 option 2 (t=3, 64 MiB, p=4): {rfc_ms:.0f} ms |"
    )


if __name__ == "__main__":
    main()
