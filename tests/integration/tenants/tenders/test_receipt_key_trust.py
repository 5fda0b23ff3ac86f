"""A receipt key an insider adds to ``hub.receipt_keys`` signs no receipt that passes (issue 15).

With database write access an insider can swap a bundle and store a receipt forged for it under a
key of their own, inserted as a row. A receipt key counts only when its private half, wrapped by the
master key and bound to its ``kid``, opens and gives exactly its public key: the opening, the probe
and ``audit verify`` (with the master key) ignore any other row and name it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio
import typer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from cli import audit
from hub.core.database import hub_sessions, tenant_session
from hub.core.settings import Settings
from tenants.sealing import encode_receipt_public_key, generate_receipt_key, sign_receipt
from tenants.tenders import open_bids, verify_stored_bids
from tenants.tenders.preparation.bid_keys import hub_receipt_keys, receipt_public_keys
from tests.integration.tenants.tenders.test_bid_integrity import _sealed
from tests.integration.tenants.tenders.test_tender_rules import Stage, _bid, _close_submission, stage

__all__ = ["stage"]  # the fixture, imported to be found

INSIDER_KID = "insider-0001"
NOT_THE_HUBS = f"receipt key {INSIDER_KID} is not one of the hub's"


@pytest_asyncio.fixture(loop_scope="session")
async def forged(stage: Stage, clean_identity: AsyncEngine) -> AsyncIterator[Stage]:
    """The vendor's bid, then the insider's work: a key of their own inserted into
    ``hub.receipt_keys``, the bundle swapped and a receipt for the new bundle signed with that key."""
    await _bid(clean_identity, stage, 1_400_000_000)
    private, public = generate_receipt_key()
    async with clean_identity.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO hub.receipt_keys (kid, private_key, public_key, retired_at) "
                "VALUES (:kid, :private, :public, now())"  # retired: the hub's own stays current
            ),
            {"kid": INSIDER_KID, "private": b"\x00" * 60, "public": encode_receipt_public_key(public)},
        )
    bundle = await _sealed(clean_identity, stage, 4_900_000_000)
    async with clean_identity.begin() as connection:
        fingerprint = await connection.scalar(
            text("SELECT key_fingerprint FROM t_3507.tenders WHERE id = :t"), {"t": stage.tender_id}
        )
        receipt = sign_receipt(
            private,
            kid=INSIDER_KID,
            tenant_code="3507",
            tender_id=stage.tender_id,
            vendor_id=stage.vendor_id,
            bundle_sha256=hashlib.sha256(bundle).hexdigest(),
            key_fingerprint=fingerprint,
            received_at=datetime.now(UTC),
        )
        await connection.execute(
            text("UPDATE t_3507.bids SET bundle = :b, receipt = :r WHERE tender_id = :t"),
            {"b": bundle, "r": receipt, "t": stage.tender_id},
        )
    yield stage
    async with clean_identity.begin() as connection:
        await connection.execute(text("DELETE FROM hub.receipt_keys WHERE kid LIKE 'insider-%'"))


async def test_a_receipt_under_an_inserted_key_fails_the_receipt_check_at_the_opening(
    forged: Stage, clean_identity: AsyncEngine
) -> None:
    await _close_submission(clean_identity, forged.tender_id)
    async with tenant_session(clean_identity, forged.tenant.schema) as session, session.begin():
        opening = await open_bids(session, forged.pokja, forged.tender_id, forged.master)
    [shown] = opening["bids"]
    assert (shown["status"], shown["price"]) == ("tampered", None)
    assert shown["failed_checks"] == ["receipt", "audit", "signature"]  # unsigned: not the vendor's
    assert f"receipt: {NOT_THE_HUBS}" in shown["problem"]


async def test_without_the_master_key_the_inserted_key_is_taken_as_stored_and_the_receipt_check_passes(
    forged: Stage, clean_identity: AsyncEngine
) -> None:
    async with tenant_session(clean_identity, forged.tenant.schema) as session:
        with_master = await verify_stored_bids(session, forged.master)
        without = await verify_stored_bids(session)
    assert [(m.check, m.problem.startswith(NOT_THE_HUBS)) for m in with_master] == [
        ("receipt", True),
        ("audit", False),
        ("signature", False),
    ]
    assert [m.check for m in without] == ["audit", "signature"]  # why `audit verify` says when it has no key


def test_audit_verify_names_the_inserted_receipt_key_and_exits_1(forged: Stage, settings: Settings) -> None:
    cli = typer.Typer()
    cli.add_typer(audit.app, name="audit")
    env = {"LPSE_HUB_DATABASE_URL": settings.database_url or "", "LPSE_HUB_DATA_DIR": str(settings.data_dir)}
    found = CliRunner().invoke(cli, ["audit", "verify", "--tenant", "kab-malang", "--json"], env=env)
    assert found.exit_code == 1, found.output
    [report] = json.loads(found.stdout)
    [receipt] = [m for m in report["bids"]["mismatches"] if m["check"] == "receipt"]
    assert receipt["problem"].startswith(NOT_THE_HUBS)


async def test_only_the_hubs_own_receipt_keys_are_published_and_trusted(
    forged: Stage, clean_identity: AsyncEngine
) -> None:
    async with clean_identity.begin() as connection:  # the hub's genuine wrapped key, copied to a new kid
        await connection.execute(
            text(
                "INSERT INTO hub.receipt_keys (kid, private_key, public_key, retired_at) "
                "SELECT 'insider-copy', private_key, public_key, now() FROM hub.receipt_keys "
                "WHERE retired_at IS NULL"
            )
        )
    async with hub_sessions(clean_identity)() as session:
        published = {key.kid for key in await receipt_public_keys(session, forged.master)}
        every_row = {key.kid for key in await receipt_public_keys(session)}
        trusted = await hub_receipt_keys(session, forged.master)
    assert {INSIDER_KID, "insider-copy"} <= every_row
    assert not published & {INSIDER_KID, "insider-copy"}
    assert published  # the hub's own key that signed the vendor's receipt
    assert trusted.foreign >= {INSIDER_KID, "insider-copy"}
    assert set(trusted.public) == published
