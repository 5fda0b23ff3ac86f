"""Taking part in a tender over HTTP: registration, documents, clarification, sealed bids, opening."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.errors import HubError
from hub.web.auth import IN_TRANSACTION, requires, token_standing
from hub.web.body_limits import BUNDLE_BODY_BYTES, DOCUMENT_FORM, SEALED_BY_HUB_FORM
from hub.web.files import STORE, file_response
from hub.web.schemas.bids import (
    Answer,
    BidReceipt,
    ClarificationView,
    DocumentUploadOperation,
    FileDownloadOperation,
    OpeningView,
    Question,
    QuestionAnswered,
    QuestionAsked,
    RegistrationView,
    SealedBidOperation,
    SealedByHubOperation,
    UploadedDocument,
    bid_price,
)
from hub.web.schemas.tenders import Id
from hub.web.uploads import received_body, received_form
from monitoring.metrics import count_bid_refusal
from tenants.registry import TenantRef
from tenants.sealing import BidFile, OpenedBid, decode_signature
from tenants.tenders import (
    answer,
    ask,
    clarifications,
    download_document,
    open_bids,
    register_for_tender,
    seal_and_submit,
    upload_document,
    vendor_of,
)
from tenants.tenders.bidding.batch import BidToStore
from tenants.tenders.bidding.bids import parsed_bundle
from tenants.tenders.bidding.participation import registered_vendor
from tenants.tenders.views import clarification_view


def receipted(route: dict[str, Any]) -> dict[str, Any]:
    """A bid route's arguments (``requires``), its answer described: the receipt."""
    receipt = ResponseSpec(
        data_container=BidReceipt,
        media_type="application/json",
        description="Accepted before the deadline: the receipt, exactly as signed.",
        generate_examples=False,
    )
    return route | {"responses": {**route["responses"], 201: receipt}}


