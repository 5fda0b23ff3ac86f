"""The demo's vendors' machines: each vendor user's signing key, registered with the hub, signs its bids.

A real vendor makes its key with ``lpse-hub vendor key create`` and keeps it; the demo plays every
vendor's machine at once, so each user's key is derived from its account id (the same key at every
seeding, nothing kept on disk). Demo keys only: anyone reading this file can sign as a demo vendor.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.models import Account
from federation.vendors import VendorSigningKey, register_signing_key
from hub.core.master_key import MasterKey
from tenants.sealing import BidFile, encode_signing_public_key, public_raw_of, seal_bid, signing_key_id
from tenants.tenders import AcceptedBid, submit_bid
from tenants.tenders.models import Tender


def demo_signing_key(account_id: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"lpse-hub demo signing key|{account_id}".encode()).digest()
    )


async def registered_signing_key(session: AsyncSession, account_id: int) -> Ed25519PrivateKey:
    """The user's demo key, registered for its vendor the first time it is asked for."""
    private = demo_signing_key(account_id)
    public_raw = public_raw_of(private)
    known = select(VendorSigningKey.id).where(VendorSigningKey.key_id == signing_key_id(public_raw))
    if await session.scalar(known) is None:
        await register_signing_key(session, account_id, encode_signing_public_key(public_raw))
    return private


async def submit_signed_bid(
    session: AsyncSession, vendor: Actor, tender_id: int, price: int, files: list[BidFile], master: MasterKey
) -> AcceptedBid:
    """What a vendor's machine does, then the hub: seal for the tender's key, sign, submit."""
    private = await registered_signing_key(session, vendor.account_id)
    tender = await session.get(Tender, tender_id)
    vendor_id = await session.scalar(select(Account.vendor_id).where(Account.id == vendor.account_id))
    assert tender is not None
    assert tender.public_key is not None
    assert vendor_id is not None
    bundle = seal_bid(
        tender.public_key,
        tenant_code=vendor.tenant.code,
        tender_id=tender_id,
        vendor_id=vendor_id,
        price=price,
        files=files,
        signing_key=private,
    )
    return await submit_bid(session, vendor, tender_id, bundle, master)
