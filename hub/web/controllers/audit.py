"""The audit trail, for the auditors: a tenant's log, page by page, and whether its chain holds."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from federation.identity.models import Role
from hub.web.controllers.tenders import actor
from monitoring.metrics import count_audit_verification
from tenants.audit import read_audit, verify_chain
from tenants.registry import TenantRef

READERS = (Role.AUDITOR, Role.PROVINCE_AUDITOR, Role.TENANT_ADMIN, Role.HUB_ADMIN)


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]  # noqa: RUF012

    @get("/", summary="The tenant's audit log after a sequence number (auditors)")
    async def entries(
        self,
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
        after: FromQuery[int] = 0,
        limit: FromQuery[int] = 100,
        subject: FromQuery[str | None] = None,
    ) -> list[dict[str, Any]]:
        await actor(caller, tenant).require(tenant_session, *READERS)
        return [
            e.to_dict()
            for e in await read_audit(tenant_session, after_seq=after, limit=limit, subject=subject)
        ]

    @get("/verification", summary="Walk the chain and say whether it holds (auditors)")
    async def verification(
        self,
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        await actor(caller, tenant).require(tenant_session, *READERS)
        report = await verify_chain(tenant_session)
        count_audit_verification(tenant.slug, intact=report.ok)
        return report.to_dict()
