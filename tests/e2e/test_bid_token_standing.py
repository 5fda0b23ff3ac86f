"""The bid route judges the token's standing in the bid's own transaction (issue 20): its guard
checks the token without a query, the bid's first statement reads whether it is revoked, whether its
account is active and its roles, and the bid is refused on them before anything of it is judged."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from federation.identity.models import Account, AccountStatus
from federation.oidc.models import RevokedAccessToken
from hub.core.database import hub_sessions, tenant_session
from tenants.tenders.models import Bid
from tests.e2e.procurement import Client, advance, ok
from tests.e2e.test_uploads import Tender, tender

__all__ = ["tender"]  # the fixture, imported to be found


def _claims(headers: dict[str, str]) -> dict[str, object]:
    payload = headers["Authorization"].removeprefix("Bearer ").split(".")[1]
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


async def _stored_bids(tender: Tender) -> int:
    desk = tender.desk
    async with tenant_session(desk.engine, desk.regency.schema) as session:
        count = await session.scalar(
            select(func.count()).select_from(Bid).where(Bid.tender_id == desk.tender_id)
        )
    return int(count or 0)


@pytest.mark.timeout(120)
async def test_a_bid_with_a_revoked_token_is_refused_and_not_stored(client: Client, tender: Tender) -> None:
    desk, bidder = tender.desk, tender.bidder
    await advance(desk.engine, desk.regency.schema, desk.tender_id, "bid_submission")
    ok(await desk.bid(bidder, 900_000_000))
    async with hub_sessions(desk.engine)() as session, session.begin():
        expires = datetime.now(UTC) + timedelta(hours=1)
        session.add(RevokedAccessToken(jti=str(_claims(bidder.headers)["jti"]), expires_at=expires))
    refused = await desk.bid(bidder, 890_000_000)
    assert refused.status_code == 401, refused.text
    assert refused.headers["www-authenticate"].startswith("Bearer ")
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await _stored_bids(tender) == 1


@pytest.mark.timeout(120)
async def test_a_bid_from_a_disabled_account_is_refused(client: Client, tender: Tender) -> None:
    desk, bidder = tender.desk, tender.bidder
    await advance(desk.engine, desk.regency.schema, desk.tender_id, "bid_submission")
    account_id = int(str(_claims(bidder.headers)["sub"]))
    async with hub_sessions(desk.engine)() as session, session.begin():
        await session.execute(
            update(Account).where(Account.id == account_id).values(status=AccountStatus.DISABLED)
        )
    refused = await desk.bid(bidder, 890_000_000)
    assert refused.status_code == 401, refused.text
    assert await _stored_bids(tender) == 0
