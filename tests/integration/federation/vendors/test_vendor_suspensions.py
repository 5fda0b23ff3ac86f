"""A tenant suspends a vendor for its own tenders only, until a date on its own clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from federation.vendors import (
    VendorEvent,
    VendorSuspension,
    can_bid_in,
    suspend_vendor,
    suspension_in,
    vendor_history,
)
from hub.core.errors import Forbidden, InvalidInput
from tests.integration.federation.conftest import Province


async def _suspensions_in(province: Province, tenant_name: str) -> int:
    tenant = getattr(province, tenant_name)
    async with province.tenant(tenant) as session:
        return int(await session.scalar(select(func.count()).select_from(VendorSuspension)) or 0)


async def test_a_suspension_in_one_tenant_bars_bidding_there_only(province: Province) -> None:
    vendor = await province.register()
    await province.verify(vendor.id)
    suspension = await province.suspend(vendor.id, province.malang, by="admin@malang.go.id", days=30)

    async with province.tenant(province.malang) as session:
        eligibility = await can_bid_in(session, vendor.id)
    assert not eligibility
    assert eligibility.reason == (
        f"vendor {vendor.id} is suspended here until {suspension.ends_on.isoformat()}: wanprestasi"
    )
    async with province.tenant(province.blitar) as session:
        assert await can_bid_in(session, vendor.id)
        assert await suspension_in(session, vendor.id, province.today()) is None
    assert (await _suspensions_in(province, "malang"), await _suspensions_in(province, "blitar")) == (1, 0)


async def test_a_suspension_is_recorded_in_the_vendors_history(province: Province) -> None:
    vendor = await province.register()
    suspension = await province.suspend(vendor.id, province.malang, by="verifier@malang.go.id", days=10)
    async with province.hub() as session:
        events = await vendor_history(session, vendor.id)
    assert [e.event for e in events] == ["registered", "suspended"]
    assert events[-1].detail == {
        "tenant_code": "3507",
        "reason": "wanprestasi",
        "ends_on": suspension.ends_on.isoformat(),
        "suspension_id": suspension.id,
    }
    assert events[-1].account_id == province.id_of("verifier@malang.go.id")


async def test_a_suspension_holds_through_its_last_day_and_not_after(province: Province) -> None:
    vendor = await province.register()
    await province.verify(vendor.id)
    suspension = await province.suspend(vendor.id, province.malang, by="admin@malang.go.id", days=5)
    last_day = suspension.ends_on
    async with province.tenant(province.malang) as session:
        assert await suspension_in(session, vendor.id, last_day) is not None
        assert await suspension_in(session, vendor.id, last_day + timedelta(days=1)) is None
        assert not await can_bid_in(session, vendor.id, today=last_day)
        assert await can_bid_in(session, vendor.id, today=last_day + timedelta(days=1))


async def test_of_two_suspensions_the_one_ending_last_is_reported(province: Province) -> None:
    vendor = await province.register()
    await province.suspend(vendor.id, province.malang, by="admin@malang.go.id", days=5, reason="terlambat")
    longer = await province.suspend(vendor.id, province.malang, by="admin@malang.go.id", days=90)
    async with province.tenant(province.malang) as session:
        found = await suspension_in(session, vendor.id, province.today())
    assert found is not None
    assert (found.id, found.reason) == (longer.id, "wanprestasi")


@pytest.mark.parametrize(
    ("days", "reason", "message"),
    [
        (0, "wanprestasi", "must end after today"),
        (-3, "wanprestasi", "must end after today"),
        (30, "  ", "reason"),
    ],
)
async def test_a_suspension_must_end_in_the_future_and_give_a_reason(
    province: Province, days: int, reason: str, message: str
) -> None:
    vendor = await province.register()
    with pytest.raises(InvalidInput, match=message):
        await province.suspend(vendor.id, province.malang, by="admin@malang.go.id", days=days, reason=reason)
    assert await _suspensions_in(province, "malang") == 0
    assert await province.count(VendorEvent) == 1  # "registered" only


@pytest.mark.parametrize("who", ["admin@blitar.go.id", "verifier@blitar.go.id", "nobody@jatimprov.go.id"])
async def test_only_an_admin_or_verifier_of_that_tenant_may_suspend_there(
    province: Province, who: str
) -> None:
    vendor = await province.register()
    with pytest.raises(Forbidden, match="tenant_admin or verifier"):
        await province.suspend(vendor.id, province.malang, by=who)
    assert await _suspensions_in(province, "malang") == 0


async def test_a_suspension_needs_a_session_of_the_suspending_tenant(province: Province) -> None:
    vendor = await province.register()
    ends_on = province.today() + timedelta(days=30)
    with pytest.raises(ValueError, match="needs a tenant session of t_3507"):
        async with province.tenant(province.blitar) as session, session.begin():
            await suspend_vendor(
                session, "kab-malang", vendor.id, "x", ends_on, province.id_of("admin@malang.go.id")
            )
    with pytest.raises(ValueError, match="needs a tenant session"):
        async with province.hub() as session, session.begin():
            await suspend_vendor(
                session, "kab-malang", vendor.id, "x", ends_on, province.id_of("admin@malang.go.id")
            )
    assert (await _suspensions_in(province, "malang"), await _suspensions_in(province, "blitar")) == (0, 0)
