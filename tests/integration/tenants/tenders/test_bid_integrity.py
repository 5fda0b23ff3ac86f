"""A stored bid swapped or altered in the database shows before and at the opening (issue 15).

The tender key is public, so anyone with write access to the tenant's ``bids`` table can seal a new
bundle at another price and write it over a vendor's. The receipt and the ``bid.received`` entry,
signed and chained when the bid arrived, still name the bundle received: ``audit verify`` and the
opening compare every stored bundle with both.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from cli import audit
from hub.core.database import tenant_session
from hub.core.settings import Settings
from tenants.audit import AuditEntry
from tenants.sealing import BidFile, parse_bundle, seal_bid
from tenants.sealing._codec import b64url_encode, canonical_json
from tenants.sealing.receipts import format_time
from tenants.tenders import current_bids, open_bids, submit_bid, verify_stored_bids
from tenants.tenders.preparation.bid_keys import receipt_signer
from tests.conftest import in_database
from tests.integration.tenants.tenders.test_tender_rules import (  # the same tender and vendor
    Stage,
    _bid,
    _close_submission,
    stage,
)

__all__ = ["stage"]  # the fixture, imported to be found


async def _sealed(
    engine: AsyncEngine, s: Stage, price: int, signing_key: Ed25519PrivateKey | None = None
) -> bytes:
    """A bundle sealed to the tender's public key for the vendor, as anyone can make one (signed
    with ``signing_key``, if any: the vendor's own key is not the attacker's to use)."""
    async with engine.connect() as connection:
        key = await connection.scalar(
            text("SELECT public_key FROM t_3507.tenders WHERE id = :t"), {"t": s.tender_id}
        )
    files = [BidFile("p.pdf", "application/pdf", b"%PDF")]
    return seal_bid(
        key,
        tenant_code="3507",
        tender_id=s.tender_id,
        vendor_id=s.vendor_id,
        price=price,
        files=files,
        signing_key=signing_key,
    )


async def _swap(engine: AsyncEngine, s: Stage, price: int) -> None:
    """The attack: one UPDATE of the tenant's bids table, with a bundle at another price."""
    forged = await _sealed(engine, s, price)
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE t_3507.bids SET bundle = :b WHERE tender_id = :t AND superseded_at IS NULL"),
            {"b": forged, "t": s.tender_id},
        )


