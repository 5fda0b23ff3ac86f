"""Committee-held keys in the demo (issue 16): Kabupaten Malang's tenders are held by its Pokja.

Before its first tender is announced, the demo plays each selection-committee member's machine: it
makes the member's X25519 key, writes it to ``<key_dir>/<email>.member-key.pem`` encrypted under
``DEMO_KEY_PASSPHRASE`` (what ``lpse-hub member key create`` keeps) and registers its public half;
the head of procurement makes the LPSE's recovery key and keeps its 33 words (``recovery-key.txt``,
on paper in real life). Kabupaten Malang's rules then say: committee custody, 2 shares of the
Pokja's 3 open a tender. Every Pokja tender announced after that is held in shares, and the demo
opens it as two members would: each reads its key file with the passphrase, unseals its share,
seals it to the opening's one-time key and gives it back (``give_share``); the second opens the bids.

Demo keys only: the passphrase is printed and written here; a real member's is its own.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.identity.accounts import get_account
from federation.identity.actor import Actor
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from tenants.registry import TenantRef
from tenants.sealing.key_shares import (
    load_member_key_pem,
    member_key_pem,
    new_x25519_key,
    raw_public,
    recovery_key_words,
    reseal_for_opening,
)
from tenants.tenders.bidding.given_shares import give_share, opening_key
from tenants.tenders.custody import register_member_key
from tenants.tenders.custody.rules import set_key_custody, set_recovery_key

DEMO_KEY_PASSPHRASE = "demo-pokja-malang-2026"
DEMO_COMMITTEE = (
    "pokja.malang@lpse-hub.demo",
    "pokja2.malang@lpse-hub.demo",
    "pokja3.malang@lpse-hub.demo",
)
"""Kabupaten Malang's selection committee (Pokja Pemilihan): each holds a share of its tenders' keys."""
DEMO_THRESHOLD = 2
DEMO_KEY_DIR = "demo-keys"
"""Under the hub's data directory: the demo members' key files and the recovery words."""
RECOVERY_FILE = "recovery-key.txt"
ADMIN = "admin.malang@lpse-hub.demo"
"""Who sets Kabupaten Malang's rules and registers its recovery key."""

Steps = Callable[[], AbstractAsyncContextManager[AsyncSession]]
"""One tenant session in a transaction per step."""


def member_key_file(key_dir: Path, email: str) -> Path:
    return key_dir / f"{email}.member-key.pem"


@dataclass(frozen=True, slots=True)
class DemoCommittee:
    key_dir: Path
    members: dict[int, str]
    """account id -> email, whose key file is ``member_key_file(key_dir, email)``."""


async def seed_committee_custody(engine: AsyncEngine, tenant: TenantRef, key_dir: Path) -> DemoCommittee:
    """Member keys for the Pokja (files written, public halves registered), the recovery key (its
    words written), and the tenant's rules set to committee custody, 2 shares to open."""
    async with hub_sessions(engine)() as session:
        ids = {e: (await get_account(session, e)).id for e in (*DEMO_COMMITTEE, ADMIN)}
    recovery = new_x25519_key()
    members = {email: new_x25519_key() for email in DEMO_COMMITTEE}
    _write_key_files(key_dir, tenant, recovery, members)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        for email, private in members.items():
            public = "x25519:" + _b64(raw_public(private))
            await register_member_key(session, Actor(ids[email], tenant), public)
        admin = Actor(ids[ADMIN], tenant)
        await set_recovery_key(session, admin, raw_public(recovery))
        await set_key_custody(session, admin, "committee", DEMO_THRESHOLD)
    return DemoCommittee(key_dir, {ids[e]: e for e in DEMO_COMMITTEE})


def _write_key_files(
    key_dir: Path, tenant: TenantRef, recovery: X25519PrivateKey, members: dict[str, X25519PrivateKey]
) -> None:
    """What each member's machine keeps (its key file) and the recovery words (paper, in real life)."""
    key_dir.mkdir(parents=True, exist_ok=True)
    key_dir.chmod(0o700)
    words = key_dir / RECOVERY_FILE
    words.write_text(
        f"Recovery key of LPSE {tenant.slug} (demo; kept on paper by the head of procurement):\n"
        f"{recovery_key_words(recovery)}\n"
    )
    words.chmod(0o600)
    for email, private in members.items():
        path = member_key_file(key_dir, email)
        path.write_bytes(member_key_pem(private, DEMO_KEY_PASSPHRASE.encode()))
        path.chmod(0o600)


def _load_member_key(key_dir: Path, email: str) -> X25519PrivateKey:
    """What ``lpse-hub opening share`` does first: open the member's key file with its passphrase."""
    return load_member_key_pem(member_key_file(key_dir, email).read_bytes(), DEMO_KEY_PASSPHRASE.encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def open_with_shares(
    session_of: Steps, committee: DemoCommittee, tenant: TenantRef, tender_id: int, master: MasterKey
) -> dict[str, Any]:
    """Open a committee-held tender after its close as its members would: each holder in slot order
    reads its key file, reseals its share to the opening's key and gives it back, until the bids
    open. ``session_of()`` is an async context manager of a session in a transaction (one per step)."""
    first = next(iter(committee.members))
    async with session_of() as session:
        key = await opening_key(session, Actor(first, tenant), tender_id, master)
    for share in key.shares:
        if share.holder_account_id is None:
            continue  # the recovery share: on paper, not needed while members have their keys
        email = committee.members[share.holder_account_id]
        private = _load_member_key(committee.key_dir, email)
        resealed = reseal_for_opening(
            share.sealed_share,
            private,
            key.public_key,
            tenant_code=tenant.code,
            tender_id=tender_id,
            slot=share.slot,
        )
        async with session_of() as session:
            outcome = await give_share(
                session, Actor(share.holder_account_id, tenant), tender_id, share.slot, resealed, master
            )
        if outcome.refused is not None:
            raise RuntimeError(f"the demo's share {share.slot} was refused: {outcome.refused.detail}")
        if outcome.opening is not None:
            return outcome.opening
    raise RuntimeError(f"tender {tender_id} did not open with its committee's shares")


def steps(engine: AsyncEngine, tenant: TenantRef) -> Steps:
    """One session in a transaction per step, for ``open_with_shares``."""

    @asynccontextmanager
    async def step() -> AsyncIterator[AsyncSession]:
        async with tenant_session(engine, tenant.schema) as session, session.begin():
            yield session

    return step
