"""Verification (*verifikasi penyedia*): a verifier of one tenant checks a vendor's documents once,
and every tenant of the hub recognises the result (SPSE's vendor data aggregation)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.policy import Action
from federation.vendors.actors import require_actor
from federation.vendors.models import VendorEventKind, VendorStatus, VendorVerification
from federation.vendors.registration import get_vendor, record_event
from hub.core.errors import Conflict, Forbidden, InvalidInput
from tenants.registry import get_tenant

MAX_ITEM = 200


def _checked_items(checked: Iterable[str]) -> list[str]:
    items: list[str] = []
    for item in (" ".join(c.split()) for c in checked):
        if len(item) > MAX_ITEM:
            raise InvalidInput(f"a checked item must be at most {MAX_ITEM} characters", field="checked")
        if item and item not in items:
            items.append(item)
    if not items:
        raise InvalidInput(
            "a verification must say what was checked (e.g. NPWP, NIB, deed of establishment)",
            field="checked",
        )
    return items


async def verify_vendor(
    session: AsyncSession,
    vendor_id: int,
    verifier_account_id: int,
    tenant_slug: str,
    checked: Iterable[str],
    note: str | None = None,
) -> VendorVerification:
    """Record that a verifier of ``tenant_slug`` checked the vendor's ``checked`` documents.

    The verifier must hold ``Role.VERIFIER`` in that tenant (``Forbidden`` otherwise) and may not be
    one of the vendor's own users. The vendor becomes ``verified`` in every tenant. Verifying it
    again (documents renewed, say) adds another verification. A merged vendor is refused with
    ``Conflict``: its survivor is the one to verify.
    """
    tenant = await get_tenant(session, tenant_slug)
    verifier = await require_actor(session, verifier_account_id, tenant.id, Action.VENDOR_VERIFY)
    items = _checked_items(checked)
    vendor = await get_vendor(session, vendor_id, for_update=True)
    if vendor.status == VendorStatus.MERGED:
        raise Conflict(
            f"vendor {vendor.id} was merged into vendor {vendor.merged_into_id}; verify that one instead"
        )
    if verifier.vendor_id == vendor.id:
        raise Forbidden("a vendor's own user cannot verify it")
    verification = VendorVerification(
        vendor_id=vendor.id,
        tenant_code=tenant.code,
        verifier_account_id=verifier.id,
        checked=items,
        note=(note or "").strip() or None,
    )
    session.add(verification)
    vendor.status = VendorStatus.VERIFIED.value
    await session.flush()
    detail = {"tenant_code": tenant.code, "checked": items, "verification_id": verification.id}
    record_event(session, vendor.id, VendorEventKind.VERIFIED, detail, verifier.id)
    await session.flush()
    await session.refresh(verification)
    await session.refresh(vendor)
    return verification


async def is_verified(session: AsyncSession, vendor_id: int) -> bool:
    """Whether the vendor is verified: the same answer in every tenant. A merged vendor is not;
    ask about the vendor it was merged into."""
    return (await get_vendor(session, vendor_id)).status == VendorStatus.VERIFIED
