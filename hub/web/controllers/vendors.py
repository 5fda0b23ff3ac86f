"""Vendors over HTTP: self-registration (public), and per tenant: standing, verification, suspension."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.caller import Caller
from federation.identity.policy import Action
from federation.vendors import (
    can_bid_in,
    get_vendor,
    public_vendor,
    register_vendor,
    suspend_vendor,
    verify_vendor,
)
from hub.web.auth import requires
from hub.web.dependencies import permits
from hub.web.openapi import problem_responses
from hub.web.schemas.vendors import (
    SuspensionRequest,
    SuspensionView,
    VendorPublicView,
    VendorRegistration,
    VendorStandingView,
    VendorView,
    VerificationRequest,
    VerificationView,
)
from tenants.registry import TenantRef

VendorId = Annotated[int, PathParameter(ge=1, le=2**63 - 1, description="The vendor's hub-wide id.")]


class VendorRegistrationController(Controller):
    path = "/api/vendors"
    tags = ["vendors"]  # noqa: RUF012

    @post(
        "/",
        summary="Register a company once for every LPSE of the hub, with its first user",
        responses=problem_responses(400, 409),
    )
    async def register(
        self, data: JSONBody[VendorRegistration], hub_transaction: NamedDependency[AsyncSession]
    ) -> VendorView:
        vendor = await register_vendor(
            hub_transaction,
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
        return VendorView.of(vendor)


class TenantVendorController(Controller):
    path = "/api/vendors"
    tags = ["vendors"]  # noqa: RUF012

    @get(
        "/{vendor_id:int}",
        summary="A verified vendor's name and regency; to this tenant's officials, its record and "
        "standing here (may it bid, and if not why), unverified vendors too",
        responses=problem_responses(400, 401, 404),
    )
    async def standing(
        self,
        vendor_id: VendorId,
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
        optional_caller: NamedDependency[Caller | None],
    ) -> VendorPublicView | VendorStandingView:
        if not permits(optional_caller, tenant, Action.VENDOR_READ_PRIVATE):
            return VendorPublicView.of(await public_vendor(tenant_session, vendor_id))
        vendor = await get_vendor(tenant_session, vendor_id)
        return VendorStandingView.of(vendor, await can_bid_in(tenant_session, vendor_id))

    @post(
        "/{vendor_id:int}/verifications",
        summary="Record a verification, recognised by every tenant (verifier of this tenant)",
        **requires(Action.VENDOR_VERIFY, errors=(400, 409)),
    )
    async def verify(
        self,
        vendor_id: VendorId,
        data: JSONBody[VerificationRequest],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> VerificationView:
        verification = await verify_vendor(
            transaction, vendor_id, actor.account_id, actor.tenant.slug, data.checked, data.note
        )
        return VerificationView.of(verification)

    @post(
        "/{vendor_id:int}/suspensions",
        summary="Bar the vendor from this tenant's tenders until a date (tenant_admin or verifier)",
        **requires(Action.VENDOR_SUSPEND, errors=(400, 409)),
    )
    async def suspend(
        self,
        vendor_id: VendorId,
        data: JSONBody[SuspensionRequest],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> SuspensionView:
        suspension = await suspend_vendor(
            transaction, actor.tenant.slug, vendor_id, data.reason, data.ends_on, actor.account_id
        )
        return SuspensionView.of(suspension)
