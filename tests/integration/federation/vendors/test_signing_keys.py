"""A vendor's signing keys: registered, rotated and revoked by its users, kept as history, and every
change chained into the vendor key log, so a key row written behind the hub's back shows."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from federation.identity.models import Account
from federation.vendors import (
    own_signing_keys,
    public_signing_keys,
    register_signing_key,
    revoke_signing_key,
    verify_vendor_key_log,
)
from hub.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tenants.sealing import encode_signing_public_key, public_raw_of, signing_key_id
from tests.integration.federation.conftest import Province


def _new_key() -> tuple[str, str]:
    """A key made on a vendor's machine: its public text and its key id."""
    raw = public_raw_of(Ed25519PrivateKey.generate())
    return encode_signing_public_key(raw), signing_key_id(raw)


async def _vendor_user(province: Province, npwp: str = "01.234.567.8-901.000") -> tuple[int, int]:
    vendor = await province.register(npwp=npwp, email=f"d.{npwp[:2]}@vendor.co.id")
    async with province.hub() as session:
        user = await session.scalar(select(Account.id).where(Account.vendor_id == vendor.id))
    assert user is not None
    return vendor.id, user


async def test_rotation_and_revocation_keep_every_key_as_history(province: Province) -> None:
    vendor_id, user = await _vendor_user(province)
    (first, first_id), (second, second_id), (third, third_id) = _new_key(), _new_key(), _new_key()
    async with province.hub() as session, session.begin():
        await register_signing_key(session, user, first)
    async with province.hub() as session, session.begin():
        await register_signing_key(session, user, second, replaces=first_id)
    async with province.hub() as session, session.begin():
        await register_signing_key(session, user, third)
        await revoke_signing_key(session, user, second_id, "left_company")
    async with province.hub() as session:
        keys = await own_signing_keys(session, user)
        report = await verify_vendor_key_log(session)
    assert [(k.key_id, k.revoke_reason, k.replaced_by) for k in keys] == [
        (first_id, "rotated", second_id),
        (second_id, "left_company", None),
        (third_id, None, None),
    ]
    assert all(k.vendor_id == vendor_id and k.account_id == user for k in keys)
    assert keys[0].revoked_at == keys[1].registered_at  # one transaction, one instant
    assert (report.ok, report.events, report.problems) == (True, 5, [])


async def test_a_key_is_registered_once_and_revoked_once(province: Province) -> None:
    _, user = await _vendor_user(province)
    public, key_id = _new_key()
    async with province.hub() as session, session.begin():
        await register_signing_key(session, user, public)
    async with province.hub() as session, session.begin():
        with pytest.raises(Conflict, match="registered already"):
            await register_signing_key(session, user, public)
    async with province.hub() as session, session.begin():
        await revoke_signing_key(session, user, key_id, "compromised")
    async with province.hub() as session, session.begin():
        with pytest.raises(Conflict, match="revoked already"):
            await revoke_signing_key(session, user, key_id, "retired")


async def test_only_the_vendors_own_users_revoke_its_keys(province: Province) -> None:
    _, user = await _vendor_user(province)
    _, stranger = await _vendor_user(province, "02.345.678.9-012.000")
    public, key_id = _new_key()
    async with province.hub() as session, session.begin():
        await register_signing_key(session, user, public)
    async with province.hub() as session, session.begin():
        with pytest.raises(NotFound):
            await revoke_signing_key(session, stranger, key_id, "compromised")
    async with province.hub() as session, session.begin():
        with pytest.raises(Forbidden):
            await revoke_signing_key(session, province.id_of("nobody@jatimprov.go.id"), key_id, "compromised")
    async with province.hub() as session, session.begin():
        with pytest.raises(InvalidInput, match="reason"):
            await revoke_signing_key(session, user, key_id, "rotated")


async def test_the_keys_of_a_vendor_never_verified_are_not_public(province: Province) -> None:
    vendor_id, user = await _vendor_user(province)
    async with province.hub() as session, session.begin():
        await register_signing_key(session, user, _new_key()[0])
    async with province.hub() as session:
        with pytest.raises(NotFound):
            await public_signing_keys(session, vendor_id)
    await province.verify(vendor_id)
    async with province.hub() as session:
        assert len(await public_signing_keys(session, vendor_id)) == 1


async def test_a_key_row_inserted_or_unrevoked_behind_the_hubs_back_is_caught(province: Province) -> None:
    vendor_id, user = await _vendor_user(province)
    public, key_id = _new_key()
    async with province.hub() as session, session.begin():
        await register_signing_key(session, user, public)
        await revoke_signing_key(session, user, key_id, "compromised")
    raw = public_raw_of(Ed25519PrivateKey.generate())
    async with province.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO hub.vendor_signing_keys (key_id, vendor_id, account_id, public_key, "
                "registered_at) VALUES (:k, :v, :a, :p, now())"
            ),
            {"k": signing_key_id(raw), "v": vendor_id, "a": user, "p": raw},
        )
        await connection.execute(
            text(
                "UPDATE hub.vendor_signing_keys SET revoked_at = NULL, revoke_reason = NULL WHERE key_id = :k"
            ),
            {"k": key_id},
        )
    async with province.hub() as session:
        report = await verify_vendor_key_log(session)
    assert not report.ok
    assert any(
        f"key {key_id}" in p and "not revoked as the vendor key log records" in p for p in report.problems
    )
    assert any(signing_key_id(raw) in p and "no registration" in p for p in report.problems)


async def test_an_edited_or_deleted_event_of_the_key_log_is_caught(province: Province) -> None:
    _, user = await _vendor_user(province)
    for _ in range(3):
        async with province.hub() as session, session.begin():
            await register_signing_key(session, user, _new_key()[0])
    async with province.engine.begin() as connection:
        await connection.execute(text("UPDATE hub.vendor_key_events SET actor_id = 1 WHERE seq = 2"))
    async with province.hub() as session:
        edited = await verify_vendor_key_log(session)
    assert "entry 2 of the vendor key log was edited" in edited.problems[0]
    async with province.engine.begin() as connection:
        await connection.execute(text("DELETE FROM hub.vendor_key_events WHERE seq = 2"))
    async with province.hub() as session:
        deleted = await verify_vendor_key_log(session)
    assert "jumps from entry 1 to entry 3" in deleted.problems[0]
