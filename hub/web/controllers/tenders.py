"""Tenders over HTTP: the committee's and the commitment officer's actions, and the public view.

Controllers only translate: who the caller is and what it sent, to a service call in one
transaction of the tenant's session, and the result back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.accounts import roles_in
from federation.identity.caller import Caller
from hub.core.clock import database_now
from hub.core.errors import Forbidden, Unauthenticated
from tenants.registry import TenantRef
from tenants.tenders import (
    Actor,
    PackageInput,
    announce_tender,
    cancel_tender,
    create_package,
    create_tender,
    list_tenders,
    reschedule_stage,
    tender_view,
    visible_tender,
)
from tenants.tenders.models import Package, Tender
from tenants.tenders.views import package_view


@dataclass(frozen=True, slots=True)
class StageWindow:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class NewTender:
    package_id: int
    evaluation: str
    schedule: dict[str, StageWindow]
    criteria: dict[str, Any] | None = None
    objection_days: int | None = None


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    stage: str
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Reason:
    reason: str


def actor(caller: Caller | None, tenant: TenantRef) -> Actor:
    if caller is None:
        raise Unauthenticated("this needs an access token: Authorization: Bearer <token>")
    if caller.account_id is None:
        raise Forbidden("this needs a person's token, not a machine client's")
    return Actor(caller.account_id, tenant)


async def is_official(session: AsyncSession, caller: Caller | None, tenant: TenantRef) -> bool:
    """Anyone holding a role in this tenant (or hub-wide) sees what the public does not yet."""
    return bool(caller and caller.account_id and await roles_in(session, caller.account_id, tenant.id))


async def view_of(session: AsyncSession, tenant: TenantRef, tender: Tender) -> dict[str, Any]:
    package = await session.get(Package, tender.package_id)
    assert package is not None  # a tender always has its package (foreign key)
    return await tender_view(session, tenant, tender, package, await database_now(session))


class PackageController(Controller):
    path = "/api/packages"
    tags = ["tenders"]  # noqa: RUF012

    @post("/", summary="Create a package (commitment_officer)")
    async def create(
        self,
        data: JSONBody[PackageInput],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            package = await create_package(tenant_session, actor(caller, tenant), data)
            return package_view(package)


class TenderController(Controller):
    path = "/api/tenders"
    tags = ["tenders"]  # noqa: RUF012

    @post("/", summary="Put a package to tender with a schedule (selection_committee)")
    async def create(
        self,
        data: JSONBody[NewTender],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        schedule = {name: (w.starts_at, w.ends_at) for name, w in data.schedule.items()}
        async with tenant_session.begin():
            tender = await create_tender(
                tenant_session,
                actor(caller, tenant),
                data.package_id,
                data.evaluation,
                schedule,
                criteria=data.criteria,
                objection_days=data.objection_days,
            )
            return await view_of(tenant_session, tenant, tender)

    @get("/", summary="The tenant's tenders: announced ones for everybody, drafts for its officials")
    async def list(
        self,
        optional_caller: NamedDependency[Caller | None],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> list[dict[str, Any]]:
        official = await is_official(tenant_session, optional_caller, tenant)
        now = await database_now(tenant_session)
        return [
            await tender_view(tenant_session, tenant, t, p, now)
            for t, p in await list_tenders(tenant_session, include_drafts=official)
        ]

    @get("/{tender_id:int}", summary="One tender, as the caller may see it")
    async def show(
        self,
        tender_id: FromPath[int],
        optional_caller: NamedDependency[Caller | None],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        official = await is_official(tenant_session, optional_caller, tenant)
        tender = await visible_tender(tenant_session, tender_id, official=official)
        return await view_of(tenant_session, tenant, tender)

    @post("/{tender_id:int}/announcement", summary="Announce: make public and create the bid key")
    async def announce(
        self,
        tender_id: FromPath[int],
        caller: NamedDependency[Caller],
        state: State,
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            tender = await announce_tender(tenant_session, actor(caller, tenant), tender_id, state.master)
            return await view_of(tenant_session, tenant, tender)

    @post("/{tender_id:int}/schedule-changes", summary="Move a stage that has not started (with a reason)")
    async def reschedule(
        self,
        tender_id: FromPath[int],
        data: JSONBody[ScheduleChange],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, str]:
        async with tenant_session.begin():
            window = await reschedule_stage(
                tenant_session,
                actor(caller, tenant),
                tender_id,
                data.stage,
                data.starts_at,
                data.ends_at,
                data.reason,
            )
            return {
                "stage": data.stage,
                "starts_at": window.starts_at.isoformat(),
                "ends_at": window.ends_at.isoformat(),
            }

    @post("/{tender_id:int}/cancellation", summary="Cancel the tender (with a reason)")
    async def cancel(
        self,
        tender_id: FromPath[int],
        data: JSONBody[Reason],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            tender = await cancel_tender(tenant_session, actor(caller, tenant), tender_id, data.reason)
            return {"id": tender.id, "status": tender.status, "cancel_reason": tender.cancel_reason}
