"""The deadline rush's hot path pinned: what one accepted bid costs the database (issue 20).

A bid sent over HTTP is counted from its request to its receipt: the statements the hub sends
(``before_cursor_execute`` of every engine) and the connections it checks out of a pool. A change that
adds a round trip to the bid path fails here, not only in ``tests/bench/bench_bids.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from tests.e2e.procurement import Client, advance, ok
from tests.e2e.test_uploads import Tender, tender

__all__ = ["tender"]  # the fixture, imported to be found

STATEMENTS_PER_BID = 3
"""Statements one accepted bid sends, BEGIN and COMMIT aside: the close with the caller and the
token's standing (revoked? the account active? its roles: ``hub.web.auth.TokenStanding``), the tender
with the registration's lock, the receipt key, the vendor's eligibility, the signing key and the
bid's id, then ``hub.bid_store`` (superseding UPDATE, INSERT and audit append in one). 15 before
issue 20, 13 of them the bid's; then 11, 10, 8 (1 of them the token's)."""
CHECKOUTS_PER_BID = 1
"""Pool checkouts of one accepted bid: its transaction, which checks the token too (the token's check
took one of its own until 2026-12-04, the tenant's resolution a third before the registry was held in
memory)."""


@dataclass
class Sent:
    statements: list[str] = field(default_factory=list)
    checkouts: int = 0


@contextmanager
def counted() -> Iterator[Sent]:
    """Every statement any engine sends and every pool checkout, while the block runs."""
    sent = Sent()

    def statement(conn: Any, cursor: Any, text: str, parameters: Any, context: Any, many: bool) -> None:
        sent.statements.append(text)

    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        sent.checkouts += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Pool, "checkout", checkout)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Pool, "checkout", checkout)


@pytest.mark.timeout(120)
async def test_an_accepted_bid_costs_a_fixed_number_of_statements_and_checkouts(
    client: Client, tender: Tender
) -> None:
    desk, bidder = tender.desk, tender.bidder
    await advance(desk.engine, desk.regency.schema, desk.tender_id, "bid_submission")
    # The first bid of a tenant makes its receipt key: a one-off, not the rush's path.
    ok(await desk.bid(bidder, 900_000_000))
    with counted() as sent:
        replaced = await desk.bid(bidder, 890_000_000)
    ok(replaced)
    first_lines = "\n".join(statement.splitlines()[0][:150] for statement in sent.statements)
    assert len(sent.statements) <= STATEMENTS_PER_BID, first_lines
    assert sent.checkouts <= CHECKOUTS_PER_BID
    # Sent on the asyncpg connection without SQLAlchemy's execution (``hub.core.direct``), the bid's
    # statements still reach the engine's listeners: the pin counts them, not nothing.
    assert "pg_advisory_xact_lock_shared" in sent.statements[0], first_lines
    assert "nextval" in sent.statements[1], first_lines
    assert "hub.bid_store" in sent.statements[-1], first_lines
