"""Committee-held tender keys over HTTP (issue 16): the tenant_admin chooses them, members register
keys, the announcement names the holders, and the bids open when two shares are given back."""

from __future__ import annotations

import httpx
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine

from tenants.sealing.key_shares import (
    decode_sealed,
    encode_sealed,
    new_x25519_key,
    raw_public,
    reseal_for_opening,
)
from tenants.sealing.tender_keys import decode_public_key, encode_public_key, fingerprint
from tests.e2e.procurement import Client, Desk, Headers, advance, bearer, ok, person, regency, vendor


def _public(key: X25519PrivateKey) -> str:
    return encode_public_key(raw_public(key))


async def test_a_committee_held_tender_opens_over_http_when_two_shares_are_given_back(
    client: Client, clean_identity: AsyncEngine
) -> None:
    engine = clean_identity
    malang = await regency(client, engine, "kab-malang", "3507")
    rules = f"{malang.base}/procurement-rules"
    members: list[Headers] = [malang.pokja]
    for _ in range(2):
        members.append(bearer(client, await person(engine, "selection_committee", malang.slug)))
    keys = [new_x25519_key() for _ in members]
    for headers, key in zip(members, keys, strict=True):
        registered = ok(
            await client.post(
                f"{malang.base}/member-keys", headers=headers, json={"public_key": _public(key)}
            )
        )
        assert registered["fingerprint"] == fingerprint(raw_public(key))
    # Only the tenant_admin sets the rules; anyone reads them and the member keys.
    chosen = {"key_custody": "committee", "share_threshold": 2}
    assert (await client.put(f"{rules}/key-custody", headers=malang.pokja, json=chosen)).status_code == 403
    recovery = new_x25519_key()
    ok(
        await client.put(
            f"{rules}/recovery-key", headers=malang.admin, json={"public_key": _public(recovery)}
        ),
        200,
    )
    shown = ok(await client.put(f"{rules}/key-custody", headers=malang.admin, json=chosen), 200)
    assert shown == {
        "key_custody": "committee",
        "share_threshold": 2,
        "recovery_fingerprint": fingerprint(raw_public(recovery)),
    }
    assert len(ok(await client.get(f"{malang.base}/member-keys"), 200)) == 3

    desk = Desk(client, engine, malang)
    announced = await desk.announce("Rehabilitasi Pasar Lawang", owner_estimate=900_000_000)
    custody = announced["key_custody"]
    assert (custody["mode"], custody["threshold"], len(custody["holders"])) == ("committee", 2, 4)
    assert custody["holders"][3] == {
        "slot": 3,
        "holder": "recovery",
        "account_id": None,
        "fingerprint": fingerprint(raw_public(recovery)),
    }
    verifier = await person(engine, "verifier", malang.slug)
    bidder = await vendor(client, engine, "andalas", "3507", verifier, malang.slug)
    await desk.bids({bidder: 850_000_000})

    # Before the close there is no opening key, and the committee's tender has no hub-held opening.
    early = await client.post(f"{desk.url}/opening-key", headers=members[0])
    assert (early.status_code, early.json()["title"]) == (409, "Conflict")
    await advance(engine, malang.schema, desk.tender_id, "bid_opening")
    refused = await client.post(f"{desk.url}/opening", headers=members[0])
    assert refused.status_code == 409
    assert "held by its committee in shares" in refused.json()["detail"]

    shares = ok(await client.post(f"{desk.url}/opening-key", headers=members[0]), 200)
    opening_public = decode_public_key(shares["opening_key"])
    by_fingerprint = {s["fingerprint"]: s for s in shares["shares"]}

    async def give(who: int, *, as_slot: int | None = None) -> httpx.Response:
        mine = by_fingerprint[fingerprint(raw_public(keys[who]))]
        sealed = reseal_for_opening(
            decode_sealed(mine["sealed_share"]),
            keys[who],
            opening_public,
            tenant_code=malang.code,
            tender_id=desk.tender_id,
            slot=mine["slot"],
        )
        slot = mine["slot"] if as_slot is None else as_slot
        return await client.post(
            f"{desk.url}/key-shares/{slot}",
            headers=members[who],
            json={"sealed_share": encode_sealed(sealed)},
        )

    first = ok(await give(1), 200)
    assert (first["given"], first["threshold"], first["opened"]) == ([1], 2, False)
    foreign = await give(2, as_slot=0)  # member 2 gives its share as member 0's
    assert foreign.status_code == 403
    assert foreign.json()["reason"] == "not-holder"
    again = await give(1)
    assert (again.status_code, again.json()["reason"]) == (409, "duplicate")
    bad = await client.post(f"{desk.url}/key-shares/2", headers=members[2], json={"sealed_share": "!!"})
    assert (bad.status_code, bad.json()["field"]) == (400, "sealed_share")

    opened = ok(await give(2), 200)
    assert opened["opened"] is True
    assert opened["opening"]["key_custody"]["used"] == [1, 2]
    [bid] = opened["opening"]["bids"]
    assert (bid["status"], bid["price"]) == ("ok", 850_000_000)
    public = ok(await client.get(desk.url), 200)
    assert public["opening"]["key_custody"]["used"] == [1, 2]
    assert public["key_custody"]["used"] == [1, 2]
    listed = ok(await client.get(f"{desk.url}/key-shares"), 200)
    assert [s["given"] for s in listed["shares"]] == [False, True, True, False]
    trail = f"{malang.base}/audit?subject=tender:{desk.tender_id}&limit=1000"
    actions = [entry["action"] for entry in ok(await client.get(trail, headers=malang.admin), 200)]
    assert (actions.count("key_share.given"), actions.count("key_share.refused")) == (2, 2)
    assert actions[-1] == "tender.opened"
