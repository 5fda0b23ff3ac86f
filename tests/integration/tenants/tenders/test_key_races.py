"""Keys created on first use stay one key when the first uses come at once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import hub_sessions
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from tenants.tenders.bid_key_models import ReceiptKey, TenantKey
from tenants.tenders.preparation.bid_keys import receipt_signer, tenant_key
from tests.conftest import make_tenant


async def test_first_announcements_at_once_share_one_tenant_key(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    assert settings.master_key is not None
    master = MasterKey.parse(settings.master_key)
    await make_tenant(clean_identity, "kab-malang", "3507")

    async def first_use() -> bytes:
        async with hub_sessions(clean_identity)() as session, session.begin():
            return await tenant_key(session, master, "3507")

    keys = await asyncio.gather(*(first_use() for _ in range(8)))
    assert len(set(keys)) == 1
    async with hub_sessions(clean_identity)() as session:
        assert await session.scalar(select(func.count()).select_from(TenantKey)) == 1


async def test_first_bids_at_once_share_one_receipt_key(
    clean_identity: AsyncEngine, settings: Settings
) -> None:
    assert settings.master_key is not None
    master = MasterKey.parse(settings.master_key)
    async with hub_sessions(clean_identity)() as session, session.begin():
        for key in (await session.execute(select(ReceiptKey))).scalars():
            await session.delete(key)

    async def first_use() -> str:
        async with hub_sessions(clean_identity)() as session, session.begin():
            kid, _ = await receipt_signer(session, master)
            return kid

    kids = await asyncio.gather(*(first_use() for _ in range(8)))
    assert len(set(kids)) == 1
    async with hub_sessions(clean_identity)() as session:
        current = select(func.count()).select_from(ReceiptKey).where(ReceiptKey.retired_at.is_(None))
        assert await session.scalar(current) == 1
