"""The audit trail, for the auditors: a tenant's log, page by page, and whether its chain holds."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.web.auth import requires
from hub.web.schemas.audit import AuditEntryView, ChainReportView
from monitoring.metrics import count_audit_verification
from tenants.audit import read_audit, verify_chain


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]  # noqa: RUF012

    @get(
        "/",
        summary="The tenant's audit log after a sequence number (auditors)",
        **requires(Action.AUDIT_READ),
    )
    async def entries(
        self,
        actor: NamedDependency[Actor],  # taking it checks the auditor's role (provide_actor)
        tenant_session: NamedDependency[AsyncSession],
        after: Annotated[int, Parameter(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
        subject: FromQuery[str | None] = None,
    ) -> list[AuditEntryView]:
        entries = await read_audit(tenant_session, after_seq=after, limit=limit, subject=subject)
        return [AuditEntryView.of(entry) for entry in entries]

    @get(
        "/verification",
        summary="Walk the chain and say whether it holds (auditors)",
        **requires(Action.AUDIT_READ),
    )
    async def verification(
        self, actor: NamedDependency[Actor], tenant_session: NamedDependency[AsyncSession]
    ) -> ChainReportView:
        report = await verify_chain(tenant_session)
        count_audit_verification(actor.tenant.slug, intact=report.ok)
        return ChainReportView.of(report)
