"""Opening thousands of sealed bids with the committee's shares against today's path (issue 16).

Usage (a PostgreSQL server you can create databases on; the script makes and drops its own):

    python -m tests.bench.bench_opening --vendors 2000 --rounds 2

One tenant (Kabupaten Malang, 3507), ``--vendors`` verified vendors each with a registered signing
key, and per round two tenders taking bids: one announced while the LPSE's rules say the hub holds
the keys, one announced after ``set_key_custody(committee)`` (3 selection-committee members with
member keys, the recovery key, threshold 2). Every vendor's bid is sealed (in a process pool, before
any clock) and submitted to both through ``submit_bid`` in-process. Both tenders are then moved past
the close, and timed:

- hub: ``open_bids``, in its own transaction;
- committee: ``opening_key``, then two members each unseal their share and seal it to the opening's
  key (``reseal_for_opening``, on their machines) and give it back (``give_share``; the second opens
  every bid), each step in its own transaction as the API does it. Its total, and the share steps
  alone: ``opening_key``, both reseals and the first ``give_share`` (everything but the second
  ``give_share``, which checks the share, rebuilds the key and opens the bids).

Rounds alternate which path opens first. Prints a Markdown report for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing
import os
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.models import Account, Membership, Role
from hub.core.database import create_engine, hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.migrations import migrate_hub
from hub.core.settings import Settings
from tenants.agencies import add_agency
from tenants.registry import TenantRef, TenantSpec, create_tenant, resolve_tenant
from tenants.sealing import BidFile, seal_bid
from tenants.sealing.key_shares import new_x25519_key, raw_public, reseal_for_opening
from tenants.tenders import (
    Actor,
    PackageInput,
    announce_tender,
    create_package,
    create_tender,
    open_bids,
    submit_bid,
)
from tenants.tenders.bidding.given_shares import give_share, opening_key
from tenants.tenders.custody import register_member_key
from tenants.tenders.custody.rules import set_key_custody, set_recovery_key
from tenants.tenders.models import Registration
from tests.bench.bench_tenants import fresh_database
from tests.bench.bench_vendors import verified_vendors
from tests.bench.figures import add_run_options, command, machine, print_figures

CODE = "3507"  # Kabupaten Malang (wilayah: 35.07)
SCHEMA = f"t_{CODE}"


@dataclass(frozen=True)
class World:
    tenant: TenantRef
    pokja: Actor
    members: list[Actor]
    member_keys: list[X25519PrivateKey]
    """Each member's key, on the member's own machine."""
    admin: Actor
    agency_id: int
    ppk: Actor
    vendors: list[tuple[int, int]]
    """(vendor id, its user's account id)."""
    signing_keys: list[bytes]
    """Each vendor user's Ed25519 private key (raw), registered with the hub."""


async def setup(engine: AsyncEngine, vendors: int) -> World:
    """The tenant, its people (a tenant admin, a PPK, three Pokja members with member keys), the
    recovery key, and ``vendors`` verified vendors whose users registered a signing key."""
    await migrate_hub(engine)
    async with hub_sessions(engine)() as session, session.begin():
        await create_tenant(session, TenantSpec(slug="kab-malang", code=CODE))
        tenant = await resolve_tenant(session, slug="kab-malang")
        people = {
            email: Account(email=email, name=email.split("@")[0].title(), status="active")
            for email in (
                "admin@bench.go.id",
                "ppk@bench.go.id",
                "pokja1@bench.go.id",
                "pokja2@bench.go.id",
                "pokja3@bench.go.id",
            )
        }
        session.add_all(people.values())
        await session.flush()
        roles = {
            "admin@bench.go.id": Role.TENANT_ADMIN,
            "ppk@bench.go.id": Role.COMMITMENT_OFFICER,
            "pokja1@bench.go.id": Role.SELECTION_COMMITTEE,
            "pokja2@bench.go.id": Role.SELECTION_COMMITTEE,
            "pokja3@bench.go.id": Role.SELECTION_COMMITTEE,
        }
        session.add_all(
            [Membership(account_id=people[e].id, tenant_id=tenant.id, role=r.value) for e, r in roles.items()]
        )
        made = await verified_vendors(session, vendors, [CODE])
        signing = [v.signing_key for v in made]
        pairs = [(v.vendor_id, v.user_id) for v in made]
        ids = {e: a.id for e, a in people.items()}
    members = [Actor(ids[f"pokja{i}@bench.go.id"], tenant) for i in (1, 2, 3)]
    member_keys = [new_x25519_key() for _ in members]
    admin = Actor(ids["admin@bench.go.id"], tenant)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        for member, member_key in zip(members, member_keys, strict=True):
            await register_member_key(session, member, "x25519:" + _b64(raw_public(member_key)))
        await set_recovery_key(session, admin, raw_public(new_x25519_key()))
        agency = await add_agency(session, "Dinas PUPR")
    return World(
        tenant,
        members[0],
        members,
        member_keys,
        admin,
        agency.id,
        Actor(ids["ppk@bench.go.id"], tenant),
        pairs,
        [key.private_bytes_raw() for key in signing],
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def announce(engine: AsyncEngine, w: World, custody: str, name: str, master: MasterKey) -> int:
    """A tender taking bids, announced while the rules say ``custody`` (threshold 2 for committee)."""
    now = datetime.now(UTC)
    day = timedelta(days=1)
    schedule = {
        "announcement": (now - day, now + day),
        "document_download": (now - day, now + day),
        "bid_submission": (now - timedelta(minutes=1), now + timedelta(hours=2)),
        "bid_opening": (now + timedelta(hours=2), now + day),
    }
    async with tenant_session(engine, w.tenant.schema) as session, session.begin():
        await set_key_custody(session, w.admin, custody, 2 if custody == "committee" else None)
        package = await create_package(
            session,
            w.ppk,
            PackageInput(w.agency_id, name, 2026, "construction", "tender", 10**10, 9 * 10**9),
        )
        tender = await create_tender(session, w.pokja, package.id, "lowest_price", schedule)
        await announce_tender(session, w.pokja, tender.id, master)
        assert tender.key_custody == custody
        session.add_all(
            [Registration(tender_id=tender.id, vendor_id=v, registered_by=u) for v, u in w.vendors]
        )
        return tender.id


def _seal_one(job: tuple[bytes, int, int, bytes, int]) -> bytes:
    public_key, tender_id, vendor_id, signing_raw, size = job
    return seal_bid(
        public_key,
        tenant_code=CODE,
        tender_id=tender_id,
        vendor_id=vendor_id,
        price=9 * 10**9 - vendor_id,
        files=[BidFile("penawaran.pdf", "application/pdf", os.urandom(size))],
        signing_key=Ed25519PrivateKey.from_private_bytes(signing_raw),
    )


def seal_all(pool: Any, public_key: bytes, tender_id: int, w: World, size: int) -> list[bytes]:
    """Every vendor's bid, sealed and signed on its machine (a process pool stands for the machines)."""
    jobs = [(public_key, tender_id, v, k, size) for (v, _), k in zip(w.vendors, w.signing_keys, strict=True)]
    return list(pool.map(_seal_one, jobs, chunksize=64))


async def submit_all(
    engine: AsyncEngine, w: World, tender_id: int, bundles: list[bytes], master: MasterKey
) -> None:
    for (_, user), bundle in zip(w.vendors, bundles, strict=True):
        async with tenant_session(engine, w.tenant.schema) as session, session.begin():
            await submit_bid(session, Actor(user, w.tenant), tender_id, bundle, master)


async def close(engine: AsyncEngine, tender_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                f"UPDATE {SCHEMA}.tender_stages SET starts_at = now() - interval '2 hours', "
                "ends_at = now() - interval '1 hour' WHERE tender_id = :t AND stage = 'bid_submission'"
            ),
            {"t": tender_id},
        )
        await connection.execute(
            text(
                f"UPDATE {SCHEMA}.tender_stages SET starts_at = now() - interval '1 hour' "
                "WHERE tender_id = :t AND stage = 'bid_opening'"
            ),
            {"t": tender_id},
        )


@dataclass
class Timed:
    seconds: float
    opened_ok: int
    opened: int
    share_steps: float = 0.0
    used: list[int] | None = None


def _ok(opening: dict[str, Any]) -> tuple[int, int]:
    bids = opening["bids"]
    return sum(b["status"] == "ok" for b in bids), len(bids)


async def open_hub(engine: AsyncEngine, w: World, tender_id: int, master: MasterKey) -> Timed:
    started = time.perf_counter()
    async with tenant_session(engine, w.tenant.schema) as session, session.begin():
        opening = await open_bids(session, w.pokja, tender_id, master)
    return Timed(time.perf_counter() - started, *_ok(opening))


async def open_committee(engine: AsyncEngine, w: World, tender_id: int, master: MasterKey) -> Timed:
    """``opening_key``, then members 0 and 1 reseal and give their shares; the second opens. The share
    steps (all but the second ``give_share``) are also summed apart."""
    started = time.perf_counter()
    async with tenant_session(engine, w.tenant.schema) as session, session.begin():
        key = await opening_key(session, w.pokja, tender_id, master)
    sealed = {s.slot: s.sealed_share for s in key.shares}
    steps = time.perf_counter() - started
    opening: dict[str, Any] | None = None
    for slot in (0, 1):
        step = time.perf_counter()
        resealed = reseal_for_opening(
            sealed[slot],
            w.member_keys[slot],
            key.public_key,
            tenant_code=CODE,
            tender_id=tender_id,
            slot=slot,
        )
        if slot == 1:
            steps += time.perf_counter() - step
        async with tenant_session(engine, w.tenant.schema) as session, session.begin():
            outcome = await give_share(session, w.members[slot], tender_id, slot, resealed, master)
        if outcome.refused is not None:
            raise RuntimeError(f"share {slot} refused: {outcome.refused}")
        if slot == 0:
            assert outcome.opening is None
            steps += time.perf_counter() - step
        else:
            opening = outcome.opening
    total = time.perf_counter() - started
    assert opening is not None
    custody = opening.get("key_custody") or {}
    return Timed(total, *_ok(opening), share_steps=steps, used=custody.get("used"))


async def run(url: str, master: MasterKey, args: argparse.Namespace) -> tuple[list[dict[str, Any]], int]:
    engine = create_engine(Settings(database_url=url))
    spawn = multiprocessing.get_context("spawn")
    results: list[dict[str, Any]] = []
    try:
        w = await setup(engine, args.vendors)
        with spawn.Pool(os.cpu_count() or 2) as pool:
            for round_ in range(args.rounds):
                tenders = {}
                for custody in ("hub", "committee"):
                    tenders[custody] = await announce(
                        engine, w, custody, f"Jembatan {custody} {round_}", master
                    )
                bundle_bytes = 0
                for tid in tenders.values():
                    public = await _public_key(engine, tid)
                    bundles = seal_all(pool, public, tid, w, args.bid_kib * 1024)
                    bundle_bytes = len(bundles[0])
                    await submit_all(engine, w, tid, bundles, master)
                    await close(engine, tid)
                order = ("hub", "committee") if round_ % 2 == 0 else ("committee", "hub")
                timed: dict[str, Timed] = {}
                for custody in order:
                    opener = open_hub if custody == "hub" else open_committee
                    timed[custody] = await opener(engine, w, tenders[custody], master)
                for custody, t in timed.items():
                    if t.opened_ok != args.vendors or t.opened != args.vendors:
                        raise RuntimeError(f"round {round_} {custody}: {t.opened_ok}/{t.opened} opened ok")
                results.append({"round": round_, "order": order, **timed})
    finally:
        await engine.dispose()
    return results, bundle_bytes


async def _public_key(engine: AsyncEngine, tender_id: int) -> bytes:
    async with engine.connect() as connection:
        value = await connection.scalar(
            text(f"SELECT public_key FROM {SCHEMA}.tenders WHERE id = :t"), {"t": tender_id}
        )
    return bytes(value)


def figures_of(results: list[dict[str, Any]], bundle_bytes: int, args: argparse.Namespace) -> dict[str, Any]:
    rounds = [
        {
            "round": r["round"] + 1,
            "first": r["order"][0],
            "hub_s": r["hub"].seconds,
            "committee_s": r["committee"].seconds,
            "committee_share_steps_s": r["committee"].share_steps,
            "hub_opened_ok": r["hub"].opened_ok,
            "committee_opened_ok": r["committee"].opened_ok,
            "shares_used": r["committee"].used,
            "committee_ratio_to_hub": r["committee"].seconds / r["hub"].seconds,
        }
        for r in results
    ]
    return {
        "command": command("tests.bench.bench_opening"),
        "machine": machine(),
        "vendors": args.vendors,
        "bid_kib": args.bid_kib,
        "sealed_kib": bundle_bytes / 1024,
        "rounds": rounds,
        "committee_ratio_to_hub": statistics.median(r["committee_ratio_to_hub"] for r in rounds),
    }


def markdown(figures: Mapping[str, Any]) -> str:
    vendors = figures["vendors"]
    lines = [
        f"`{figures['command']}`; machine: {figures['machine']}",
        "",
        f"{vendors} vendors, one bid each to both tenders ({figures['bid_kib']} KiB of documents, "
        f"{figures['sealed_kib']:.1f} KiB sealed), {len(figures['rounds'])} round(s)",
        "",
        "| round (first to open) | hub: `open_bids` | committee: key + 2 shares, total "
        "| of which the share steps | bids opened ok (hub / committee) | ratio committee / hub |",
        "|---|---|---|---|---|---|",
    ]
    for r in figures["rounds"]:
        lines.append(
            f"| {r['round']} ({r['first']}) | {r['hub_s']:.2f} s | {r['committee_s']:.2f} s "
            f"| {r['committee_share_steps_s'] * 1000:.0f} ms "
            f"| {r['hub_opened_ok']}/{vendors} / {r['committee_opened_ok']}/{vendors} "
            f"(shares used {r['shares_used']}) | {r['committee_ratio_to_hub']:.2f} |"
        )
    if len(figures["rounds"]) > 1:
        lines.append(
            f"\nMedian ratio committee / hub over {len(figures['rounds'])} rounds: "
            f"{figures['committee_ratio_to_hub']:.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--vendors", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--bid-kib", type=int, default=16, help="documents per bid, KiB (default 16)")
    add_run_options(parser)
    args = parser.parse_args()
    if args.quick:  # a tenth of the bids, the same size each
        args.vendors //= 10
    master = MasterKey.parse(MasterKey.generate())
    with fresh_database(args.server, "lpse_hub_bench_opening") as url:
        results, bundle_bytes = asyncio.run(run(url, master, args))
    print_figures(figures_of(results, bundle_bytes, args), args, markdown)


if __name__ == "__main__":
    main()
