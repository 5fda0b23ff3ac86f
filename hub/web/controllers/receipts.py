"""The public keys that verify bid receipts, so anyone can check a receipt offline."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from tenants.tenders.preparation.bid_keys import receipt_public_keys


class ReceiptKeyController(Controller):
    path = "/api/receipt-keys"
    tags = ["bidding"]  # noqa: RUF012

    @get("/", summary="The hub's Ed25519 receipt keys (current first)")
    async def list(self, db_session: NamedDependency[AsyncSession]) -> list[dict[str, Any]]:
        return [
            {
                "kid": k.kid,
                "public_key": k.public_key,
                "created_at": k.created_at.isoformat(),
                "retired_at": k.retired_at.isoformat() if k.retired_at else None,
            }
            for k in await receipt_public_keys(db_session)
        ]
