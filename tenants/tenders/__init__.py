"""One regency's tenders: packages, schedules, documents, clarification, sealed bids, opening."""

from federation.identity.actor import Actor
from hub.core.clock import database_now
from tenants.tenders.acting import get_tender
from tenants.tenders.bidding.bids import AcceptedBid, current_bids, open_bids, seal_and_submit, submit_bid
from tenants.tenders.bidding.integrity import BidMismatch, TenantBids, verify_stored_bids, verify_tenant_bids
from tenants.tenders.bidding.participation import answer, ask, clarifications, register_for_tender, vendor_of
from tenants.tenders.bidding.watch import BidWatch, WatchedBids, watch_unopened_bids
from tenants.tenders.documents import (
    BlobStore,
    PostgresBlobStore,
    download_document,
    list_documents,
    upload_document,
)
from tenants.tenders.preparation.bid_keys import ReceiptSigners
from tenants.tenders.preparation.tenders import (
    PackageInput,
    announce_tender,
    cancel_tender,
    create_package,
    create_tender,
    list_tenders,
    load_schedule,
    reschedule_stage,
    visible_tender,
)
from tenants.tenders.stages import Stage
from tenants.tenders.views import tender_view, tender_views

__all__ = [
    "AcceptedBid",
    "Actor",
    "BidMismatch",
    "BidWatch",
    "BlobStore",
    "PackageInput",
    "PostgresBlobStore",
    "ReceiptSigners",
    "Stage",
    "TenantBids",
    "WatchedBids",
    "announce_tender",
    "answer",
    "ask",
    "cancel_tender",
    "clarifications",
    "create_package",
    "create_tender",
    "current_bids",
    "database_now",
    "download_document",
    "get_tender",
    "list_documents",
    "list_tenders",
    "load_schedule",
    "open_bids",
    "register_for_tender",
    "reschedule_stage",
    "seal_and_submit",
    "submit_bid",
    "tender_view",
    "tender_views",
    "upload_document",
    "vendor_of",
    "verify_stored_bids",
    "verify_tenant_bids",
    "visible_tender",
    "watch_unopened_bids",
]
