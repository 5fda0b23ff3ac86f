"""Vendors sign their bids: the hub refuses a bid its vendor did not sign, and the opening catches a
bundle swapped in the database, even with a receipt forged under the hub's own receipt key
(issue 15).

Without the vendor's signature an insider with write access to the database and the master key can
seal a bundle at another price to the public tender key, write it over a vendor's bid, and sign a
matching receipt with the hub's receipt key: only the audit entry then contradicts it. The vendor's
signature, made with a key only the vendor holds, is the check the insider cannot satisfy.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.accounts import create_account
from federation.vendors import register_signing_key, register_vendor, revoke_signing_key
from hub.core.database import hub_sessions, tenant_session
from tenants.sealing import (
    BadSignature,
    BidFile,
    OpenedBid,
    content_statement,
    encode_signing_public_key,
    parse_bundle,
    public_raw_of,
    seal_for_vendor,
    sign_receipt,
    signing_key_id,
    stated,
)
from tenants.tenders import open_bids, seal_and_submit, submit_bid, verify_stored_bids
from tenants.tenders.bidding.bidder import bidder
from tenants.tenders.bidding.bids import _store
from tenants.tenders.models import Bid
from tenants.tenders.preparation.bid_keys import receipt_signer
from tests.integration.tenants.tenders.test_bid_integrity import _sealed
from tests.integration.tenants.tenders.test_tender_rules import Stage, _bid, _close_submission, stage

__all__ = ["stage"]  # the fixture, imported to be found

FILES = [BidFile("p.pdf", "application/pdf", b"%PDF")]


async def _public_key(engine: AsyncEngine, s: Stage) -> bytes:
    async with engine.connect() as connection:
        key = await connection.scalar(
            text("SELECT public_key FROM t_3507.tenders WHERE id = :t"), {"t": s.tender_id}
        )
    return bytes(key)


async def _submit(engine: AsyncEngine, s: Stage, bundle: bytes) -> None:
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        await submit_bid(session, s.vendor, s.tender_id, bundle, s.master)


async def _open(engine: AsyncEngine, s: Stage) -> dict[str, object]:
    await _close_submission(engine, s.tender_id)
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        opening = await open_bids(session, s.pokja, s.tender_id, s.master)
    [shown] = opening["bids"]
    return dict(shown)


async def _another_vendors_key(engine: AsyncEngine) -> Ed25519PrivateKey:
    """The key of another verified vendor's user (an insider may well be one)."""
    key = Ed25519PrivateKey.generate()
    async with hub_sessions(engine)() as session, session.begin():
        other = await register_vendor(
            session,
            "CV Orang Dalam",
            "02.222.333.4-652.000",
            None,
            "Jl. Belakang",
            "3507",
            ["41011"],
            f"d.{uuid.uuid4().hex[:6]}@dalam.co.id",
            "Direktur",
            "kata-sandi-99",
        )
        user = await create_account(
            session, f"u.{uuid.uuid4().hex[:6]}@dalam.co.id", "U", None, vendor_id=other.id
        )
        await register_signing_key(session, user.id, encode_signing_public_key(public_raw_of(key)))
    return key


async def test_an_unsigned_bundle_is_refused(stage: Stage, clean_identity: AsyncEngine) -> None:
    unsigned = await _sealed(clean_identity, stage, 1_400_000_000, None)
    with pytest.raises(BadSignature, match="not signed"):
        await _submit(clean_identity, stage, unsigned)


