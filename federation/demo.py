"""Demo identities for ``serve --demo``: officials with roles in a few regencies, and a client.

Every demo account has the same password, printed at start; the demo is for a laptop, never for a
server. Seeding is idempotent: what exists is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, find_account, grant_role
from federation.oidc.clients import create_client
from federation.oidc.models import OAuthClient
from hub.database import hub_sessions

DEMO_PASSWORD = "demo-lpse-jatim-2026"
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("admin@lpse-hub.demo", "Admin Biro PBJ Jawa Timur", "hub_admin", None),
    ("admin.malang@lpse-hub.demo", "Admin LPSE Kabupaten Malang", "tenant_admin", "kab-malang"),
    ("ppk.malang@lpse-hub.demo", "PPK Dinas PUPR Kabupaten Malang", "commitment_officer", "kab-malang"),
    ("pokja.malang@lpse-hub.demo", "Pokja Pemilihan Kabupaten Malang", "selection_committee", "kab-malang"),
    ("verifikator.surabaya@lpse-hub.demo", "Verifikator LPSE Kota Surabaya", "verifier", "kota-surabaya"),
    ("auditor@lpse-hub.demo", "Inspektorat Provinsi Jawa Timur", "province_auditor", None),
)
DEMO_CLIENT = "lpse-hub demo (public)"


@dataclass(frozen=True, slots=True)
class DemoIdentity:
    emails: list[str]
    client_id: str


async def seed_identity_demo(engine: AsyncEngine, redirect_uri: str) -> DemoIdentity:
    async with hub_sessions(engine)() as session, session.begin():
        for email, name, role, tenant in DEMO_ACCOUNTS:
            if await find_account(session, email) is None:
                await create_account(session, email, name, DEMO_PASSWORD, email_verified=True)
                await grant_role(session, email, role, tenant)
        client = await session.scalar(select(OAuthClient).where(OAuthClient.name == DEMO_CLIENT))
        if client is None:
            client, _ = await create_client(
                session, DEMO_CLIENT, [redirect_uri], confidential=False, first_party=True
            )
        return DemoIdentity([e for e, *_ in DEMO_ACCOUNTS], client.client_id)