async def test_a_swapped_bundle_is_shown_tampered_at_the_opening_and_never_opened(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    await _swap(clean_identity, stage, 4_900_000_000)
    await _close_submission(clean_identity, stage.tender_id)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        opening = await open_bids(session, stage.pokja, stage.tender_id, stage.master)
    [shown] = opening["bids"]
    assert opening["tampered"] == 1
    assert (shown["status"], shown["price"], shown["failed_checks"]) == (
        "tampered",
        None,
        ["receipt", "audit", "signature"],
    )
    assert "files" not in shown
    assert "4900000000" not in json.dumps(opening)


async def test_a_swapped_bundle_is_found_without_opening_anything(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        assert await verify_stored_bids(session) == []
    await _swap(clean_identity, stage, 4_900_000_000)
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        found = await verify_stored_bids(session)
    assert [(m.vendor_id, m.check) for m in found] == [
        (stage.vendor_id, "receipt"),
        (stage.vendor_id, "audit"),
        (stage.vendor_id, "signature"),
    ]
    assert "arrived signed" in found[2].problem
    assert "the hash its bid.received entry records" in found[1].problem


async def _withhold(engine: AsyncEngine, s: Stage) -> None:
    """The attack within the hub's own role: mark the vendor's bid superseded, with no bid after it."""
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE t_3507.bids SET superseded_at = now() WHERE tender_id = :t"), {"t": s.tender_id}
        )


async def test_a_bid_withheld_by_marking_it_superseded_is_published_missing_at_the_opening(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    await _withhold(clean_identity, stage)
    await _close_submission(clean_identity, stage.tender_id)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        opening = await open_bids(session, stage.pokja, stage.tender_id, stage.master)
    [shown] = opening["bids"]
    assert (opening["count"], opening["missing"], opening["tampered"]) == (1, 1, 0)
    assert (shown["vendor_id"], shown["status"], shown["price"], shown["failed_checks"]) == (
        stage.vendor_id,
        "missing",
        None,
        ["presence"],
    )
    assert "superseded or removed in the database" in shown["problem"]


async def test_a_withheld_bid_is_found_without_opening_and_a_replaced_one_is_not(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    await _bid(clean_identity, stage, 1_300_000_000)  # replaces the first: superseded, and rightly so
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        assert await verify_stored_bids(session) == []
    await _withhold(clean_identity, stage)
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        found = await verify_stored_bids(session)
    assert [(m.vendor_id, m.check) for m in found] == [(stage.vendor_id, "presence")]


async def test_an_intact_bid_opens_after_the_checks(stage: Stage, clean_identity: AsyncEngine) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    await _close_submission(clean_identity, stage.tender_id)
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        opening = await open_bids(session, stage.pokja, stage.tender_id, stage.master)
    assert (opening["tampered"], opening["bids"][0]["status"], opening["bids"][0]["price"]) == (
        0,
        "ok",
        1_400_000_000,
    )
    assert opening["bids"][0]["signature"] == "verified"


def _flip_enc(bundle: bytes, signing_key: Ed25519PrivateKey) -> bytes:
    """The bundle with one bit of ``enc`` flipped, signed again by its vendor."""
    parsed = parse_bundle(bundle)
    flipped = replace(parsed, enc=bytes([parsed.enc[0] ^ 1]) + parsed.enc[1:])
    return replace(flipped, signature=signing_key.sign(flipped.signed_message())).to_bytes()


async def test_a_receipt_signs_the_sha256_of_the_exact_bytes_so_a_flipped_enc_gets_another_hash(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    intact = await _sealed(clean_identity, stage, 1_400_000_000, stage.signing_key)
    flipped = _flip_enc(intact, stage.signing_key)
    assert parse_bundle(flipped).sha256 == parse_bundle(intact).sha256  # the same ciphertext
    receipts = []
    for bundle in (intact, flipped):
        async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
            accepted = await submit_bid(session, stage.vendor, stage.tender_id, bundle, stage.master)
        receipts.append(json.loads(accepted.receipt))
    assert [r["bundle_sha256"] for r in receipts] == [
        hashlib.sha256(intact).hexdigest(),
        hashlib.sha256(flipped).hexdigest(),
    ]
    assert receipts[0]["v"] == 2
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        recorded = await session.scalar(
            select(AuditEntry.payload)
            .where(AuditEntry.action == "bid.received")
            .order_by(AuditEntry.seq.desc())
        )
    assert recorded is not None
    assert recorded["bundle_sha256"] == hashlib.sha256(flipped).hexdigest()


def test_audit_verify_reports_a_swapped_bundle_and_exits_1(
    stage: Stage, clean_identity: AsyncEngine, settings: Settings
) -> None:
    cli = typer.Typer()
    cli.add_typer(audit.app, name="audit")
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url or "", "LPSE_HUB_DATA_DIR": str(settings.data_dir)}
    in_database(settings, lambda engine: _bid(engine, stage, 1_400_000_000))
    intact = CliRunner().invoke(cli, ["audit", "verify", "--tenant", "kab-malang"], env=env)
    assert intact.exit_code == 0, intact.output
    in_database(settings, lambda engine: _swap(engine, stage, 4_900_000_000))
    swapped = CliRunner().invoke(cli, ["audit", "verify", "--tenant", "kab-malang"], env=env)
    assert swapped.exit_code == 1
    assert f"BID TAMPERED kab-malang tender {stage.tender_id} vendor {stage.vendor_id}" in swapped.stdout
    assert "1 tenants, 1 broken" in swapped.stdout
    as_json = CliRunner().invoke(cli, ["audit", "verify", "--tenant", "kab-malang", "--json"], env=env)
    [report] = json.loads(as_json.stdout)
    assert report["ok"] is True  # the chain itself is intact: the bundle is what changed
    assert [m["check"] for m in report["bids"]["mismatches"]] == ["receipt", "audit", "signature"]


async def _give_a_version_1_receipt(engine: AsyncEngine, s: Stage) -> None:
    """The bid's receipt as the hub signed them before receipt v2: over the ciphertext's hash only."""
    async with tenant_session(engine, s.tenant.schema) as session, session.begin():
        kid, private = await receipt_signer(session, s.master)
        bid = (await current_bids(session, s.tender_id))[0]
        fields = {
            "ciphertext_sha256": parse_bundle(bid.bundle).sha256,
            "kid": kid,
            "received_at": format_time(bid.received_at),
            "tender": s.tender_id,
            "tenant": "3507",
            "v": 1,
            "vendor": s.vendor_id,
        }
        signature = Ed25519PrivateKey.from_private_bytes(private).sign(canonical_json(fields))
        bid.receipt = canonical_json(fields | {"signature": b64url_encode(signature)})


async def test_a_bid_with_a_version_1_receipt_still_opens_and_its_swap_still_shows(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    await _bid(clean_identity, stage, 1_400_000_000)
    await _give_a_version_1_receipt(clean_identity, stage)
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        assert await verify_stored_bids(session) == []
    await _swap(clean_identity, stage, 4_900_000_000)
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        assert [m.check for m in await verify_stored_bids(session)] == ["receipt", "audit", "signature"]
