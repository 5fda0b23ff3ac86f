"""What the audit chain's lock, held through each commit, costs a deadline rush, and what batching
several bids into one transaction would give back: plain PostgreSQL, no hub.

The rush (``bench_bids``) stores each bid in a transaction that appends its audit entry under the
tenant's chain lock (``hub.audit_append``'s transaction-level advisory lock), held until the commit
has flushed. So one tenant's bids commit one at a time, each paying its own WAL flush, where plain
inserts of the same bytes share their flushes (group commit). This script measures that ceiling
with asyncpg alone, the same bundles' sizes and the rush's concurrency, one run side by side:

1. ``free``: each bundle inserted in a transaction of its own (``bench_bids``'s plain inserts).
2. ``unlocked``: the same transaction and round trips as ``chained`` below, a small row appended
   without the lock (the share of the round trips, apart from the lock's).
3. ``chained``: each bundle inserted, then the chain's lock taken and one chained row appended
   (its hash over the previous row's), then the commit: the bid path's order (``hub.bid_store``
   inserts the bid, then appends its entry).
4. ``batched``: the same chained rows, but the bundles that arrive while a transaction runs wait
   and go together into the next one (at most ``--batch``), their rows appended under one lock
   holding, one flush for them all. Two writers, as the hub's two workers.

Run: ``python -m tests.bench.bench_commit_lock`` (makes and drops ``lpse_hub_bench_commit_lock``);
``--quick`` for 500 bundles (2,000 otherwise), ``--json`` for the figures as one object.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import time
from collections.abc import Mapping
from typing import Any

import asyncpg

from tests.bench.bench_tenants import admin, dsn
from tests.bench.figures import add_run_options, command, machine, print_figures

BUNDLE_BYTES = 256 * 1024
"""A sealed bid's ciphertext in the rush; its bundle (base64 in JSON) is about 350 KB."""
TABLES = """
DROP TABLE IF EXISTS bench_bundles, bench_chain, bench_rows;
CREATE TABLE bench_bundles (id bigserial PRIMARY KEY, data bytea NOT NULL);
CREATE TABLE bench_chain (seq bigint PRIMARY KEY, bundle_id bigint NOT NULL, hash text NOT NULL);
CREATE TABLE bench_rows (id bigserial PRIMARY KEY, bundle_id bigint NOT NULL, hash text NOT NULL);
INSERT INTO bench_chain VALUES (0, 0, repeat('0', 64));
"""
INSERT = "INSERT INTO bench_bundles (data) VALUES ($1) RETURNING id"
CHAIN = """
WITH head AS (SELECT seq, hash FROM bench_chain ORDER BY seq DESC LIMIT 1)
INSERT INTO bench_chain (seq, bundle_id, hash)
SELECT head.seq + n, b.id, encode(sha256(convert_to(head.hash || b.id, 'UTF8')), 'hex')
FROM head, unnest($1::bigint[]) WITH ORDINALITY AS b(id, n)
"""
"""One or several rows appended to the chain in one statement (as ``tenants.audit.append_audits``)."""
LOCK = "SELECT pg_advisory_xact_lock(42)"
UNCHAINED = "INSERT INTO bench_rows (bundle_id, hash) VALUES ($1, repeat('0', 64))"
NOTHING = "SELECT 1"
"""In place of the lock's statement, so ``unlocked`` makes as many round trips as ``chained``."""


def bundles(count: int) -> list[bytes]:
    return [base64.b64encode(os.urandom(BUNDLE_BYTES)) for _ in range(count)]


async def free(pool: asyncpg.Pool, todo: list[bytes], concurrency: int) -> None:
    async def client() -> None:
        while todo:
            await pool.fetchval(INSERT, todo.pop())

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def one_by_one(pool: asyncpg.Pool, todo: list[bytes], concurrency: int, *, locked: bool) -> None:
    """A transaction a bundle: the bundle inserted, then the chain's lock taken and a chained row
    appended (``locked``), or the same round trips without the lock, a row appended unchained."""

    async def client() -> None:
        while todo:
            data = todo.pop()
            async with pool.acquire() as connection, connection.transaction():
                bundle_id = await connection.fetchval(INSERT, data)
                await connection.execute(LOCK if locked else NOTHING)
                await (
                    connection.execute(CHAIN, [bundle_id])
                    if locked
                    else connection.execute(UNCHAINED, bundle_id)
                )

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def batched(pool: asyncpg.Pool, todo: list[bytes], concurrency: int, batch: int, writers: int) -> None:
    """``concurrency`` clients hand their bundle to a queue and wait for its commit; ``writers``
    writers each take what waits (up to ``batch``) into one transaction."""
    waiting: asyncio.Queue[tuple[bytes, asyncio.Future[None]]] = asyncio.Queue()

    async def client() -> None:
        while todo:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            await waiting.put((todo.pop(), done))
            await done

    async def writer() -> None:
        while True:
            taken = [await waiting.get()]
            while len(taken) < batch and not waiting.empty():
                taken.append(waiting.get_nowait())
            async with pool.acquire() as connection, connection.transaction():
                ids = [await connection.fetchval(INSERT, data) for data, _ in taken]
                await connection.execute(LOCK)
                await connection.execute(CHAIN, ids)
            for _, done in taken:
                done.set_result(None)

    workers = [asyncio.create_task(writer()) for _ in range(writers)]
    try:
        await asyncio.gather(*(client() for _ in range(concurrency)))
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


