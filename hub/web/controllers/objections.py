"""Objections (sanggah) over HTTP: lodged by bidders with documents, answered by the committee.

Objections, their answers and their documents are public, as the award they object to is.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.web.auth import requires
from hub.web.body_limits import OBJECTION_FORM
from hub.web.files import STORE, file_response
from hub.web.schemas.bids import FileDownloadOperation
from hub.web.schemas.outcomes import (
    ObjectionAnswer,
    ObjectionForm,
    ObjectionFormOperation,
    ObjectionView,
)
from hub.web.schemas.tenders import Id
from hub.web.uploads import received_form
from tenants.registry import TenantRef
from tenants.tenders import get_tender
from tenants.tenders.award.objections import (
    answer_objection,
    lodge_objection,
    objection_file,
    objections_of,
)


class ObjectionController(Controller):
    path = "/api/tenders/{tender_id:int}/objections"
    tags = ["objections"]  # noqa: RUF012

    @post(
        "/",
        summary="Lodge an objection (a bidder, in the objection period): grounds and files",
        operation_class=ObjectionFormOperation,
        request_max_body_size=OBJECTION_FORM.body,
        **requires(Action.VENDOR_ACT, errors=(400, 409, 413, 503)),
    )
    async def lodge(
        self,
        tender_id: Id,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> ObjectionView:
        async with received_form(request, OBJECTION_FORM) as received:
            form = ObjectionForm.of(received)
            attachments = await form.attachments()
            objection = await lodge_objection(transaction, actor, tender_id, form.grounds, attachments, STORE)
        files = dict(await objections_of(transaction, tender_id))[objection]
        return ObjectionView.of(objection, files, ZoneInfo(actor.tenant.timezone))

    @get("/", summary="Objections and their answers (public once the award is announced)")
    async def objections(
        self,
        tender_id: Id,
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> list[ObjectionView]:
        await get_tender(tenant_session, tender_id)  # 404 for no such tender, not an empty list
        zone = ZoneInfo(tenant.timezone)
        return [ObjectionView.of(o, f, zone) for o, f in await objections_of(tenant_session, tender_id)]

    @post(
        "/{objection_id:int}/answer",
        summary="Answer an objection; upheld reopens evaluation (selection_committee)",
        **requires(Action.OBJECTION_ANSWER, errors=(400, 409)),
    )
    async def answer(
        self,
        tender_id: Id,
        objection_id: Id,
        data: JSONBody[ObjectionAnswer],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> ObjectionView:
        objection = await answer_objection(
            transaction, actor, tender_id, objection_id, data.answer, data.upheld
        )
        files = dict(await objections_of(transaction, tender_id))[objection]
        return ObjectionView.of(objection, files, ZoneInfo(actor.tenant.timezone))

    @get(
        "/files/{file_id:int}",
        summary="A document supporting an objection",
        operation_class=FileDownloadOperation,
    )
    async def download(
        self,
        tender_id: Id,
        file_id: Id,
        tenant_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        file, data = await objection_file(tenant_session, tender_id, file_id, STORE)
        return file_response(data, file.name, file.content_type, file.sha256)
