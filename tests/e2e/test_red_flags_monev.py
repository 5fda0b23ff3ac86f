"""H07 end to end: a contract's progress, payments and amendments recorded through the e-monev's API
(issue 21) reach the red flags with the releases that publish them, judged on the date asked (``to``).

H06 never appears through the API: the e-monev refuses a payment above the contract's current value
(it would show one inserted behind the service's back: docs/SECURITY.md)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.e2e.procurement import ok
from tests.e2e.test_contract_implementation import Contracted, contracted, today
from tests.e2e.test_red_flags import flags

pytestmark = pytest.mark.horizon  # it reads what the feed's trigger keeps for every tender

__all__ = ["contracted"]  # the e-monev tests' fixture, imported for pytest to find


async def late(c: Contracted, on: date) -> list[dict[str, object]]:
    """The H07 flags of the contract's tenant, judged on ``on``."""
    answer = await flags(c.desk.client, tenant=c.malang.slug, indicator="H07", to=on.isoformat())
    assert answer["as_of"] == on.isoformat()
    return [f for f in answer["flags"] if f["ocid"] == f"ocds-lpsehub-3507-{c.desk.tender_id}"]


async def test_a_contract_past_its_end_below_100_percent_is_flagged_until_amended_or_done(
    contracted: Contracted,
) -> None:
    c, day = contracted, today().isoformat()
    ends = today() + timedelta(days=90)  # as the fixture signs it
    ok(await c.post("progress", {"percent": 40, "reported_on": day, "note": "Pengiriman tahap 1"}))
    ok(await c.post("payments", {"amount": 50_000_000, "paid_on": day}))
    assert await late(c, ends) == []  # its last day
    [flag] = await late(c, ends + timedelta(days=1))
    assert (flag["facts"]["daysPast"], flag["facts"]["lastProgress"]) == (1, 40.0)
    assert flag["facts"]["lastProgressDate"].startswith(day)
    assert "40%" in flag["explanation_id"]

    later = ends + timedelta(days=30)
    ok(await c.post("amendments", {"ends_on": later.isoformat(), "signed_on": day, "reason": "Banjir"}))
    assert await late(c, ends + timedelta(days=1)) == []  # the amended end is the end
    assert len(await late(c, later + timedelta(days=1))) == 1
    ok(await c.post("progress", {"percent": 100, "reported_on": day, "note": "Serah terima"}))
    assert await late(c, later + timedelta(days=1)) == []
    paid = await flags(c.desk.client, tenant=c.malang.slug, indicator="H06")
    assert paid["flags"] == []
