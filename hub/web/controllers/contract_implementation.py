"""A signed contract's implementation (e-monev) over HTTP: progress, payments, milestones and
amendments by the commitment officer (PPK) or the tenant's e-monev system (a machine client registered
for the tenant, scope ``monev:write``: ``hub.web.dependencies.provide_acting``), and the public read
of all of it."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, SkipValidation
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Acting
from hub.web.auth import requires
from hub.web.schemas.implementation import (
    AmendmentView,
    ImplementationView,
    MilestoneMet,
    MilestoneView,
    PaymentView,
    ProgressReport,
    ProgressView,
)
from hub.web.schemas.tenders import Id
from tenants.tenders.implementation import (
    MONITOR,
    AmendmentInput,
    MilestoneInput,
    PaymentInput,
    add_milestone,
    amend_contract,
    meet_milestone,
    read_implementation,
    record_payment,
    report_progress,
)

_REFUSALS = (400, 404, 409)

ActingDependency = NamedDependency[SkipValidation[Acting]]
"""The ``acting`` dependency, taken as given: Litestar's signature model cannot validate a union of two
dataclasses (``Actor | ClientActor``), and ``provide_acting`` returns one of them by construction."""


class ContractImplementationController(Controller):
    path = "/api/tenders/{tender_id:int}/contract"
    tags = ["contract implementation"]  # noqa: RUF012

    @get(
        "/implementation", summary="The contract's implementation: progress, payments, milestones, amendments"
    )
    async def implementation(
        self, tender_id: Id, tenant_session: NamedDependency[AsyncSession]
    ) -> ImplementationView:
        return ImplementationView.of(await read_implementation(tenant_session, tender_id))

    @post(
        "/progress",
        summary="Report physical progress (commitment_officer, e-monev)",
        **requires(MONITOR, errors=_REFUSALS),
    )
    async def progress(
        self,
        tender_id: Id,
        data: JSONBody[ProgressReport],
        acting: ActingDependency,
        transaction: NamedDependency[AsyncSession],
    ) -> ProgressView:
        return ProgressView.of(await report_progress(transaction, acting, tender_id, data.input()))

    @post(
        "/payments",
        summary="Record a payment of a term (commitment_officer, e-monev)",
        **requires(MONITOR, errors=_REFUSALS),
    )
    async def payment(
        self,
        tender_id: Id,
        data: JSONBody[PaymentInput],
        acting: ActingDependency,
        transaction: NamedDependency[AsyncSession],
    ) -> PaymentView:
        return PaymentView.of(await record_payment(transaction, acting, tender_id, data))

    @post(
        "/milestones",
        summary="Add a milestone (commitment_officer, e-monev)",
        **requires(MONITOR, errors=_REFUSALS),
    )
    async def milestone(
        self,
        tender_id: Id,
        data: JSONBody[MilestoneInput],
        acting: ActingDependency,
        transaction: NamedDependency[AsyncSession],
    ) -> MilestoneView:
        return MilestoneView.of(await add_milestone(transaction, acting, tender_id, data))

    @post(
        "/milestones/{milestone_id:int}/met",
        summary="Mark a milestone met (commitment_officer, e-monev)",
        **requires(MONITOR, errors=_REFUSALS),
    )
    async def met(
        self,
        tender_id: Id,
        milestone_id: Id,
        data: JSONBody[MilestoneMet],
        acting: ActingDependency,
        transaction: NamedDependency[AsyncSession],
    ) -> MilestoneView:
        met = await meet_milestone(transaction, acting, tender_id, milestone_id, data.met_on)
        return MilestoneView.of(met)

    @post(
        "/amendments",
        summary="Record a contract amendment, adendum (commitment_officer, e-monev)",
        **requires(MONITOR, errors=_REFUSALS),
    )
    async def amendment(
        self,
        tender_id: Id,
        data: JSONBody[AmendmentInput],
        acting: ActingDependency,
        transaction: NamedDependency[AsyncSession],
    ) -> AmendmentView:
        return AmendmentView.of(await amend_contract(transaction, acting, tender_id, data))
