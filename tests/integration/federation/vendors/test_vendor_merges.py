"""Two records found to be one company are merged; neither history is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from federation.vendors import (
    Vendor,
    can_bid_in,
    get_vendor,
    is_verified,
    merge_vendors,
    suspend_vendor,
    vendor_history,
    vendor_users,
    verifications_of,
)
from hub.core.errors import Conflict, Forbidden, NotFound
from tests.integration.federation.conftest import Province

OTHER_NPWP = "3507012345678901"


async def _merge(
    province: Province, duplicate: int, survivor: int, by: str = "operator@jatimprov.go.id"
) -> Vendor:
    async with province.hub() as session, session.begin():
        return await merge_vendors(session, duplicate, survivor, province.id_of(by))


async def _pair(province: Province) -> tuple[Vendor, Vendor]:
    duplicate = await province.register(email="budi@majujaya.co.id")
    survivor = await province.register(npwp=OTHER_NPWP, email="siti@majujaya.co.id", name="CV. Maju Jaya")
    return duplicate, survivor


async def test_merging_moves_users_and_verifications_and_keeps_both_histories(province: Province) -> None:
    duplicate, survivor = await _pair(province)
    await province.verify(duplicate.id)

    merged = await _merge(province, duplicate.id, survivor.id)

    assert (merged.id, merged.status) == (survivor.id, "verified")
    async with province.hub() as session:
        gone = await get_vendor(session, duplicate.id)
        users = [u.email for u in await vendor_users(session, survivor.id)]
        left_behind = await vendor_users(session, duplicate.id)
        [verification] = await verifications_of(session, survivor.id)
        survivor_history = [(e.vendor_id, e.event) for e in await vendor_history(session, survivor.id)]
        duplicate_history = [(e.vendor_id, e.event) for e in await vendor_history(session, duplicate.id)]
    assert (gone.status, gone.merged_into_id) == ("merged", survivor.id)
    assert sorted(users) == ["budi@majujaya.co.id", "siti@majujaya.co.id"]
    assert left_behind == []
    assert verification.tenant_code == "3507"
    assert duplicate_history == [
        (duplicate.id, "registered"),
        (duplicate.id, "verified"),
        (duplicate.id, "merged_into"),
    ]
    assert sorted(survivor_history) == sorted(
        [*duplicate_history, (survivor.id, "registered"), (survivor.id, "absorbed")]
    )


async def test_the_merge_events_say_what_moved_and_who_decided(province: Province) -> None:
    duplicate, survivor = await _pair(province)
    await _merge(province, duplicate.id, survivor.id)
    async with province.hub() as session:
        events = {e.event: e for e in await vendor_history(session, survivor.id)}
        [budi] = [u for u in await vendor_users(session, survivor.id) if u.email == "budi@majujaya.co.id"]
    operator = province.id_of("operator@jatimprov.go.id")
    assert events["merged_into"].detail == {
        "survivor_id": survivor.id,
        "accounts": [budi.id],
        "verifications": [],
    }
    assert events["absorbed"].detail["duplicate_npwp"] == duplicate.npwp
    assert events["absorbed"].detail["became_verified"] is False
    assert {events["merged_into"].account_id, events["absorbed"].account_id} == {operator}


async def test_a_merged_vendor_is_not_verified_and_may_not_bid(province: Province) -> None:
    duplicate, survivor = await _pair(province)
    await province.verify(duplicate.id)
    await _merge(province, duplicate.id, survivor.id)
    async with province.tenant(province.malang) as session:
        assert not await is_verified(session, duplicate.id)
        eligibility = await can_bid_in(session, duplicate.id)
        assert await can_bid_in(session, survivor.id)
    assert eligibility.reason == f"vendor {duplicate.id} was merged into vendor {survivor.id}"


async def test_a_suspension_of_the_duplicate_bars_the_survivor(province: Province) -> None:
    duplicate, survivor = await _pair(province)
    await province.verify(survivor.id)
    await province.suspend(duplicate.id, province.malang, by="admin@malang.go.id")
    await _merge(province, duplicate.id, survivor.id)
    async with province.tenant(province.malang) as session:
        assert not await can_bid_in(session, survivor.id)
    async with province.tenant(province.blitar) as session:
        assert await can_bid_in(session, survivor.id)


async def test_a_history_follows_a_chain_of_merges(province: Province) -> None:
    first, second = await _pair(province)
    third = await province.register(npwp="3507012345678902", email="ani@majujaya.co.id")
    await _merge(province, first.id, second.id)
    await _merge(province, second.id, third.id)
    async with province.hub() as session:
        owners = {e.vendor_id for e in await vendor_history(session, third.id)}
    assert owners == {first.id, second.id, third.id}


async def test_a_vendor_cannot_be_merged_into_itself(province: Province) -> None:
    vendor = await province.register()
    with pytest.raises(Conflict, match="cannot be merged into itself"):
        await _merge(province, vendor.id, vendor.id)


async def test_merging_into_or_from_a_merged_vendor_is_refused(province: Province) -> None:
    duplicate, survivor = await _pair(province)
    third = await province.register(npwp="3507012345678902", email="ani@majujaya.co.id")
    await _merge(province, duplicate.id, survivor.id)
    with pytest.raises(Conflict, match=f"merged into vendor {survivor.id}; merge into that one instead"):
        await _merge(province, third.id, duplicate.id)
    with pytest.raises(Conflict, match="already"):
        await _merge(province, duplicate.id, third.id)
    async with province.hub() as session:
        assert (await get_vendor(session, third.id)).status == "registered"


async def test_a_merged_vendor_cannot_be_verified_or_suspended(province: Province) -> None:
    duplicate, survivor = await _pair(province)
    await _merge(province, duplicate.id, survivor.id)
    with pytest.raises(Conflict, match="verify that one instead"):
        await province.verify(duplicate.id)
    with pytest.raises(Conflict, match="suspend that one instead"):
        async with province.tenant(province.malang) as session, session.begin():
            await suspend_vendor(
                session,
                "kab-malang",
                duplicate.id,
                "x",
                province.today() + timedelta(days=30),
                province.id_of("admin@malang.go.id"),
            )


@pytest.mark.parametrize("who", ["admin@malang.go.id", "verifier@malang.go.id", "nobody@jatimprov.go.id"])
async def test_only_a_hub_administrator_may_merge(province: Province, who: str) -> None:
    duplicate, survivor = await _pair(province)
    with pytest.raises(Forbidden, match="hub_admin"):
        await _merge(province, duplicate.id, survivor.id, by=who)
    async with province.hub() as session:
        assert (await get_vendor(session, duplicate.id)).status == "registered"


async def test_merging_an_unknown_vendor_is_refused(province: Province) -> None:
    vendor = await province.register()
    with pytest.raises(NotFound, match="no vendor"):
        await _merge(province, vendor.id, vendor.id + 1000)
