"""Vendors over HTTP: self-registration (public), and per tenant: standing, verification, suspension."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from federation.vendors import can_bid_in, get_vendor, register_vendor, suspend_vendor, verify_vendor
from hub.core.errors import Forbidden
from tenants.registry import TenantRef


@dataclass(frozen=True, slots=True)
class VendorUser:
    email: str
    name: str
    password: str


@dataclass(frozen=True, slots=True)
class VendorRegistration:
    name: str
    npwp: str
    address: str
    home_regency_code: str
    kbli: list[str]
    user: VendorUser
    nib: str | None = None


@dataclass(frozen=True, slots=True)
class VerificationRequest:
    checked: list[str]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SuspensionRequest:
    reason: str
    ends_on: date


@dataclass(frozen=True, slots=True)
class VendorStanding:
    """A vendor as one tenant sees it: the hub-wide record and whether it may bid here."""

    id: int
    name: str
    npwp: str
    status: str
    may_bid_here: bool
    reason: str | None = None
    kbli: list[str] = field(default_factory=list)


def _person(caller: Caller) -> int:
    if caller.account_id is None:
        raise Forbidden("this needs a person's token, not a machine client's")
    return caller.account_id


class VendorRegistrationController(Controller):
    path = "/api/vendors"
    tags = ["vendors"]  # noqa: RUF012

    @post("/", summary="Register a company once for every LPSE of the hub, with its first user")
    async def register(
        self, data: JSONBody[VendorRegistration], db_session: NamedDependency[AsyncSession]
    ) -> dict[str, Any]:
        async with db_session.begin():
            vendor = await register_vendor(
                db_session,
                data.name,
                data.npwp,
                data.nib,
                data.address,
                data.home_regency_code,
                data.kbli,
                data.user.email,
                data.user.name,
                data.user.password,
            )
            return vendor.to_dict()


class TenantVendorController(Controller):
    path = "/api/vendors"
    tags = ["vendors"]  # noqa: RUF012

    @get("/{vendor_id:int}", summary="A vendor's standing in this tenant")
    async def standing(
        self, vendor_id: FromPath[int], tenant_session: NamedDependency[AsyncSession]
    ) -> VendorStanding:
        vendor = await get_vendor(tenant_session, vendor_id)
        eligibility = await can_bid_in(tenant_session, vendor_id)
        return VendorStanding(
            vendor.id,
            vendor.name,
            vendor.npwp,
            vendor.status,
            bool(eligibility),
            eligibility.reason,
            list(vendor.kbli),
        )

    @post("/{vendor_id:int}/verifications", summary="Record a verification (verifier of this tenant)")
    async def verify(
        self,
        vendor_id: FromPath[int],
        data: JSONBody[VerificationRequest],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            verification = await verify_vendor(
                tenant_session, vendor_id, _person(caller), tenant.slug, data.checked, data.note
            )
            return verification.to_dict()

    @post("/{vendor_id:int}/suspensions", summary="Bar the vendor from this tenant's tenders until a date")
    async def suspend(
        self,
        vendor_id: FromPath[int],
        data: JSONBody[SuspensionRequest],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            suspension = await suspend_vendor(
                tenant_session, tenant.slug, vendor_id, data.reason, data.ends_on, _person(caller)
            )
            return suspension.to_dict()
