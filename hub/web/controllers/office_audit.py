"""The auditors' section of a tenant's office (``/kantor/{slug}/audit``, issue 19): the tenant's audit
log page by page, filtered by tender, checked in the page, and downloaded as CSV or JSON Lines.

The section is the policy table's ``Action.AUDIT_READ`` (the tenant's auditors and admin, the
province's auditors and bureau), as ``GET /api/audit/`` is. The page shows the server's own
verification of the whole chain (``tenants.audit.verify_chain``, what ``GET /api/audit/verification``
answers) and names the CLI; with JavaScript on, ``audit-verify.js`` recomputes the hash of every
entry shown with WebCrypto, checks their links and compares them with the latest signed checkpoint,
so the auditor need not take the server's word for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.policy import Action
from hub.core.database import tenant_session
from hub.web.controllers.office import Office, office_of
from hub.web.portal.office_audit import PAGE, audit_page, export_csv, export_json_lines, latest_checkpoint
from hub.web.security_headers import allow_own_scripts
from monitoring.metrics import count_audit_verification
from tenants.audit import verify_chain

AFTER = QueryParameter(ge=0, le=2**62, description="Entries after this sequence number")
TENDER = QueryParameter(ge=1, le=2**62, description="Only this tender's entries")
EXPORTS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def _refused(office: Office) -> Template | Redirect | None:
    """The page refusing this request, or ``None``: the office's own refusals, then the policy's."""
    return office.refusal(Action.AUDIT_READ)


class OfficeAuditController(Controller):
    path = "/kantor/{slug:str}/audit"
    include_in_schema = False

    @get("/", summary="The tenant's audit log, page by page, checked in the page")
    async def log(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        after: Annotated[int, AFTER] = 0,
        tender: Annotated[int | None, TENDER] = None,
    ) -> Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := _refused(office)) is not None:
            return refused
        tenant = await office.tenant(db_session)
        checkpoint = await latest_checkpoint(db_session, tenant.code)
        async with tenant_session(state.engine, tenant.schema) as tenant_db:
            entries = await audit_page(tenant_db, after=after, tender=tender)
            report = await verify_chain(tenant_db)
        count_audit_verification(tenant.slug, intact=report.ok)
        allow_own_scripts(request)  # audit-verify.js recomputes the chain in the page
        filters = {"tender": tender} if tender is not None else {}
        return office.page(
            "kantor_audit.html",
            tenant=tenant,
            entries=entries,
            report=report,
            checkpoint=checkpoint,
            after=after,
            tender=tender,
            filters=filters,
            next_after=entries[-1].seq if len(entries) == PAGE else None,
        )

    @get("/unduh/{kind:str}", summary="The tenant's (filtered) audit log as CSV or JSON Lines")
    async def export(
        self,
        slug: FromPath[str],
        kind: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
        tender: Annotated[int | None, TENDER] = None,
    ) -> Stream | Template | Redirect:
        office = await office_of(request, db_session, slug)
        if (refused := _refused(office)) is not None:
            return refused
        if kind not in EXPORTS:
            return office.reader.error(404, "")
        tenant = await office.tenant(db_session)
        writer = export_csv if kind == "csv" else export_json_lines

        async def chunks() -> AsyncIterator[str]:
            # Streamed as read, in a session of its own: the request's is gone by the time it runs.
            async with tenant_session(state.engine, tenant.schema) as tenant_db:
                async for chunk in writer(tenant_db, tender):
                    yield chunk

        name = f"audit-{tenant.slug}" + (f"-tender-{tender}" if tender is not None else "") + f".{kind}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Stream(chunks(), media_type=EXPORTS[kind], headers=headers)
