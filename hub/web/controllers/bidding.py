"""Taking part in a tender over HTTP: registration, documents, clarification, sealed bids, opening."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.caller import Caller
from hub.core.errors import HubError, InvalidInput
from hub.web.controllers.tenders import actor, is_official
from monitoring.metrics import count_bid_refusal
from tenants.registry import TenantRef
from tenants.sealing import BidFile
from tenants.tenders import (
    PostgresBlobStore,
    answer,
    ask,
    clarifications,
    download_document,
    open_bids,
    register_for_tender,
    seal_and_submit,
    submit_bid,
    upload_document,
    vendor_of,
)
from tenants.tenders.bidding.bids import MAX_BUNDLE_BYTES
from tenants.tenders.bidding.participation import registered_vendor
from tenants.tenders.views import clarification_view, localized

STORE = PostgresBlobStore()
SEALED_BID_TYPE = "application/vnd.lpse-hub.sealed-bid+json"


@dataclass(frozen=True, slots=True)
class Question:
    question: str


@dataclass(frozen=True, slots=True)
class Answer:
    answer: str


def file_response(data: bytes, name: str, content_type: str, sha256: str) -> Response[bytes]:
    """A stored file as an attachment, with the digest it was stored under."""
    return Response(
        data,
        media_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Digest": f"sha-256={sha256}"},
    )


def receipt_response(receipt: bytes) -> Response[bytes]:
    return Response(receipt, status_code=201, media_type="application/json")


@contextmanager
def counted_refusals(tenant: TenantRef) -> Iterator[None]:
    """A bid this request refuses is counted, by the kind of refusal, before the error answers."""
    try:
        yield
    except HubError as refusal:
        count_bid_refusal(tenant.slug, refusal)
        raise


class BiddingController(Controller):
    path = "/api/tenders/{tender_id:int}"
    tags = ["bidding"]  # noqa: RUF012

    @post("/documents", summary="Upload a tender document (selection_committee)")
    async def upload(
        self,
        tender_id: FromPath[int],
        caller: NamedDependency[Caller],
        data: Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART)],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        content = await data.read()
        async with tenant_session.begin():
            document = await upload_document(
                tenant_session,
                actor(caller, tenant),
                tender_id,
                data.filename or "",
                data.content_type,
                content,
                STORE,
            )
            return {
                "id": document.id,
                "name": document.name,
                "size": document.size,
                "sha256": document.sha256,
            }

    @get("/documents/{document_id:int}", summary="Download a tender document (registered vendors, officials)")
    async def download(
        self,
        tender_id: FromPath[int],
        document_id: FromPath[int],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        official = await is_official(tenant_session, caller, tenant)
        vendor_id = None if official else await vendor_of(tenant_session, actor(caller, tenant).account_id)
        document, data = await download_document(
            tenant_session, tender_id, document_id, vendor_id=vendor_id, official=official, store=STORE
        )
        return file_response(data, document.name, document.content_type, document.sha256)

    @post("/registrations", summary="Register the caller's vendor for this tender")
    async def register(
        self,
        tender_id: FromPath[int],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            registration = await register_for_tender(tenant_session, actor(caller, tenant), tender_id)
            return {"tender_id": tender_id, "vendor_id": registration.vendor_id}

    @post("/clarifications", summary="Ask a question (registered vendors, during clarification)")
    async def ask(
        self,
        tender_id: FromPath[int],
        data: JSONBody[Question],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            item = await ask(tenant_session, actor(caller, tenant), tender_id, data.question)
            return {"id": item.id, "question": item.question}

    @post("/clarifications/{clarification_id:int}/answer", summary="Answer a question (selection_committee)")
    async def answer(
        self,
        tender_id: FromPath[int],
        clarification_id: FromPath[int],
        data: JSONBody[Answer],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            item = await answer(
                tenant_session, actor(caller, tenant), tender_id, clarification_id, data.answer
            )
            return {"id": item.id, "answer": item.answer}

    @get("/clarifications", summary="Questions and answers (registered vendors see no asker)")
    async def clarifications(
        self,
        tender_id: FromPath[int],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> list[dict[str, Any]]:
        official = await is_official(tenant_session, caller, tenant)
        own = None if official else await registered_vendor(tenant_session, actor(caller, tenant), tender_id)
        zone = ZoneInfo(tenant.timezone)
        return [
            clarification_view(c, zone, show_asker=official, own_vendor=own)
            for c in await clarifications(tenant_session, tender_id)
        ]

    @post("/bids", summary="Submit a bid sealed on the vendor's machine (the bundle as the body)")
    async def submit(
        self,
        tender_id: FromPath[int],
        request: Request[Any, Any, State],
        caller: NamedDependency[Caller],
        state: State,
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        with counted_refusals(tenant):
            bundle = await request.body()
            if len(bundle) > MAX_BUNDLE_BYTES:
                raise InvalidInput("the sealed bundle is too large", field="bundle")
            async with tenant_session.begin():
                accepted = await submit_bid(
                    tenant_session, actor(caller, tenant), tender_id, bundle, state.master
                )
        return receipt_response(accepted.receipt)

    @post("/bids/sealed-by-hub", summary="Upload files and price; the hub seals them with the tender key")
    async def seal_and_submit(
        self,
        tender_id: FromPath[int],
        request: Request[Any, Any, State],
        caller: NamedDependency[Caller],
        state: State,
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        with counted_refusals(tenant):
            form = await request.form()
            try:
                price = int(str(form.get("price", "")))
            except ValueError:
                raise InvalidInput("price must be a whole number of rupiah", field="price") from None
            files = [
                BidFile(f.filename or "file", f.content_type, await f.read())
                for f in (form.getall("files") if "files" in form else [])
                if isinstance(f, UploadFile)
            ]
            if not files:
                raise InvalidInput("a bid needs at least one file", field="files")
            async with tenant_session.begin():
                accepted = await seal_and_submit(
                    tenant_session, actor(caller, tenant), tender_id, price, files, state.master
                )
        return receipt_response(accepted.receipt)

    @post("/opening", summary="Open the bids after submission closes (selection_committee)")
    async def open(
        self,
        tender_id: FromPath[int],
        caller: NamedDependency[Caller],
        state: State,
        tenant: NamedDependency[TenantRef],
        tenant_session: NamedDependency[AsyncSession],
    ) -> dict[str, Any]:
        async with tenant_session.begin():
            opening = await open_bids(tenant_session, actor(caller, tenant), tender_id, state.master)
            return dict(localized(opening, ZoneInfo(tenant.timezone)))
