"""The public keys that verify bid receipts, so anyone can check a receipt offline.

Only the hub's own keys are listed (their private half opens with the master key and gives the
public key): a row inserted into ``hub.receipt_keys`` by whoever can write to the database is not
published, so a receipt forged under it does not verify with any key listed here. Outsiders who keep
copies of this list (with the keys' fingerprints) can tell a key added later from one they saw.
"""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from hub.web.schemas.bids import ReceiptKeyView
from tenants.tenders.preparation.bid_keys import receipt_public_keys


class ReceiptKeyController(Controller):
    path = "/api/receipt-keys"
    tags = ["bidding"]  # noqa: RUF012

    @get("/", summary="The hub's Ed25519 receipt keys (current first)")
    async def list(self, db_session: NamedDependency[AsyncSession], state: State) -> list[ReceiptKeyView]:
        return [ReceiptKeyView.of(key) for key in await receipt_public_keys(db_session, state.master)]
