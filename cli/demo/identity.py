"""Demo identities for ``serve --demo``: officials with roles in a few regencies, and a client.

Every demo account has the same password, printed at start with every login (``DemoLogin``: who
it is and where it acts) so a newcomer can log in as any of them; the demo is for a laptop, never
for a server. Seeding is idempotent: what exists is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, find_account, grant_role
from federation.identity.models import Role
from federation.oidc.clients import create_client
from federation.oidc.models import OAuthClient
from federation.vendors import register_vendor, suspend_vendor, verify_vendor
from hub.core.database import hub_sessions, tenant_session
from tenants.registry import get_tenant

DEMO_PASSWORD = "demo-lpse-jatim-2026"
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("admin@lpse-hub.demo", "Admin Biro PBJ Jawa Timur", "hub_admin", None),
    ("admin.malang@lpse-hub.demo", "Admin LPSE Kabupaten Malang", "tenant_admin", "kab-malang"),
    ("ppk.malang@lpse-hub.demo", "PPK Dinas PUPR Kabupaten Malang", "commitment_officer", "kab-malang"),
    ("admin.blitar@lpse-hub.demo", "Admin LPSE Kabupaten Blitar", "tenant_admin", "kab-blitar"),
    ("pokja.malang@lpse-hub.demo", "Pokja Pemilihan Kabupaten Malang", "selection_committee", "kab-malang"),
    ("pokja2.malang@lpse-hub.demo", "Anggota Pokja 2 Kabupaten Malang", "selection_committee", "kab-malang"),
    ("pokja3.malang@lpse-hub.demo", "Anggota Pokja 3 Kabupaten Malang", "selection_committee", "kab-malang"),
    (
        "pejabat.malang@lpse-hub.demo",
        "Pejabat Pengadaan Kabupaten Malang",
        "procurement_officer",
        "kab-malang",
    ),
    ("verifikator.surabaya@lpse-hub.demo", "Verifikator LPSE Kota Surabaya", "verifier", "kota-surabaya"),
    ("auditor@lpse-hub.demo", "Inspektorat Provinsi Jawa Timur", "province_auditor", None),
)
ROLE_NAMES = {
    Role.HUB_ADMIN: "hub admin (Biro PBJ)",
    Role.TENANT_ADMIN: "LPSE admin (Admin PPE)",
    Role.COMMITMENT_OFFICER: "commitment officer (PPK)",
    Role.SELECTION_COMMITTEE: "selection committee (Pokja Pemilihan)",
    Role.PROCUREMENT_OFFICER: "procurement officer (Pejabat Pengadaan)",
    Role.VERIFIER: "verifier (Verifikator)",
    Role.AUDITOR: "auditor (APIP)",
    Role.PROVINCE_AUDITOR: "province auditor (Inspektorat)",
}
"""A role as the login table names it: in English, with the Indonesian title officials know."""
PROVINCE = "Provinsi Jawa Timur (every LPSE)"
DEMO_CLIENT = "lpse-hub demo (public)"
DEMO_MONITORING_CLIENT = "e-Monev Jawa Timur (demo)"
"""A third-party application that may only log people in and read the coordination review: its consent
page lists those scopes, and its tokens are refused everywhere else (403, insufficient_scope)."""
DEMO_MONITORING_SCOPES = ("openid", "profile", "review:read")
# name, NPWP, home regency, KBLI, user email, verified by Surabaya's verifier?, suspended in
DEMO_VENDORS: tuple[tuple[str, str, str, list[str], str, bool, str | None], ...] = (
    (
        "CV Maju Jaya Konstruksi",
        "01.234.567.8-652.000",
        "3507",
        ["41011", "42101"],
        "direktur@majujaya.demo",
        True,
        None,
    ),
    (
        "PT Karya Surabaya Mandiri",
        "02.345.678.9-614.000",
        "3578",
        ["41012", "43211"],
        "direktur@karyasurabaya.demo",
        True,
        "kab-blitar",
    ),
    (
        "CV Sumber Rejeki Blitar",
        "03.456.789.0-653.000",
        "3505",
        ["46100"],
        "direktur@sumberrejeki.demo",
        False,
        None,
    ),
    (
        "PT Bromo Tengger Konstruksi",
        "04.567.890.1-625.000",
        "3513",
        ["41012", "42101"],
        "direktur@bromotengger.demo",
        True,
        None,
    ),
    (
        "CV Brantas Kediri Abadi",
        "05.678.901.2-655.000",
        "3506",
        ["41011", "46100"],
        "direktur@brantaskediri.demo",
        True,
        None,
    ),
    (
        "PT Delta Sidoarjo Utama",
        "06.789.012.3-617.000",
        "3515",
        ["42101", "46100"],
        "direktur@deltasidoarjo.demo",
        True,
        None,
    ),
)


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """One demo login as ``serve --demo`` prints it: the email, the role, and where it acts (the
    regency of an official's role, or the province; a vendor's company)."""

    email: str
    role: str
    where: str


@dataclass(frozen=True, slots=True)
class DemoIdentity:
    emails: list[str]
    client_id: str
    monitoring_client_id: str
    logins: list[DemoLogin]


async def demo_logins(engine: AsyncEngine) -> list[DemoLogin]:
    """Every official's and every vendor's login, officials first, in the order they were seeded."""
    async with hub_sessions(engine)() as session:
        regencies = {slug: (await get_tenant(session, slug)).name for *_, slug in DEMO_ACCOUNTS if slug}
    officials = [
        DemoLogin(email, ROLE_NAMES[Role(role)], regencies[slug] if slug else PROVINCE)
        for email, _, role, slug in DEMO_ACCOUNTS
    ]
    vendors = [
        DemoLogin(email, "vendor (penyedia)" if verified else "vendor, not verified yet", name)
        for name, _, _, _, email, verified, _ in DEMO_VENDORS
    ]
    return officials + vendors


def logins_table(logins: list[DemoLogin], password: str) -> str:
    """The logins as a plain-text table (a terminal, a log file: no box drawing), then the password
    they all share."""
    rows = [("email", "role", "regency / company"), *((x.email, x.role, x.where) for x in logins)]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    lines = [f"  {email:<{widths[0]}}  {role:<{widths[1]}}  {where}" for email, role, where in rows]
    return "\n".join((*lines, f"  password (every demo login): {password}"))


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
        client_id = client.client_id
        monitoring = await session.scalar(
            select(OAuthClient).where(OAuthClient.name == DEMO_MONITORING_CLIENT)
        )
        if monitoring is None:
            monitoring, _ = await create_client(
                session,
                DEMO_MONITORING_CLIENT,
                [redirect_uri],
                confidential=False,
                scopes=DEMO_MONITORING_SCOPES,
            )
        monitoring_client_id = monitoring.client_id
    await _seed_vendors(engine)
    logins = await demo_logins(engine)
    return DemoIdentity([e for e, *_ in DEMO_ACCOUNTS], client_id, monitoring_client_id, logins)


async def _seed_vendors(engine: AsyncEngine) -> None:
    """Six vendors from six regencies: five verified in Surabaya (one of them suspended in Blitar),
    one still waiting for its verification."""
    async with hub_sessions(engine)() as session:
        verifier = await find_account(session, "verifikator.surabaya@lpse-hub.demo")
        admin = await find_account(session, "admin.blitar@lpse-hub.demo")
    if verifier is None or admin is None:
        raise RuntimeError("seed the demo accounts before the demo vendors")
    for name, npwp, regency, kbli, email, verified, suspended_in in DEMO_VENDORS:
        async with hub_sessions(engine)() as session, session.begin():
            if await find_account(session, email) is not None:
                continue
            vendor = await register_vendor(
                session,
                name,
                npwp,
                None,
                f"Jl. Demo 1, {regency}",
                regency,
                kbli,
                email,
                "Direktur " + name,
                DEMO_PASSWORD,
            )
            if verified:
                await verify_vendor(
                    session,
                    vendor.id,
                    verifier.id,
                    "kota-surabaya",
                    ["NPWP", "NIB", "akta pendirian", "SBU"],
                    "demo",
                )
        if suspended_in is not None:
            async with hub_sessions(engine)() as session:
                tenant = await get_tenant(session, suspended_in)
            async with tenant_session(engine, tenant.schema) as session, session.begin():
                await suspend_vendor(
                    session,
                    suspended_in,
                    vendor.id,
                    "wanprestasi pada paket 2025 (demo)",
                    date.today() + timedelta(days=180),
                    admin.id,
                )