def receipt_response(receipt: bytes) -> Response[bytes]:
    """The receipt's own bytes: its signature covers them, so they are not decoded and re-encoded."""
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

    @post(
        "/documents",
        summary="Upload a tender document (selection_committee)",
        operation_class=DocumentUploadOperation,
        request_max_body_size=DOCUMENT_FORM.body,
        **requires(Action.TENDER_PREPARE, errors=(400, 409, 413, 503)),
    )
    async def upload(
        self,
        tender_id: Id,
        request: Request[Any, Any, State],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> UploadedDocument:
        async with received_form(request, DOCUMENT_FORM) as form:
            file = form.one_file("file")
            content = await file.read()
            document = await upload_document(
                transaction, actor, tender_id, file.name, file.content_type, content, STORE
            )
        return UploadedDocument.of(document)

    @get(
        "/documents/{document_id:int}",
        summary="Download a tender document (registered vendors, the tenant's officials)",
        operation_class=FileDownloadOperation,
        **requires(Action.TENDER_FOLLOW, errors=(400,)),
    )
    async def download(
        self,
        tender_id: Id,
        document_id: Id,
        actor: NamedDependency[Actor],
        official: NamedDependency[bool],
        tenant_session: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        vendor_id = None if official else await vendor_of(tenant_session, actor.account_id)
        document, data = await download_document(
            tenant_session, tender_id, document_id, vendor_id=vendor_id, official=official, store=STORE
        )
        return file_response(data, document.name, document.content_type, document.sha256)

    @post(
        "/registrations",
        summary="Register the caller's vendor for this tender",
        **requires(Action.VENDOR_ACT, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def register(
        self,
        tender_id: Id,
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> RegistrationView:
        return RegistrationView.of(await register_for_tender(transaction, actor, tender_id))

    @post(
        "/clarifications",
        summary="Ask a question (registered vendors, during clarification)",
        **requires(Action.VENDOR_ACT, errors=(400, 409)),
    )
    async def ask(
        self,
        tender_id: Id,
        data: JSONBody[Question],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> QuestionAsked:
        return QuestionAsked.of(await ask(transaction, actor, tender_id, data.question))

    @post(
        "/clarifications/{clarification_id:int}/answer",
        summary="Answer a question (selection_committee)",
        **requires(Action.TENDER_PREPARE, errors=(400, 409)),
    )
    async def answer(
        self,
        tender_id: Id,
        clarification_id: Id,
        data: JSONBody[Answer],
        actor: NamedDependency[Actor],
        transaction: NamedDependency[AsyncSession],
    ) -> QuestionAnswered:
        return QuestionAnswered.of(await answer(transaction, actor, tender_id, clarification_id, data.answer))

    @get(
        "/clarifications",
        summary="Questions and answers (registered vendors, without the asker; the tenant's officials)",
        **requires(Action.TENDER_FOLLOW, errors=(400,)),
    )
    async def clarifications(
        self,
        tender_id: Id,
        actor: NamedDependency[Actor],
        official: NamedDependency[bool],
        tenant_session: NamedDependency[AsyncSession],
    ) -> list[ClarificationView]:
        own = None if official else await registered_vendor(tenant_session, actor, tender_id)
        zone = ZoneInfo(actor.tenant.timezone)
        return [
            ClarificationView.of(clarification_view(c, zone, show_asker=official, own_vendor=own))
            for c in await clarifications(tenant_session, tender_id)
        ]

    @post(
        "/bids",
        summary="Submit a bid sealed on the vendor's machine (the bundle as the body)",
        operation_class=SealedBidOperation,
        request_max_body_size=BUNDLE_BODY_BYTES,
        **receipted(requires(Action.VENDOR_ACT, errors=(400, 409, 413, 422, 503), standing=IN_TRANSACTION)),
    )
    async def submit(
        self,
        tender_id: Id,
        request: Request[Any, Any, State],
        tenant: NamedDependency[TenantRef],
        state: State,
    ) -> Response[bytes]:
        # The deadline rush's route: the bid is handed to the tenant's writer, which judges and stores
        # it with the others that arrived meanwhile, in one transaction (``tenants.tenders.bidding
        # .writer``: one holding of the audit chain's lock and one commit for them all, issue 20).
        # The token's standing (revoked? the account active? the role?) is judged by the bid's first
        # statement in that transaction, before anything of the bid, not on a connection of its own.
        standing = token_standing(request, tenant.id)
        actor = Actor(standing.account_id, tenant)
        # the bytes themselves: the receipt signs their digest
        async with received_body(request) as bundle:
            with counted_refusals(tenant):
                bid = BidToStore(actor, tender_id, bundle, standing, parsed=parsed_bundle(bundle))
                outcome = await state.bid_writers.of(tenant.schema).handed(bid)
        # The upload slot is free once the writer holds the bundle (its memory bounded by the writers'
        # own ``ByteBudget``): with the slot held to the commit, a process's two slots made every
        # batch one of two bids at most (issue 20).
        with counted_refusals(tenant):
            accepted = await outcome
        return receipt_response(accepted.receipt)

    @post(
        "/bids/sealed-by-hub",
        summary="Upload files and price, with the vendor's signature over their content statement; the "
        "hub checks it and seals them with the tender key",
        operation_class=SealedByHubOperation,
        request_max_body_size=SEALED_BY_HUB_FORM.body,
        **receipted(requires(Action.VENDOR_ACT, errors=(400, 409, 413, 422, 503))),
    )
    async def seal_and_submit(
        self,
        tender_id: Id,
        request: Request[Any, Any, State],
        actor: NamedDependency[Actor],
        state: State,
        transaction: NamedDependency[AsyncSession],
    ) -> Response[bytes]:
        async with received_form(request, SEALED_BY_HUB_FORM) as form:
            with counted_refusals(actor.tenant):
                price = bid_price(form.text("price"))
                signer, signature = form.text("signer"), decode_signature(form.text("signature") or "")
                files = [
                    BidFile(f.name or "file", f.content_type, await f.read()) for f in form.files_of("files")
                ]
                submitted = OpenedBid(price, files, signer, signature)
                accepted = await seal_and_submit(transaction, actor, tender_id, submitted, state.master)
        return receipt_response(accepted.receipt)

    @post(
        "/opening",
        summary="Open the bids after submission closes (selection_committee; procurement_officer for direct)",
        **requires(Action.TENDER_RUN, errors=(400, 409), standing=IN_TRANSACTION),
    )
    async def open(
        self,
        tender_id: Id,
        actor: NamedDependency[Actor],
        state: State,
        transaction: NamedDependency[AsyncSession],
    ) -> OpeningView:
        opening = await open_bids(
            transaction, actor, tender_id, state.master, unsealer=state.unsealing, outages=state.outage_rule
        )
        return await OpeningView.shown(opening, ZoneInfo(actor.tenant.timezone))
