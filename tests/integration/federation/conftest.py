"""A small province for the vendor tests: two tenants, their officials and a hub operator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.identity.accounts import create_account, grant_role
from federation.vendors import (
    Vendor,
    VendorSuspension,
    local_today,
    register_vendor,
    suspend_vendor,
    verify_vendor,
)
from hub.core.database import hub_sessions, tenant_session
from tenants.registry import Tenant
from tests.conftest import make_tenant

PASSWORD = "kata-sandi-rahasia-1"
NPWP = "01.234.567.8-901.000"
NPWP_DIGITS = "012345678901000"


@dataclass
class Province:
    """Kabupaten Malang and Kabupaten Blitar on one hub, and who holds which role where."""

    engine: AsyncEngine
    malang: Tenant
    blitar: Tenant
    accounts: dict[str, int] = field(default_factory=dict)
    """Account id by email: ``verifier@`` and ``admin@`` (tenant_admin) ``malang.go.id`` and
    ``blitar.go.id``, ``operator@jatimprov.go.id`` (hub admin) and ``nobody@jatimprov.go.id`` (no role)."""

    def hub(self) -> AsyncSession:
        return hub_sessions(self.engine)()

    def tenant(self, tenant: Tenant) -> AsyncSession:
        return tenant_session(self.engine, tenant.schema)

    def id_of(self, who: str) -> int:
        return self.accounts[who]

    async def add_account(self, email: str, role: str | None = None, slug: str | None = None) -> int:
        async with self.hub() as session, session.begin():
            account = await create_account(session, email, email.split("@")[0].title(), PASSWORD)
            if role is not None:
                await grant_role(session, email, role, slug)
        self.accounts[email] = account.id
        return account.id

    async def register(
        self, npwp: str = NPWP, email: str = "direktur@majujaya.co.id", name: str = "CV Maju Jaya"
    ) -> Vendor:
        async with self.hub() as session, session.begin():
            return await register_vendor(
                session,
                name,
                npwp,
                "1234567890123",
                "Jl. Ijen 1, Malang",
                "3507",
                ["41011"],
                email,
                "Budi Santoso",
                PASSWORD,
            )

    async def verify(
        self,
        vendor_id: int,
        by: str = "verifier@malang.go.id",
        slug: str = "kab-malang",
        checked: Iterable[str] = ("NPWP", "NIB", "akta pendirian"),
    ) -> None:
        async with self.hub() as session, session.begin():
            await verify_vendor(session, vendor_id, self.id_of(by), slug, list(checked), "dokumen asli")

    async def suspend(
        self, vendor_id: int, tenant: Tenant, by: str, days: int = 30, reason: str = "wanprestasi"
    ) -> VendorSuspension:
        ends_on = self.today() + timedelta(days=days)
        async with self.tenant(tenant) as session, session.begin():
            return await suspend_vendor(session, tenant.slug, vendor_id, reason, ends_on, self.id_of(by))

    def today(self) -> date:
        return local_today("Asia/Jakarta")

    async def count(self, model: type[object]) -> int:
        async with self.hub() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest_asyncio.fixture(loop_scope="session")
async def province(clean_identity: AsyncEngine) -> AsyncIterator[Province]:
    province = Province(
        clean_identity,
        await make_tenant(clean_identity, "kab-malang", "3507"),
        await make_tenant(clean_identity, "kab-blitar", "3505"),
    )
    for place in ("malang", "blitar"):
        await province.add_account(f"verifier@{place}.go.id", "verifier", f"kab-{place}")
        await province.add_account(f"admin@{place}.go.id", "tenant_admin", f"kab-{place}")
    await province.add_account("operator@jatimprov.go.id", "hub_admin")
    await province.add_account("nobody@jatimprov.go.id")
    yield province
