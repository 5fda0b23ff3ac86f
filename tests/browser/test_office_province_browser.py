"""The province's office pages and a tenant's audit trail in a real browser: each page accessible,
light, under its own policy and fitting a phone (``check_page``); the bureau provisions a regency by
the form; and the audit trail's script recomputes the chain exactly as ``tenants.audit.canonical``
does (the same hashes for awkward payloads), says it holds, and reports an entry edited in the
database behind the hub's back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account, grant_role
from hub.core.database import hub_sessions, tenant_session
from hub.core.master_key import MasterKey
from tenants.audit import GENESIS_HASH, checkpoint_chain, entry_hash
from tenants.audit.canonical import iso_utc
from tests.browser.page_check import check_page, fresh_context
from tests.e2e.procurement import Client, Desk, regency
from tests.e2e.tampering import edit_audit_action
from tests.live_server import LiveHub

PASSWORD = "rahasia-biro-pbj-2026"


async def official(engine: AsyncEngine, role: str, tenant: str | None) -> str:
    email = f"{role}.{uuid.uuid4().hex[:8]}@jatimprov.go.id"
    async with hub_sessions(engine)() as session, session.begin():
        await create_account(session, email, "Pejabat", PASSWORD, email_verified=True)
        await grant_role(session, email, role, tenant)
    return email


async def logged_in(browser: Browser, live: LiveHub, email: str, start: str) -> BrowserContext:
    """A context whose person logged in through the office's login (the hub's provider's form)."""
    context = await fresh_context(browser)
    page = await context.new_page()
    await page.goto(live.url + start)
    assert page.url.startswith(f"{live.url}/login"), page.url
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Kata sandi / Password").fill(PASSWORD)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Masuk").click()
    assert page.url == live.url + start, page.url
    await page.close()
    return context


async def test_the_province_pages_and_provisioning_a_regency(
    browser: Browser, live: LiveHub, clean_identity: AsyncEngine, client: Client
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    await Desk(client, clean_identity, malang).announce(
        "Rehabilitasi Jalan Kepanjen", owner_estimate=750_000_000
    )
    bureau = await official(clean_identity, "hub_admin", None)
    context = await logged_in(browser, live, bureau, "/kantor/provinsi")
    try:
        page = await context.new_page()
        for name, path in (
            ("office-province", "/kantor/provinsi"),
            ("office-review", "/kantor/provinsi/rakor"),
            ("office-red-flags", "/kantor/provinsi/tanda-bahaya"),
            ("office-provision", "/kantor/provinsi/lpse-baru"),
        ):
            checked = await check_page(page, live.url + path, name)
            assert "Kabupaten Malang" in checked.text or name == "office-provision", name
        assert await page.locator("figure svg").count() == 0  # the provisioning page: no charts
        await page.goto(f"{live.url}/kantor/provinsi/rakor")
        assert await page.locator("figure svg").count() == 3  # per LPSE twice, and the monthly trend

        await page.goto(f"{live.url}/kantor/provinsi/lpse-baru")
        await page.get_by_label("Kode wilayah").fill("3579")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Buat LPSE").click()
        assert page.url.endswith("/kantor/provinsi/lpse-baru?dibuat=kota-batu"), page.url
        assert "Kota Batu" in await page.inner_text("main")
        await page.get_by_label("Kode wilayah").fill("3579")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Buat LPSE").click()
        assert "exists already" in await page.inner_text("#code-error")  # the service's sentence
    finally:
        await context.close()


async def _verdict(page: Page) -> tuple[str, str]:
    check = page.locator("#browser-check[data-result]")
    await check.wait_for()
    return str(await check.get_attribute("data-result")), await check.inner_text()


AWKWARD: dict[str, Any] = {
    "title": 'Jalan "Desa" Sumberejo\\Kepanjen\n\t\u2028 é ü 😀',
    "whole": 1.0,
    "tiny": 1e-07,
    "large": 1e20,
    "huge": 123456789012345678901234567890,
    "negative": -0.5,
    "none": None,
    "flags": [True, False, [], {}],
    "keys": {"\uffff": 1, "😀": 2, "Z": 3, "a": 4, "é": 5, "\u0001": 6},
}
"""Payload values where a careless JSON writer differs from Python's: escapes, floats written with a
fraction or an exponent, integers beyond a double, and keys that UTF-16 sorts otherwise."""


async def test_the_audit_trail_is_recomputed_in_the_page(
    browser: Browser, live: LiveHub, clean_identity: AsyncEngine, client: Client
) -> None:
    malang = await regency(client, clean_identity, "kab-malang", "3507")
    await Desk(client, clean_identity, malang).announce(
        "Rehabilitasi Jalan Kepanjen", owner_estimate=750_000_000
    )
    async with tenant_session(clean_identity, malang.schema) as session, session.begin():
        await checkpoint_chain(session, malang.code, MasterKey.parse(live.master_key))
    auditor = await official(clean_identity, "auditor", "kab-malang")
    context = await logged_in(browser, live, auditor, "/kantor/kab-malang/audit")
    try:
        page = await context.new_page()
        await check_page(page, f"{live.url}/kantor/kab-malang/audit", "office-audit")
        result, said = await _verdict(page)
        assert result == "holds", said
        assert "cocok dengan checkpoint bertanda tangan terakhir" in said

        at = datetime(2026, 11, 27, 2, 15, 0, 123456, tzinfo=UTC)
        stored = json.loads(json.dumps(AWKWARD))  # what the page's server reads back: plain JSON
        expected = entry_hash(
            GENESIS_HASH,
            seq=7,
            at=at,
            actor_id=None,
            action="tender.announced",
            subject="tender:1",
            payload=stored,
        )
        entry = {
            "seq": 7,
            "at": iso_utc(at),
            "actor_id": "",
            "action": "tender.announced",
            "subject": "tender:1",
            "payload": json.dumps(stored, ensure_ascii=False),
        }
        computed = await page.evaluate(
            "async ([prev, entry]) => (await import('/static/audit-verify.js')).entryHash(prev, entry)",
            [GENESIS_HASH, entry],
        )
        assert computed == expected

        await edit_audit_action(clean_identity, malang.schema, 1, "tender.forged")
        await page.reload()
        result, said = await _verdict(page)
        assert result == "broken", said
        assert "entri 1 TIDAK cocok" in said
        assert await page.locator('tr[data-seq="1"] .entry-mark').inner_text() == "✗"
        assert "rantai TIDAK utuh" in await page.inner_text("#server-check")  # the server agrees
    finally:
        await context.close()