async def test_a_bundle_signed_with_another_vendors_key_is_refused(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    theirs = await _another_vendors_key(clean_identity)
    signed = await _sealed(clean_identity, stage, 1_400_000_000, theirs)
    with pytest.raises(BadSignature, match=f"not a signing key of vendor {stage.vendor_id}"):
        await _submit(clean_identity, stage, signed)


async def test_a_bundle_signed_with_an_unregistered_key_is_refused(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    signed = await _sealed(clean_identity, stage, 1_400_000_000, Ed25519PrivateKey.generate())
    with pytest.raises(BadSignature, match="not a signing key"):
        await _submit(clean_identity, stage, signed)


async def test_a_bundle_signed_with_a_revoked_key_is_refused(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    async with hub_sessions(clean_identity)() as session, session.begin():
        key_id = signing_key_id(public_raw_of(stage.signing_key))
        await revoke_signing_key(session, stage.vendor.account_id, key_id, "compromised")
    signed = await _sealed(clean_identity, stage, 1_400_000_000, stage.signing_key)
    with pytest.raises(BadSignature, match="not valid now"):
        await _submit(clean_identity, stage, signed)


async def test_a_bundle_altered_after_it_was_signed_is_refused(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    signed = parse_bundle(await _sealed(clean_identity, stage, 1_400_000_000, stage.signing_key))
    altered = replace(signed, nonce=bytes([signed.nonce[0] ^ 1]) + signed.nonce[1:])
    with pytest.raises(BadSignature, match="does not verify"):
        await _submit(clean_identity, stage, altered.to_bytes())
    await _submit(clean_identity, stage, signed.to_bytes())  # as signed, it is taken


async def _forge_receipt(engine: AsyncEngine, s: Stage, bundle: bytes) -> bytes:
    """What an insider holding the master key can do: unwrap the hub's own receipt key and sign a
    receipt for ``bundle`` that the receipt check accepts (a key merely inserted into
    ``hub.receipt_keys`` no longer passes it: ``test_receipt_key_trust``)."""
    async with tenant_session(engine, s.tenant.schema) as session:
        kid, private_raw = await receipt_signer(session, s.master)
        received_at: datetime = await session.scalar(
            text("SELECT received_at FROM t_3507.bids WHERE tender_id = :t AND superseded_at IS NULL"),
            {"t": s.tender_id},
        )
    return sign_receipt(
        private_raw,
        kid=kid,
        tenant_code="3507",
        tender_id=s.tender_id,
        vendor_id=s.vendor_id,
        bundle_sha256=hashlib.sha256(bundle).hexdigest(),
        key_fingerprint=parse_bundle(bundle).key_fingerprint,
        received_at=received_at,
    )


async def _swap_with_receipt(engine: AsyncEngine, s: Stage, forged: bytes) -> None:
    """The attack: one UPDATE of the bid, with the forged bundle and a receipt forged for it."""
    receipt = await _forge_receipt(engine, s, forged)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE t_3507.bids SET bundle = :b, receipt = :r "
                "WHERE tender_id = :t AND superseded_at IS NULL"
            ),
            {"b": forged, "r": receipt, "t": s.tender_id},
        )


async def test_a_bundle_swapped_with_one_signed_by_an_insiders_own_key_is_caught_at_the_opening(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    insiders = await _another_vendors_key(clean_identity)
    await _swap_with_receipt(
        clean_identity, stage, await _sealed(clean_identity, stage, 900_000_000, insiders)
    )
    shown = await _open(clean_identity, stage)
    assert (shown["status"], shown["price"], shown["failed_checks"]) == (
        "tampered",
        None,
        ["audit", "signature"],
    )
    assert f"not a key of vendor {stage.vendor_id}" in str(shown["problem"])
    assert "900000000" not in str(shown)


async def test_a_key_row_inserted_for_the_vendor_behind_the_hubs_back_does_not_vouch_for_a_swap(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    insiders = Ed25519PrivateKey.generate()
    raw = public_raw_of(insiders)
    async with clean_identity.begin() as connection:  # a key row for the victim vendor, no event
        await connection.execute(
            text(
                "INSERT INTO hub.vendor_signing_keys "
                "(key_id, vendor_id, account_id, public_key, registered_at) "
                "VALUES (:k, :v, :a, :p, now() - interval '1 day')"
            ),
            {"k": signing_key_id(raw), "v": stage.vendor_id, "a": stage.vendor.account_id, "p": raw},
        )
    await _swap_with_receipt(
        clean_identity, stage, await _sealed(clean_identity, stage, 900_000_000, insiders)
    )
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        found = await verify_stored_bids(session)
    assert [m.check for m in found] == ["audit", "signature"]
    assert "no registration in the vendor key log" in found[1].problem
    shown = await _open(clean_identity, stage)
    assert (shown["status"], shown["failed_checks"]) == ("tampered", ["audit", "signature"])


async def test_a_bid_signed_before_its_key_was_rotated_still_verifies_at_the_opening(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    async with hub_sessions(clean_identity)() as session, session.begin():
        successor = Ed25519PrivateKey.generate()
        await register_signing_key(
            session,
            stage.vendor.account_id,
            encode_signing_public_key(public_raw_of(successor)),
            replaces=signing_key_id(public_raw_of(stage.signing_key)),
        )
    shown = await _open(clean_identity, stage)
    assert (shown["status"], shown["price"], shown["signature"]) == ("ok", 1_400_000_000, "verified")
    assert shown["signer"] == signing_key_id(public_raw_of(stage.signing_key))


async def test_a_bid_stored_unsigned_before_vendors_signed_opens_as_unsigned(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    """A version 1 bundle stored as the hub stored them before this change (no signer recorded)."""
    unsigned = await _sealed(clean_identity, stage, 1_400_000_000, None)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        vendor_id, tender = await bidder(session, stage.vendor, stage.tender_id)
        await _store(session, stage.vendor, tender, vendor_id, unsigned, parse_bundle(unsigned), stage.master)
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        assert await verify_stored_bids(session) == []
    shown = await _open(clean_identity, stage)
    assert (shown["status"], shown["price"], shown["signature"], shown["signer"]) == (
        "ok",
        1_400_000_000,
        "unsigned",
        None,
    )


def _statement_signature(s: Stage, price: int, key: Ed25519PrivateKey) -> bytes:
    statement = content_statement(
        tenant_code="3507",
        tender_id=s.tender_id,
        vendor_id=s.vendor_id,
        price=price,
        files=[stated(f.name, f.data) for f in FILES],
    )
    return key.sign(statement)


async def test_the_hub_seals_a_bid_whose_contents_its_vendor_signed_and_the_opening_checks_it(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    key_id = signing_key_id(public_raw_of(stage.signing_key))
    wrong = OpenedBid(
        1_400_000_000, FILES, key_id, _statement_signature(stage, 1_500_000_000, stage.signing_key)
    )
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        with pytest.raises(BadSignature, match="content statement"):
            await seal_and_submit(session, stage.vendor, stage.tender_id, wrong, stage.master)
    signed = OpenedBid(
        1_400_000_000, FILES, key_id, _statement_signature(stage, 1_400_000_000, stage.signing_key)
    )
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        await seal_and_submit(session, stage.vendor, stage.tender_id, signed, stage.master)
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        stored = await session.scalar(select(Bid.bundle).where(Bid.tender_id == stage.tender_id))
        assert await verify_stored_bids(session) == []
    assert stored is not None
    assert (parse_bundle(stored).sealed_by, parse_bundle(stored).signature) == ("hub", None)
    shown = await _open(clean_identity, stage)
    assert (shown["status"], shown["price"], shown["signature"]) == ("ok", 1_400_000_000, "verified")


async def test_a_bid_the_hub_sealed_with_contents_its_vendor_did_not_sign_is_tampered_once_opened(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    """A hub that seals other contents than the vendor signed (its code altered, say) stores a bid
    whose receipt and audit entry match; the statement inside does not, and its price is never shown."""
    forged = seal_for_vendor(
        await _public_key(clean_identity, stage),
        tenant_code="3507",
        tender_id=stage.tender_id,
        vendor_id=stage.vendor_id,
        price=900_000_000,
        files=FILES,
        signer=signing_key_id(public_raw_of(stage.signing_key)),
        statement_signature=_statement_signature(stage, 1_400_000_000, stage.signing_key),
    )
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        vendor_id, tender = await bidder(session, stage.vendor, stage.tender_id)
        await _store(session, stage.vendor, tender, vendor_id, forged, parse_bundle(forged), stage.master)
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        assert await verify_stored_bids(session) == []  # nothing to see before it is opened
    shown = await _open(clean_identity, stage)
    assert (shown["status"], shown["price"], shown["failed_checks"]) == ("tampered", None, ["signature"])
    assert "content statement" in str(shown["problem"])
    assert "900000000" not in str(shown)
