"""Vendors' logins, counted for the regency a vendor calls home (the rakor's reach figure)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import Account
from federation.vendors.models import Vendor
from monitoring.metrics import count_vendor_login, on_commit
from tenants.registry.models import Tenant


async def note_vendor_login(session: AsyncSession, account: Account) -> None:
    """Count a vendor user's login, on commit, for the tenant of the vendor's home regency ('' when
    that regency is no tenant here). A login of anyone else counts nothing."""
    if account.vendor_id is None:
        return
    home = (
        select(Tenant.slug)
        .join(Vendor, Vendor.home_regency_code == Tenant.code)
        .where(Vendor.id == account.vendor_id)
        .scalar_subquery()
    )
    slug = await session.scalar(select(home))
    on_commit(session, lambda: count_vendor_login(slug or ""))
