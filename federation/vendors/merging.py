"""Merging: an operator finds that two vendor records are one company and keeps one of them.

The survivor takes over the duplicate's users and verifications. The duplicate stays, marked
``merged`` and pointing at the survivor, with its own history; the survivor's history shows both.
Suspensions stay where they were written (in tenant schemas) and bar the survivor through the
merge link (see ``federation.vendors.suspensions``).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import Account
from federation.identity.policy import Action
from federation.vendors.actors import require_actor
from federation.vendors.models import Vendor, VendorEventKind, VendorStatus, VendorVerification
from federation.vendors.registration import record_event
from hub.core.errors import Conflict, NotFound


async def _lock_pair(session: AsyncSession, duplicate_id: int, survivor_id: int) -> tuple[Vendor, Vendor]:
    # Locked in id order, so two merges of the same pair cannot deadlock.
    query = (
        select(Vendor)
        .where(Vendor.id.in_((duplicate_id, survivor_id)))
        .order_by(Vendor.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = {v.id: v for v in (await session.execute(query)).scalars()}
    for vendor_id in (duplicate_id, survivor_id):
        if vendor_id not in found:
            raise NotFound(f"no vendor {vendor_id}")
    return found[duplicate_id], found[survivor_id]


async def merge_vendors(
    session: AsyncSession, duplicate_id: int, survivor_id: int, by_account_id: int
) -> Vendor:
    """Merge ``duplicate_id`` into ``survivor_id`` on behalf of a hub administrator; the survivor.

    Refused with ``Conflict`` when the two are the same vendor or either is merged already. A
    survivor not yet verified becomes verified when the duplicate was.
    """
    if duplicate_id == survivor_id:
        raise Conflict(f"vendor {duplicate_id} cannot be merged into itself")
    await require_actor(session, by_account_id, None, Action.VENDOR_MERGE)
    duplicate, survivor = await _lock_pair(session, duplicate_id, survivor_id)
    if duplicate.status == VendorStatus.MERGED:
        raise Conflict(f"vendor {duplicate.id} was merged into vendor {duplicate.merged_into_id} already")
    if survivor.status == VendorStatus.MERGED:
        raise Conflict(
            f"vendor {survivor.id} was merged into vendor {survivor.merged_into_id}; "
            "merge into that one instead"
        )
    moved_accounts = list(
        (
            await session.execute(
                update(Account)
                .where(Account.vendor_id == duplicate.id)
                .values(vendor_id=survivor.id)
                .returning(Account.id)
            )
        ).scalars()
    )
    moved_verifications = list(
        (
            await session.execute(
                update(VendorVerification)
                .where(VendorVerification.vendor_id == duplicate.id)
                .values(vendor_id=survivor.id)
                .returning(VendorVerification.id)
            )
        ).scalars()
    )
    became_verified = duplicate.status == VendorStatus.VERIFIED and survivor.status != VendorStatus.VERIFIED
    duplicate.status, duplicate.merged_into_id = VendorStatus.MERGED.value, survivor.id
    if became_verified:
        survivor.status = VendorStatus.VERIFIED.value
    moved = {"accounts": sorted(moved_accounts), "verifications": sorted(moved_verifications)}
    record_event(
        session,
        duplicate.id,
        VendorEventKind.MERGED_INTO,
        {"survivor_id": survivor.id, **moved},
        by_account_id,
    )
    absorbed = {
        "duplicate_id": duplicate.id,
        "duplicate_npwp": duplicate.npwp,
        "duplicate_name": duplicate.name,
        "became_verified": became_verified,
        **moved,
    }
    record_event(session, survivor.id, VendorEventKind.ABSORBED, absorbed, by_account_id)
    await session.flush()
    await session.refresh(duplicate)
    await session.refresh(survivor)
    return survivor
