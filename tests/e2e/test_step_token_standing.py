"""A tender's steps judge the token's standing in their own transaction (issue 20), as the bid route
does (``test_bid_token_standing.py``): the guard checks the token without a query, the step's
transaction reads first whether it is revoked, whether its account is active and its roles
(``hub.web.auth.provide_actor_in_transaction``), and the step is refused on them before anything
of it is judged or changed, with the answers the token's own check gave."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.models import Account, AccountStatus
from federation.oidc.models import RevokedAccessToken
from hub.core.database import hub_sessions, tenant_session
from tenants.tenders.models import Registration, Tender
from tests.e2e.procurement import Bidder, Client, Desk, Headers, advance, ok, person, regency, vendor
from tests.e2e.test_bid_path_statements import counted


def _claims(headers: Headers) -> dict[str, object]:
    payload = headers["Authorization"].removeprefix("Bearer ").split(".")[1]
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


async def _revoke(engine: AsyncEngine, headers: Headers) -> None:
    async with hub_sessions(engine)() as session, session.begin():
        expires = datetime.now(UTC) + timedelta(hours=1)
        session.add(RevokedAccessToken(jti=str(_claims(headers)["jti"]), expires_at=expires))


async def _disable(engine: AsyncEngine, headers: Headers) -> None:
    account_id = int(str(_claims(headers)["sub"]))
    async with hub_sessions(engine)() as session, session.begin():
        await session.execute(
            update(Account).where(Account.id == account_id).values(status=AccountStatus.DISABLED)
        )


async def _announced_with_a_vendor(client: Client, engine: AsyncEngine) -> tuple[Desk, Bidder]:
    """Kabupaten Malang's desk with a tender announced, and a vendor verified there."""
    desk = Desk(client, engine, await regency(client, engine, "kab-malang", "3507"))
    await desk.announce("Rehabilitasi Jalan Kepanjen", owner_estimate=1_000_000_000)
    verifier = await person(engine, "verifier", "kab-malang")
    return desk, await vendor(client, engine, "andalas", "3507", verifier, "kab-malang")


@pytest.mark.timeout(120)
async def test_a_registration_with_a_revoked_token_is_refused_and_not_stored(
    client: Client, clean_identity: AsyncEngine
) -> None:
    desk, bidder = await _announced_with_a_vendor(client, clean_identity)
    await _revoke(clean_identity, bidder.headers)
    with counted() as sent:
        refused = await client.post(f"{desk.url}/registrations", headers=bidder.headers)
    assert refused.status_code == 401, refused.text
    assert refused.headers["www-authenticate"].startswith("Bearer ")
    assert refused.headers["content-type"].startswith("application/problem+json")
    # Refused by the transaction's first statement: nothing of the registration was read or written.
    assert len(sent.statements) == 1, sent.statements
    assert sent.checkouts == 1
    async with tenant_session(clean_identity, desk.regency.schema) as session:
        stored = await session.scalar(
            select(func.count()).select_from(Registration).where(Registration.tender_id == desk.tender_id)
        )
    assert stored == 0


@pytest.mark.timeout(120)
async def test_an_opening_by_a_disabled_account_is_refused_and_opens_nothing(
    client: Client, clean_identity: AsyncEngine
) -> None:
    desk, bidder = await _announced_with_a_vendor(client, clean_identity)
    await desk.register([bidder])
    await advance(desk.engine, desk.regency.schema, desk.tender_id, "bid_submission")
    ok(await desk.bid(bidder, 900_000_000))
    await advance(desk.engine, desk.regency.schema, desk.tender_id, "bid_opening")
    await _disable(clean_identity, desk.regency.pokja)
    refused = await client.post(f"{desk.url}/opening", headers=desk.regency.pokja)
    assert refused.status_code == 401, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    async with tenant_session(clean_identity, desk.regency.schema) as session:
        tender = await session.get(Tender, desk.tender_id)
        assert tender is not None
        assert tender.opened_at is None
        assert tender.status == "announced"
