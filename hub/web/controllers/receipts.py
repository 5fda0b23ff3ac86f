"""The public keys that verify bid receipts, so anyone can check a receipt offline."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from hub.web.schemas.bids import ReceiptKeyView
from tenants.tenders.preparation.bid_keys import receipt_public_keys


class ReceiptKeyController(Controller):
    path = "/api/receipt-keys"
    tags = ["bidding"]  # noqa: RUF012

    @get("/", summary="The hub's Ed25519 receipt keys (current first)")
    async def list(self, db_session: NamedDependency[AsyncSession]) -> list[ReceiptKeyView]:
        return [ReceiptKeyView.of(key) for key in await receipt_public_keys(db_session)]
