"""A vendor registers once for the hub and is verified once; every tenant recognises it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from federation.identity.accounts import find_account, grant_role
from federation.identity.models import Account
from federation.vendors import (
    Vendor,
    VendorVerification,
    can_bid_in,
    format_npwp,
    is_verified,
    list_vendors,
    normalise_npwp,
    register_vendor,
    vendor_history,
    vendor_users,
    verifications_of,
)
from hub.core.errors import Conflict, Forbidden, HubError, InvalidInput, TenantNotFound
from tests.integration.federation.conftest import NPWP, NPWP_DIGITS, PASSWORD, Province

# ---- registration


async def test_a_vendor_registers_once_with_its_first_user(province: Province) -> None:
    vendor = await province.register()
    assert (vendor.npwp, vendor.status, vendor.kbli) == (NPWP_DIGITS, "registered", ["41011"])
    assert vendor.to_dict()["home_regency_code"] == "3507"
    async with province.hub() as session:
        users = await vendor_users(session, vendor.id)
        history = await vendor_history(session, vendor.id)
    assert [u.email for u in users] == ["direktur@majujaya.co.id"]
    assert [(e.event, e.account_id) for e in history] == [("registered", users[0].id)]


@pytest.mark.parametrize(
    ("npwp", "expected"),
    [
        ("01.234.567.8-901.000", "012345678901000"),
        ("012345678901000", "012345678901000"),
        (" 3507 0123 4567 8901 ", "3507012345678901"),
    ],
)
def test_an_npwp_is_kept_as_digits_whatever_the_separators(npwp: str, expected: str) -> None:
    assert normalise_npwp(npwp) == expected


def test_a_classic_npwp_is_shown_as_printed_on_the_card() -> None:
    assert format_npwp("012345678901000") == "01.234.567.8-901.000"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"npwp": "01.234.567.8-901"}, "npwp", "invalid NPWP"),
        ({"npwp": "01.234.567.8-901.00O"}, "npwp", "invalid NPWP"),
        ({"npwp": "12345678901234567"}, "npwp", "invalid NPWP"),
        ({"nib": "12345"}, "nib", "13 digits"),
        ({"kbli": ["4101"]}, "kbli", "5 digits"),
        ({"kbli": []}, "kbli", "at least one"),
        ({"home_regency_code": "35"}, "home_regency_code", "province"),
        ({"home_regency_code": "3599"}, "home_regency_code", "not a regency or city"),
        ({"name": "   "}, "name", "1 to 200"),
        ({"user_email": "budi"}, "email", "invalid email"),
        ({"user_password": "pendek"}, "password", "at least 10"),
    ],
)
async def test_a_registration_that_breaks_a_rule_is_refused_and_writes_nothing(
    province: Province, changes: dict[str, object], field: str, message: str
) -> None:
    arguments: dict[str, object] = {
        "name": "CV Maju Jaya",
        "npwp": NPWP,
        "nib": "1234567890123",
        "address": "Jl. Ijen 1, Malang",
        "home_regency_code": "3507",
        "kbli": ["41011"],
        "user_email": "direktur@majujaya.co.id",
        "user_name": "Budi Santoso",
        "user_password": PASSWORD,
        **changes,
    }
    with pytest.raises(InvalidInput, match=message) as refused:
        async with province.hub() as session, session.begin():
            await register_vendor(session, **arguments)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert await province.count(Vendor) == 0


async def test_a_second_registration_with_the_same_npwp_is_refused(province: Province) -> None:
    await province.register()
    with pytest.raises(Conflict) as refused:
        await province.register(npwp=NPWP_DIGITS, email="other@majujaya.co.id", name="CV Maju Jaya Baru")
    assert str(refused.value) == (
        "the company with NPWP 01.234.567.8-901.000 is already registered on this hub"
    )
    assert refused.value.field == "npwp"
    assert await province.count(Vendor) == 1
    async with province.hub() as session:
        assert await find_account(session, "other@majujaya.co.id") is None


async def test_a_registration_whose_email_is_taken_writes_no_vendor(province: Province) -> None:
    with pytest.raises(Conflict, match="exists already"):
        await province.register(email="verifier@malang.go.id")
    assert await province.count(Vendor) == 0


async def test_two_simultaneous_registrations_of_one_npwp_leave_one_vendor(province: Province) -> None:
    outcomes = await asyncio.gather(
        province.register(email="a@majujaya.co.id"),
        province.register(email="b@majujaya.co.id"),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "Vendor"]
    assert await province.count(Vendor) == 1
    async with province.hub() as session:
        vendor_accounts = await session.scalars(select(Account.email).where(Account.vendor_id.is_not(None)))
        assert len(list(vendor_accounts)) == 1


async def test_vendors_are_listed_by_status(province: Province) -> None:
    first = await province.register()
    second = await province.register(npwp="3507012345678901", email="b@sumberrejeki.co.id")
    await province.verify(second.id)
    async with province.hub() as session:
        assert [v.id for v in await list_vendors(session)] == [first.id, second.id]
        assert [v.id for v in await list_vendors(session, status="verified")] == [second.id]
        with pytest.raises(InvalidInput, match="unknown vendor status"):
            await list_vendors(session, status="approved")


# ---- verification


async def test_a_verification_in_one_tenant_is_recognised_in_every_tenant(province: Province) -> None:
    vendor = await province.register()
    async with province.tenant(province.blitar) as session:
        assert not await can_bid_in(session, vendor.id)
    await province.verify(vendor.id, by="verifier@malang.go.id", slug="kab-malang")
    async with province.tenant(province.blitar) as session:
        assert await is_verified(session, vendor.id)
        assert await can_bid_in(session, vendor.id)
    async with province.tenant(province.malang) as session:
        assert await can_bid_in(session, vendor.id)
    async with province.hub() as session:
        [verification] = await verifications_of(session, vendor.id)
        events = [e.event for e in await vendor_history(session, vendor.id)]
    assert verification.tenant_code == "3507"
    assert verification.verifier_account_id == province.id_of("verifier@malang.go.id")
    assert verification.checked == ["NPWP", "NIB", "akta pendirian"]
    assert verification.verified_at is not None
    assert events == ["registered", "verified"]


async def test_an_unverified_vendor_may_not_bid_and_is_told_why(province: Province) -> None:
    vendor = await province.register()
    async with province.tenant(province.malang) as session:
        eligibility = await can_bid_in(session, vendor.id)
    assert not eligibility
    assert eligibility.reason == f"vendor {vendor.id} is not verified yet"


@pytest.mark.parametrize(
    ("who", "error", "message"),
    [
        ("nobody@jatimprov.go.id", Forbidden, "verifier"),
        ("admin@malang.go.id", Forbidden, "verifier"),
        ("verifier@blitar.go.id", Forbidden, "verifier"),
        ("operator@jatimprov.go.id", Forbidden, "verifier"),
    ],
)
async def test_only_a_verifier_of_that_tenant_may_verify_there(
    province: Province, who: str, error: type[HubError], message: str
) -> None:
    vendor = await province.register()
    with pytest.raises(error, match=message):
        await province.verify(vendor.id, by=who, slug="kab-malang")
    assert await province.count(VendorVerification) == 0
    async with province.hub() as session:
        assert not await is_verified(session, vendor.id)


async def test_verifying_in_an_unknown_tenant_is_refused(province: Province) -> None:
    vendor = await province.register()
    with pytest.raises(TenantNotFound):
        await province.verify(vendor.id, slug="kab-atlantis")


@pytest.mark.parametrize("checked", [[], ["", "   "]])
async def test_a_verification_must_say_what_was_checked(province: Province, checked: list[str]) -> None:
    vendor = await province.register()
    with pytest.raises(InvalidInput, match="what was checked") as refused:
        await province.verify(vendor.id, checked=checked)
    assert refused.value.field == "checked"
    assert await province.count(VendorVerification) == 0


async def test_a_vendor_user_may_not_verify_their_own_company(province: Province) -> None:
    vendor = await province.register()
    async with province.hub() as session, session.begin():
        await grant_role(session, "direktur@majujaya.co.id", "verifier", "kab-malang")
    async with province.hub() as session:
        [user] = await vendor_users(session, vendor.id)
    province.accounts[user.email] = user.id
    with pytest.raises(Forbidden, match="own user"):
        await province.verify(vendor.id, by=user.email)
    assert await province.count(VendorVerification) == 0


async def test_a_second_verification_is_kept_beside_the_first(province: Province) -> None:
    vendor = await province.register()
    await province.verify(vendor.id, by="verifier@malang.go.id", slug="kab-malang")
    await province.verify(vendor.id, by="verifier@blitar.go.id", slug="kab-blitar", checked=["SPT 2025"])
    async with province.hub() as session:
        verifications = await verifications_of(session, vendor.id)
    assert [(v.tenant_code, v.checked) for v in verifications] == [
        ("3507", ["NPWP", "NIB", "akta pendirian"]),
        ("3505", ["SPT 2025"]),
    ]