async def measure(url: str, count: int, concurrency: int, batch: int, rounds: int) -> dict[str, Any]:
    made = bundles(count)
    rates: dict[str, list[float]] = {"free": [], "unlocked": [], "chained": [], "batched": []}
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    try:
        for _ in range(rounds):
            for kind in rates:
                await pool.execute(TABLES)
                await pool.execute("CHECKPOINT")
                todo = list(made)
                started = time.perf_counter()
                if kind == "free":
                    await free(pool, todo, concurrency)
                elif kind in ("unlocked", "chained"):
                    await one_by_one(pool, todo, concurrency, locked=kind == "chained")
                else:
                    await batched(pool, todo, concurrency, batch, writers=2)
                rates[kind].append(count / (time.perf_counter() - started))
                rows = await pool.fetchval("SELECT count(*) FROM bench_chain")
                assert kind in ("free", "unlocked") or rows == count + 1, (kind, rows)
    finally:
        await pool.close()
    best = {kind: max(values) for kind, values in rates.items()}
    return {
        "bundles": count,
        "bundle_bytes": len(made[0]),
        "concurrency": concurrency,
        "batch": batch,
        "rounds": rounds,
        "rates": rates,
        "free_per_s": best["free"],
        "unlocked_per_s": best["unlocked"],
        "chained_per_s": best["chained"],
        "batched_per_s": best["batched"],
        "unlocked_ratio_to_free": best["unlocked"] / best["free"],
        "chained_ratio_to_free": best["chained"] / best["free"],
        "batched_ratio_to_free": best["batched"] / best["free"],
    }


def markdown(f: Mapping[str, Any]) -> str:
    rows = [
        ("free: a transaction a bundle", f["free_per_s"], 1.0),
        ("unlocked: the same transaction and round trips, no lock", f["unlocked_per_s"],
         f["unlocked_ratio_to_free"]),
        ("chained: a transaction a bundle, the chain's lock held to its commit", f["chained_per_s"],
         f["chained_ratio_to_free"]),
        (f"batched: up to {f['batch']} bundles a transaction, two writers", f["batched_per_s"],
         f["batched_ratio_to_free"]),
    ]  # fmt: skip
    lines = [
        f"Machine: {f['machine']}  \nCommand: `{f['command']}` (load {f['load']:.1f})\n",
        f"{f['bundles']} bundles of {f['bundle_bytes']:,} bytes, concurrency {f['concurrency']}, "
        f"best of {f['rounds']} rounds each (kinds alternating)\n",
        "| how | bundles/s | ÷ free |",
        "|---|---:|---:|",
        *(f"| {what} | {rate:.0f} | {ratio:.2f} |" for what, rate, ratio in rows),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--bundles", type=int, default=None, help="2000; 500 with --quick")
    parser.add_argument("--concurrency", type=int, default=48, help="as bench_bids")
    parser.add_argument("--batch", type=int, default=16, help="most bundles a batched transaction takes")
    parser.add_argument("--rounds", type=int, default=None, help="3; 2 with --quick")
    parser.add_argument(
        "--database", default="lpse_hub_bench_commit_lock", help="the database it makes and drops"
    )
    add_run_options(parser)
    args = parser.parse_args()
    count = args.bundles or (500 if args.quick else 2000)
    rounds = args.rounds or (2 if args.quick else 3)
    asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
    asyncio.run(admin(args.server, f'CREATE DATABASE "{args.database}"'))
    try:
        figures = asyncio.run(
            measure(dsn(args.server, args.database), count, args.concurrency, args.batch, rounds)
        )
    finally:
        asyncio.run(admin(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
    figures |= {
        "machine": machine(),
        "command": command("tests.bench.bench_commit_lock"),
        "load": os.getloadavg()[0],
    }
    print_figures(figures, args, markdown)


if __name__ == "__main__":
    main()
