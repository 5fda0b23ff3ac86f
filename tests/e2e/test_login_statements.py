"""A password login pinned: what one login through the login page costs the database (issue 20).

On a deadline day officials and vendors log in by the hundred while bids arrive; each login's
statements run on the event loop that also answers every other request (the password itself is
hashed in a thread, ``federation.identity.password_threads``). A change that adds a round trip to a
login fails here, not only in ``tests/bench/bench_event_loop.py``.
"""

from __future__ import annotations

import re
import uuid

import pytest
from litestar.testing import AsyncTestClient
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account
from federation.vendors.registration import register_vendor
from hub.core.database import hub_sessions
from tests.conftest import make_tenant
from tests.e2e.test_bid_path_statements import counted

PASSWORD = "rahasia-pokja-2026"

STATEMENTS_PER_LOGIN = 7
"""Statements of one successful ``POST /login`` from an address the account has logged in from,
BEGIN and COMMIT aside: the clock with whether the address is known, the charge's upsert and update,
the account; then the refund's upsert and update, the prune (8 before issue 20's second session,
with a third transaction for the account; a vendor's login counted in a fourth)."""
CHECKOUTS_PER_LOGIN = 2
"""Pool checkouts of one successful login: the charge (committed before the password is hashed, with
no connection held while it is) and the refund."""


async def _log_in(client: AsyncTestClient, email: str, address: str) -> None:  # type: ignore[type-arg]
    page = await client.get("/login", headers={"X-Forwarded-For": address})
    csrf = re.search(r'name=csrf value="([^"]+)"', page.text)
    assert csrf is not None, page.text
    form = {"email": email, "password": PASSWORD, "csrf": csrf.group(1), "next": "/"}
    answer = await client.post(
        "/login", data=form, headers={"X-Forwarded-For": address}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


@pytest.mark.timeout(120)
async def test_a_login_costs_a_fixed_number_of_statements_and_checkouts(
    clean_identity: AsyncEngine,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    email = f"pokja.{uuid.uuid4().hex[:8]}@malangkab.go.id"
    async with hub_sessions(clean_identity)() as session, session.begin():
        await create_account(session, email, "Anggota Pokja", PASSWORD, email_verified=True)
    client.cookies.clear()
    await _log_in(client, email, "127.0.0.1")  # the first login from here: the address becomes known
    client.cookies.clear()
    with counted() as sent:
        await _log_in(client, email, "127.0.0.1")
    first_lines = "\n".join(statement.splitlines()[0][:150] for statement in sent.statements)
    assert len(sent.statements) <= STATEMENTS_PER_LOGIN, first_lines
    assert sent.checkouts <= CHECKOUTS_PER_LOGIN


@pytest.mark.timeout(120)
async def test_a_vendor_users_login_is_counted_for_its_home_regency_in_the_refunds_transaction(
    clean_identity: AsyncEngine,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    tenant = await make_tenant(clean_identity, "kab-malang", "3507")
    email = f"direktur.{uuid.uuid4().hex[:8]}@vendor.co.id"
    async with hub_sessions(clean_identity)() as session, session.begin():
        npwp = f"{uuid.uuid4().int % 10**15:015d}"
        await register_vendor(
            session,
            "CV Maju Jaya",
            npwp,
            None,
            "Jl. Merdeka 1",
            tenant.code,
            ["41011"],
            email,
            "Direktur",
            PASSWORD,
        )
    client.cookies.clear()
    await _log_in(client, email, "127.0.0.1")
    logins_before = REGISTRY.get_sample_value("lpsehub_vendor_logins_total", {"tenant": tenant.slug}) or 0
    client.cookies.clear()
    with counted() as sent:
        await _log_in(client, email, "127.0.0.1")
    first_lines = "\n".join(statement.splitlines()[0][:150] for statement in sent.statements)
    assert len(sent.statements) <= STATEMENTS_PER_LOGIN + 1, first_lines  # the vendor's home regency
    assert sent.checkouts <= CHECKOUTS_PER_LOGIN
    assert (
        REGISTRY.get_sample_value("lpsehub_vendor_logins_total", {"tenant": tenant.slug}) == logins_before + 1
    )
