"""Vendors' signing keys over HTTP, and signed bids as a vendor's user sends them (issue 15)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tenants.sealing import BidFile, decode_public_key, encode_signing_public_key, public_raw_of, seal_bid
from tests.e2e.procurement import PDF, SEALED, Client, advance, ok
from tests.e2e.test_uploads import Tender, tender

__all__ = ["tender"]  # the fixture, imported to be found

KEYS = "/api/vendors/me/signing-keys"


@pytest.fixture
async def bidding(tender: Tender) -> Tender:
    """The uploads' tender, taking bids: its vendor (with its registered key) is registered."""
    desk = tender.desk
    await advance(desk.engine, desk.regency.schema, desk.tender_id, "bid_submission")
    return tender


def _public(key: Ed25519PrivateKey) -> str:
    return encode_signing_public_key(public_raw_of(key))


async def test_a_vendors_user_registers_rotates_and_revokes_keys_and_anyone_reads_them(
    client: Client, bidding: Tender
) -> None:
    bidder = bidding.bidder
    successor, spare = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    rotated = ok(
        await client.post(
            KEYS, headers=bidder.headers, json={"public_key": _public(successor), "replaces": bidder.key_id}
        )
    )
    assert rotated["public_key"] == _public(successor)
    registered = ok(await client.post(KEYS, headers=bidder.headers, json={"public_key": _public(spare)}))
    revoked = ok(
        await client.post(
            f"{KEYS}/{registered['key_id']}/revoke", headers=bidder.headers, json={"reason": "retired"}
        )
    )
    assert revoked["revoke_reason"] == "retired"
    own = ok(await client.get(KEYS, headers=bidder.headers), 200)
    assert [(k["key_id"], k["revoke_reason"], k["replaced_by"]) for k in own] == [
        (bidder.key_id, "rotated", rotated["key_id"]),
        (rotated["key_id"], None, None),
        (registered["key_id"], "retired", None),
    ]
    public = ok(await client.get(f"/api/vendors/{bidder.vendor_id}/signing-keys"), 200)
    assert [k["key_id"] for k in public] == [k["key_id"] for k in own]
    assert "account_id" not in public[0]
    again = await client.post(KEYS, headers=bidder.headers, json={"public_key": _public(spare)})
    assert again.status_code == 409, again.text
    assert (await client.get("/api/vendors/999999/signing-keys")).status_code == 404


async def test_an_unsigned_bid_is_refused_with_a_422_problem(client: Client, bidding: Tender) -> None:
    desk = bidding.desk
    unsigned = seal_bid(
        decode_public_key(desk.tender_key),
        tenant_code=desk.regency.code,
        tender_id=desk.tender_id,
        vendor_id=bidding.bidder.vendor_id,
        price=900_000_000,
        files=[BidFile("penawaran.pdf", PDF, b"%PDF")],
        signing_key=None,
    )
    refused = await client.post(
        f"{desk.url}/bids", content=unsigned, headers={**bidding.bidder.headers, "Content-Type": SEALED}
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "urn:lpse-hub:problem:bad-signature"
    ok(await desk.bid(bidding.bidder, 900_000_000))


async def test_a_bid_the_hub_seals_needs_the_vendors_statement_signature(
    client: Client, bidding: Tender
) -> None:
    desk, bidder = bidding.desk, bidding.bidder
    files = {"penawaran.pdf": b"%PDF penawaran"}
    upload = {"files": ("penawaran.pdf", files["penawaran.pdf"], PDF)}
    url = f"{desk.url}/bids/sealed-by-hub"
    other_price = bidder.statement(desk.regency, desk.tender_id, 950_000_000, files)
    refused = await client.post(
        url, headers=bidder.headers, data={"price": "900000000", **other_price}, files=upload
    )
    assert refused.status_code == 422, refused.text
    signed = bidder.statement(desk.regency, desk.tender_id, 900_000_000, files)
    ok(await client.post(url, headers=bidder.headers, data={"price": "900000000", **signed}, files=upload))
    opening = await desk.open()
    [shown] = opening["bids"]
    assert (shown["status"], shown["price"], shown["signature"], shown["signer"]) == (
        "ok",
        900_000_000,
        "verified",
        bidder.key_id,
    )
