"""Objections (sanggah) over HTTP: lodged by bidders with documents, answered by the committee."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from hub.web.controllers.bidding import STORE, file_response
from hub.web.controllers.tenders import actor
from tenants.registry import TenantRef
from tenants.tenders.award.objections import (
    Attachment,
    answer_objection,
    lodge_objection,
    objection_file,
    objections_of,
)
from tenants.tenders.views import objection_view


@dataclass(frozen=True, slots=True)
class ObjectionAnswer:
    answer: str
    upheld: bool


class ObjectionController(Controller):
    path = "/api/tenders/{tender_id:int}/objections"
    tags = ["objections"]  # noqa: RUF012

    @post("/", summary="Lodge an objection (a bidder, in the objection period): grounds and files")
    async def lodge(
        self,
        tender_id: FromPath[int],
        request: Request[Any, Any, State],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        form = await request.form()
        attachments = [
            Attachment(f.filename or "", f.content_type, await f.read())
            for f in (form.getall("files") if "files" in form else [])
            if isinstance(f, UploadFile)
        ]
        grounds = form.get("grounds")
        async with tenant_session.begin():
            objection = await lodge_objection(
                tenant_session,
                actor(caller, tenant),
                tender_id,
                grounds if isinstance(grounds, str) else "",
                attachments,
                STORE,
            )
            files = dict(await objections_of(tenant_session, tender_id))[objection]
            return objection_view(objection, files, ZoneInfo(tenant.timezone))

    @get("/", summary="Objections and their answers (public once the award is announced)")
    async def list(
        self,
        tender_id: FromPath[int],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> list[dict[str, Any]]:
        zone = ZoneInfo(tenant.timezone)
        return [objection_view(o, f, zone) for o, f in await objections_of(tenant_session, tender_id)]

    @post("/{objection_id:int}/answer", summary="Answer an objection; upheld reopens evaluation")
    async def answer(
        self,
        tender_id: FromPath[int],
        objection_id: FromPath[int],
        data: JSONBody[ObjectionAnswer],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            objection = await answer_objection(
                tenant_session, actor(caller, tenant), tender_id, objection_id, data.answer, data.upheld
            )
            files = dict(await objections_of(tenant_session, tender_id))[objection]
            return objection_view(objection, files, ZoneInfo(tenant.timezone))

    @get("/files/{file_id:int}", summary="A document supporting an objection")
    async def download(
        self,
        tender_id: FromPath[int],
        file_id: FromPath[int],
        tenant_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        file, data = await objection_file(tenant_session, tender_id, file_id, STORE)
        return file_response(data, file.name, file.content_type, file.sha256)
