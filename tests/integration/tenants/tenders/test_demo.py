"""The demo ``serve --demo`` seeds: Kabupaten Malang shows a tender at every stage, seeded once; its
Pokja holds the keys of its tenders in shares, and its opened tenders were opened with them; every
official's and vendor's login is printed, and opens with the printed password."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.demo.custody import (
    DEMO_COMMITTEE,
    DEMO_KEY_PASSPHRASE,
    RECOVERY_FILE,
    member_key_file,
)
from cli.demo.identity import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_VENDORS,
    logins_table,
    seed_identity_demo,
)
from cli.demo.plans import PLAN
from cli.demo.province import seed_demo
from cli.demo.tenders import DEMO_TENANT, seed_tender_demo
from federation.catalogue.models import CatalogueEntry
from federation.identity.login import LoginAttempt, authenticate
from federation.identity.password_threads import PasswordThreads
from federation.oidc.models import OAuthClient
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from hub.core.settings import Settings
from monitoring.reviews.period import Period
from monitoring.reviews.trace import tenant_trace
from tenants.plans import list_plan_items
from tenants.registry import resolve_tenant
from tenants.sealing.key_shares import load_member_key_pem, raw_public, recovery_key_from_words
from tenants.tenders.custody import member_keys
from tenants.tenders.custody.rules import custody_rules
from tenants.tenders.implementation import read_implementation
from tenants.tenders.models import Package, Tender
from tenants.tenders.outages import extended_end
from tenants.tenders.outcome_models import Assessment, Award, Contract, Objection
from tenants.tenders.preparation.tenders import list_tenders


async def _seed(engine: AsyncEngine, settings: Settings, key_dir: Path) -> None:
    await seed_demo(engine, concurrency=4)
    await seed_identity_demo(engine, "http://127.0.0.1:8000/callback")
    await seed_tender_demo(engine, MasterKey.parse(settings.master_key or ""), key_dir)


async def test_the_demo_shows_a_tender_at_every_stage_and_seeds_once(
    clean_identity: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    engine = clean_identity
    await _seed(engine, settings, tmp_path)
    async with hub_sessions(engine)() as session:
        tenant = await resolve_tenant(session, slug=DEMO_TENANT)
    async with tenant_session(engine, tenant.schema) as session:
        tenders = await list_tenders(session, include_drafts=True)
        by_title = {package.title: tender for tender, package in tenders}
        assert Counter(t.status for t, _ in tenders) == {
            "draft": 2,  # one never announced, one the re-tender of the failed tender
            "announced": 4,  # one pulled forward (the red flags H04 and R003), one extended (an outage)
            "opened": 2,  # one just opened, one in evaluation
            "award_announced": 1,
            "contracted": 3,
            "failed": 1,
        }

        evaluating = by_title["Pembangunan Jembatan Sungai Lesti Dampit"]
        verdicts = await session.scalars(select(Assessment).where(Assessment.tender_id == evaluating.id))
        failed = [(a.aspect, a.reason) for a in verdicts if not a.passed]
        assert failed == [("administrative", "Jaminan penawaran tidak dilampirkan")]

        objecting = by_title["Rehabilitasi Gedung SMP Negeri 1 Singosari"]
        objection = await session.scalar(select(Objection).where(Objection.tender_id == objecting.id))
        assert objection is not None
        assert objection.answered_at is None
        award = await session.get(Award, (objecting.id, objecting.round))
        assert award is not None
        assert award.objection_ends_at is not None
        assert award.objection_ends_at > await session.scalar(select(func.now()))  # still in its period

        road = by_title["Peningkatan Jalan Tumpang - Poncokusumo"]
        answered = await session.scalar(select(Objection).where(Objection.tender_id == road.id))
        assert answered is not None
        assert answered.upheld is False

        merit = by_title["Pengadaan Ambulans Puskesmas Kabupaten Malang"]
        assert (merit.evaluation, merit.status) == ("merit_point", "contracted")

        failed_tender = next(t for t, _ in tenders if t.status == "failed")
        assert failed_tender.fail_reason
        retender = next(t for t, _ in tenders if t.retender_of == failed_tender.id)
        assert retender.status == "draft"

        cut = by_title["Penggantian Jembatan Sumberpucung"]
        assert await extended_end(session, cut.id) is not None  # the demo's recorded outage moved it

        direct = by_title["Pengadaan Laptop dan Printer Bappeda"]
        assert (direct.is_direct, direct.status) == (True, "contracted")
        contract = await session.get(Contract, direct.id)
        assert contract is not None
        assert contract.value == 176_500_000

    await _seed(engine, settings, tmp_path)  # a second start leaves the demo as it is
    async with tenant_session(engine, tenant.schema) as session:
        assert await session.scalar(select(func.count()).select_from(Tender)) == len(tenders)
        assert await session.scalar(select(func.count()).select_from(Package)) == len(tenders) - 1
        public = [t for t, _ in tenders if t.announced_at is not None]
        catalogue = await session.execute(
            select(CatalogueEntry.tender_id, CatalogueEntry.status).where(
                CatalogueEntry.tenant_code == "3507"
            )
        )
        assert {row.tender_id: row.status for row in catalogue} == {
            t.id: t.status for t in public
        }  # drafts never public


async def test_the_demos_pokja_holds_the_keys_and_opened_its_tenders_with_shares(
    clean_identity: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    engine = clean_identity
    await _seed(engine, settings, tmp_path)
    async with hub_sessions(engine)() as session:
        tenant = await resolve_tenant(session, slug=DEMO_TENANT)
    async with tenant_session(engine, tenant.schema) as session:
        rules = await custody_rules(session)
        registered = {k.account_id: k.public_key for k in await member_keys(session)}
        tenders = [t for t, _ in await list_tenders(session, include_drafts=True)]
    assert (rules.key_custody, rules.share_threshold) == ("committee", 2)
    # Each member's key file opens with the demo's passphrase and is the key the hub registered.
    files = [load_member_key_pem(member_key_file(tmp_path, e).read_bytes(), DEMO_KEY_PASSPHRASE.encode())
             for e in DEMO_COMMITTEE]  # fmt: skip
    assert sorted(raw_public(k) for k in files) == sorted(registered.values())
    for path in [*(member_key_file(tmp_path, e) for e in DEMO_COMMITTEE), tmp_path / RECOVERY_FILE]:
        assert path.stat().st_mode & 0o077 == 0  # readable by their owner only
    words = (tmp_path / RECOVERY_FILE).read_text().splitlines()[-1]
    assert raw_public(recovery_key_from_words(words))  # the recovery words read back
    opened = [t for t in tenders if t.opening is not None]
    committee_held = [t for t in opened if t.key_custody == "committee"]
    assert len(committee_held) == len(opened) - 1  # all but the direct procurement (never announced)
    assert {t.is_direct for t in opened if t.key_custody != "committee"} == {True}
    assert "opened" in {t.status for t in committee_held}  # the tender opened at the first start
    for tender in committee_held:
        assert tender.opening is not None
        custody = tender.opening["key_custody"]
        assert (custody["mode"], custody["threshold"], custody["used"]) == ("committee", 2, [0, 1])
        assert [h["holder"] for h in custody["holders"]] == ["member", "member", "member", "recovery"]
        assert tender.opening["bids"]
        assert all(b["status"] == "ok" for b in tender.opening["bids"])


async def test_the_demo_has_a_third_party_client_limited_to_its_scopes(clean_identity: AsyncEngine) -> None:
    """The e-monev client shows scopes at work: it may log people in and read the review, nothing else."""
    await seed_demo(clean_identity, concurrency=4)
    first = await seed_identity_demo(clean_identity, "http://127.0.0.1:8000/callback")
    again = await seed_identity_demo(clean_identity, "http://127.0.0.1:8000/callback")
    assert again.monitoring_client_id == first.monitoring_client_id  # seeded once
    async with hub_sessions(clean_identity)() as session:
        monitoring = await session.scalar(
            select(OAuthClient).where(OAuthClient.client_id == first.monitoring_client_id)
        )
        hub_client = await session.scalar(select(OAuthClient).where(OAuthClient.client_id == first.client_id))
    assert monitoring is not None
    assert hub_client is not None
    assert (monitoring.scope.split(), monitoring.first_party) == (["openid", "profile", "review:read"], False)
    assert "lpse" in hub_client.scope.split()
    assert hub_client.first_party


async def test_the_demo_prints_every_login_with_its_role_where_it_acts_and_the_password(
    clean_identity: AsyncEngine,
) -> None:
    await seed_demo(clean_identity, concurrency=4)
    identity = await seed_identity_demo(clean_identity, "http://127.0.0.1:8000/callback")
    table = logins_table(identity.logins, DEMO_PASSWORD).splitlines()
    assert table[0].split() == ["email", "role", "regency", "/", "company"]
    rows = {line.split()[0]: line for line in table[1:-1]}
    assert list(rows) == [email for email, *_ in DEMO_ACCOUNTS] + [v[4] for v in DEMO_VENDORS]
    assert "selection committee (Pokja Pemilihan)" in rows["pokja.malang@lpse-hub.demo"]
    assert rows["pokja.malang@lpse-hub.demo"].endswith("Kabupaten Malang")
    assert rows["verifikator.surabaya@lpse-hub.demo"].endswith("Kota Surabaya")
    assert rows["admin@lpse-hub.demo"].endswith("Provinsi Jawa Timur (every LPSE)")
    assert "vendor (penyedia)" in rows["direktur@majujaya.demo"]
    assert rows["direktur@majujaya.demo"].endswith("CV Maju Jaya Konstruksi")
    assert table[-1].endswith(DEMO_PASSWORD)
    sessions = hub_sessions(clean_identity)
    for login in identity.logins:  # each one as printed opens
        with PasswordThreads(1) as passwords:
            account = await authenticate(
                sessions, passwords, LoginAttempt(login.email, DEMO_PASSWORD, "192.0.2.7")
            )
        assert account.email == login.email


async def test_the_demo_traces_malangs_plan_to_its_contracts_payments_and_progress(
    clean_identity: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    engine = clean_identity
    await _seed(engine, settings, tmp_path)
    async with hub_sessions(engine)() as session:
        tenant = await resolve_tenant(session, slug=DEMO_TENANT)
    async with tenant_session(engine, tenant.schema) as session:
        plan = {view.item.name: view for view in await list_plan_items(session)}
        assert len(plan) == len(PLAN)
        procured = {
            title
            for title in await session.scalars(select(Package.title).where(Package.plan_item_id.is_not(None)))
        }
        assert procured == set(plan) - {
            "Pembangunan Puskesmas Pembantu Wonosari",
            "Pengadaan Meubelair Sekolah Dasar",
        }
        tenders = await list_tenders(session, include_drafts=False)
        contracts = {p.title: t.id for t, p in tenders if t.status == "contracted"}
        road = await read_implementation(session, contracts["Peningkatan Jalan Tumpang - Poncokusumo"])
        assert (road.paid, len(road.amendments), road.progress_percent) == (462_000_000, 1, Decimal("7.50"))
        ambulances = await read_implementation(
            session, contracts["Pengadaan Ambulans Puskesmas Kabupaten Malang"]
        )
        assert (ambulances.paid, ambulances.progress_percent) == (1_150_000_000, Decimal(100))
        [trace] = [
            a.trace
            for a in await tenant_trace(
                session, tenant.timezone, Period(date(2026, 1, 1), date(2026, 12, 31))
            )
            if a.name == "Dinas Kesehatan"
        ]
    assert trace.untendered == 1  # the sub-health-centre planned for August
    assert trace.paid == 1_150_000_000
