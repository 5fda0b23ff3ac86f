"""The verified vendors a benchmark bids with: each with its user and a registered signing key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import Account
from federation.vendors import register_signing_key
from federation.vendors.models import Vendor
from tenants.sealing import encode_signing_public_key, public_raw_of


@dataclass(frozen=True, slots=True)
class BenchVendor:
    vendor_id: int
    user_id: int
    signing_key: Ed25519PrivateKey


async def verified_vendors(
    session: AsyncSession,
    count: int,
    homes: Sequence[str],
    *,
    name: str = "CV Bench",
    domain: str = "bench.co.id",
    key_of: Callable[[int], Ed25519PrivateKey] | None = None,
) -> list[BenchVendor]:
    """``count`` verified vendors (the i-th at home in ``homes[i % len(homes)]``), inserted in bulk
    in the caller's ``hub`` transaction, each with a user and a registered signing key (``key_of``
    the vendor's id, or a new one)."""
    companies = [
        Vendor(
            name=f"{name} {i}",
            npwp=f"{i:015d}",
            home_regency_code=homes[i % len(homes)],
            kbli=["41011"],
            status="verified",
        )
        for i in range(1, count + 1)
    ]
    session.add_all(companies)
    await session.flush()
    users = [
        Account(email=f"v{v.id}@{domain}", name="Direktur", status="active", vendor_id=v.id)
        for v in companies
    ]
    session.add_all(users)
    await session.flush()
    made = []
    for company, user in zip(companies, users, strict=True):
        key = key_of(company.id) if key_of is not None else Ed25519PrivateKey.generate()
        await register_signing_key(session, user.id, encode_signing_public_key(public_raw_of(key)))
        made.append(BenchVendor(company.id, user.id, key))
    return made
