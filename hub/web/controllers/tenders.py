"""Tenders over HTTP: the committee's and the commitment officer's actions, and the public view."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.clock import database_now
from hub.web.auth import IN_TRANSACTION, requires
from hub.web.openapi import problem_responses
from hub.web.schemas.tenders import (
    CancelledTender,
    Id,
    NewTender,
    PackageView,
    Reason,
    RescheduledStage,
    ScheduleChange,
    TenderView,
)
from tenants.registry import TenantRef
from tenants.tenders import (
    PackageInput,
    announce_tender,
    cancel_tender,
    create_package,
    create_tender,
    list_tenders,
    reschedule_stage,
    tender_views,
    visible_tender,
)
from tenants.tenders.views import tender_view_now


class PackageController(Controller):
    path = "/api/packages"
    tags = ["tenders"]  # noqa: RUF012

    @post(
        "/",
        summary="Create a package, under a plan item (RUP) within its ceiling if named (commitment_officer)",
        **requires(Action.PACKAGE_CREATE, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def create(
        self,
        data: JSONBody[PackageInput],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> PackageView:
        return PackageView.of(await create_package(transaction, actor, data))


class TenderController(Controller):
    path = "/api/tenders"
    tags = ["tenders"]  # noqa: RUF012

    @post(
        "/",
        summary="Put a package to tender with a schedule (selection_committee)",
        **requires(Action.TENDER_PREPARE, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def create(
        self,
        data: JSONBody[NewTender],
        actor: NamedDependency[Actor],
        tenant: NamedDependency[TenantRef],
        transaction: NamedDependency[AsyncSession],
    ) -> TenderView:
        tender = await create_tender(
            transaction,
            actor,
            data.package_id,
            data.evaluation,
            {name: (w.starts_at, w.ends_at) for name, w in data.schedule.items()},
            criteria=data.criteria_input(),
            objection_days=data.objection_days,
        )
        return TenderView.of(await tender_view_now(transaction, tenant, tender))

    @get(
        "/",
        summary="The tenant's tenders: announced ones for everybody, drafts for its officials",
        responses=problem_responses(401),
    )
    async def index(
        self,
        official: NamedDependency[bool],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> list[TenderView]:
        now = await database_now(tenant_session)
        tenders = await list_tenders(tenant_session, include_drafts=official)
        return [TenderView.of(view) for view in await tender_views(tenant_session, tenant, tenders, now)]

    @get(
        "/{tender_id:int}",
        summary="One tender, as the caller may see it",
        responses=problem_responses(400, 401),
    )
    async def show(
        self,
        tender_id: Id,
        official: NamedDependency[bool],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> TenderView:
        tender = await visible_tender(tenant_session, tender_id, official=official)
        return TenderView.of(await tender_view_now(tenant_session, tenant, tender))

    @post(
        "/{tender_id:int}/announcement",
        summary="Announce: make public and create the bid key (selection_committee)",
        **requires(Action.TENDER_PREPARE, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def announce(
        self,
        tender_id: Id,
        actor: NamedDependency[Actor],
        state: State,
        tenant: NamedDependency[TenantRef],
        transaction: NamedDependency[AsyncSession],
        committee: Annotated[
            list[int] | None,
            Parameter(
                description="Where the LPSE chose committee custody: the accounts that hold the "
                "tender key's shares (default: every member of the tender's runner role with a member key)."
            ),
        ] = None,
    ) -> TenderView:
        tender = await announce_tender(transaction, actor, tender_id, state.master, committee=committee)
        return TenderView.of(await tender_view_now(transaction, tenant, tender))

    @post(
        "/{tender_id:int}/schedule-changes",
        summary="Move a stage that has not started, with a reason (selection_committee)",
        **requires(Action.TENDER_PREPARE, errors=(400, 409)),
    )
    async def reschedule(
        self,
        tender_id: Id,
        data: JSONBody[ScheduleChange],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> RescheduledStage:
        window = await reschedule_stage(
            transaction, actor, tender_id, data.stage, data.starts_at, data.ends_at, data.reason
        )
        return RescheduledStage.of(data.stage, window)

    @post(
        "/{tender_id:int}/cancellation",
        summary="Cancel the tender, with a reason (its runner: selection_committee, or procurement_officer)",
        # The tender's runner cancels it (``runner_tender``): a direct procurement's is its
        # procurement officer, so the route takes the runners' action, not preparation's.
        **requires(Action.TENDER_RUN, errors=(400, 409)),
    )
    async def cancel(
        self,
        tender_id: Id,
        data: JSONBody[Reason],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> CancelledTender:
        return CancelledTender.of(await cancel_tender(transaction, actor, tender_id, data.reason))
