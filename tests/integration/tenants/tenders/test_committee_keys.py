"""A committee-held tender key: no bid opens before k of its holders give their shares back (issue 16).

Three selection-committee members of Kabupaten Malang hold member keys; the tenant_admin holds the
LPSE's recovery key (on paper). A tender announced under committee custody splits its key 2 of 4:
one share per member and the recovery share. The hub keeps the sealed shares and the public key,
never the private key: these tests hold every key the hub holds (its database, the master key, the
tenant key) and still cannot open a bid before two shares are in.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Conflict, InvalidInput
from hub.core.settings import Settings
from tenants.agencies import add_agency
from tenants.audit import AuditEntry
from tenants.sealing import (
    BidFile,
    KeyUnwrapError,
    encode_public_key,
    seal_bid,
    tender_key_context,
    unwrap_key,
)
from tenants.sealing.errors import ShareRefused
from tenants.sealing.key_shares import (
    combine_shares,
    holder_context,
    new_x25519_key,
    opening_context,
    raw_public,
    recovery_key_from_words,
    recovery_key_words,
    reseal_for_opening,
    seal_share,
    split_tender_key,
    unseal_share,
)
from tenants.tenders import (
    Actor,
    PackageInput,
    announce_tender,
    create_package,
    create_tender,
    open_bids,
    register_for_tender,
    submit_bid,
)
from tenants.tenders.bidding.given_shares import GiveOutcome, give_share, opening_key, opening_key_context
from tenants.tenders.custody import key_shares, member_keys, register_member_key
from tenants.tenders.custody.rules import set_key_custody, set_recovery_key
from tenants.tenders.models import Tender
from tenants.tenders.outages import OutageRule, RecordedOutage, extend_deadlines
from tenants.tenders.preparation.bid_keys import tenant_key
from tests.integration.tenants.tenders.test_tender_rules import (
    Stage,
    _close_submission,
    _person,
    stage,
    taking_bids,
)

__all__ = ["stage"]  # the fixture the committee's tender is built on, imported to be found


@dataclass
class Committee:
    stage: Stage
    tender_id: int
    members: list[Actor]
    keys: list[X25519PrivateKey]
    """Each member's key, on the member's own machine."""
    admin: Actor
    recovery: X25519PrivateKey
    """The LPSE's recovery key, as typed back from paper."""

    @property
    def code(self) -> str:
        return self.stage.tenant.code


@pytest.fixture
async def committee(stage: Stage, clean_identity: AsyncEngine, settings: Settings) -> Committee:
    """A second tender of ``stage``'s LPSE, announced under committee custody (2 of 3 members plus the
    recovery share), with bids from ``stage``'s vendor; its submission still open."""
    engine, tenant = clean_identity, stage.tenant
    members = [stage.pokja] + [Actor(await _person(engine, "selection_committee"), tenant) for _ in range(2)]
    admin = Actor(await _person(engine, "tenant_admin"), tenant)
    ppk = Actor(await _person(engine, "commitment_officer"), tenant)
    keys = [new_x25519_key() for _ in members]
    recovery = recovery_key_from_words(recovery_key_words(new_x25519_key()))  # to paper and back
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        for member, key in zip(members, keys, strict=True):
            await register_member_key(session, member, encode_public_key(raw_public(key)))
        await set_recovery_key(session, admin, raw_public(recovery))
        await set_key_custody(session, admin, "committee", None)
        tender_id = await _another_tender(session, stage, ppk)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        await register_for_tender(session, stage.vendor, tender_id)
    return Committee(stage, tender_id, members, keys, admin, recovery)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def _another_tender(session: AsyncSession, stage: Stage, ppk: Actor) -> int:
    """A tender of a new package of ``stage``'s LPSE, taking bids, announced by its committee."""
    agency = await add_agency(session, f"Dinas {uuid.uuid4().hex[:6]}")
    package = await create_package(
        session,
        ppk,
        PackageInput(
            agency.id, "Rehabilitasi Pasar Lawang", 2026, "construction", "tender", 10**9, 9 * 10**8
        ),
    )
    schedule = taking_bids(datetime.now(UTC))
    tender = await create_tender(session, stage.pokja, package.id, "lowest_price", schedule)
    await announce_tender(session, stage.pokja, tender.id, stage.master)
    return tender.id


async def _bid(engine: AsyncEngine, c: Committee, price: int) -> None:
    async with tenant_session(engine, c.stage.tenant.schema) as session, session.begin():
        tender = await session.get(Tender, c.tender_id)
        assert tender is not None
        assert tender.public_key is not None
        bundle = seal_bid(
            tender.public_key,
            tenant_code=c.code,
            tender_id=c.tender_id,
            vendor_id=c.stage.vendor_id,
            price=price,
            files=[BidFile("p.pdf", "application/pdf", b"%PDF")],
            signing_key=c.stage.signing_key,
        )
        await submit_bid(session, c.stage.vendor, c.tender_id, bundle, c.stage.master)


async def _opening_public(engine: AsyncEngine, c: Committee, who: Actor) -> bytes:
    async with tenant_session(engine, c.stage.tenant.schema) as session, session.begin():
        return (await opening_key(session, who, c.tender_id, c.stage.master)).public_key


async def _sealed_share(engine: AsyncEngine, c: Committee, slot: int) -> bytes:
    async with tenant_session(engine, c.stage.tenant.schema) as session:
        shares = await key_shares(session, c.tender_id)
    return shares[slot].sealed_share


async def _give(
    engine: AsyncEngine, c: Committee, who: Actor, slot: int, key: X25519PrivateKey | None = None
) -> GiveOutcome:
    """What ``lpse-hub opening share`` does for ``who``: unseal the share of ``slot`` with ``key`` on
    their machine, seal it to the opening's key, and give it back."""
    holder = key if key is not None else (c.recovery if slot == len(c.members) else c.keys[slot])
    opening_public = await _opening_public(engine, c, who)
    resealed = reseal_for_opening(
        await _sealed_share(engine, c, slot),
        holder,
        opening_public,
        tenant_code=c.code,
        tender_id=c.tender_id,
        slot=slot,
    )
    return await _give_sealed(engine, c, who, slot, resealed)


async def _give_sealed(
    engine: AsyncEngine, c: Committee, who: Actor, slot: int, sealed: bytes
) -> GiveOutcome:
    async with tenant_session(engine, c.stage.tenant.schema) as session, session.begin():
        return await give_share(session, who, c.tender_id, slot, sealed, c.stage.master)


async def _entries(engine: AsyncEngine, c: Committee, action: str) -> list[AuditEntry]:
    async with tenant_session(engine, c.stage.tenant.schema) as session:
        query = select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.subject == f"tender:{c.tender_id}"
        )
        return list((await session.execute(query.order_by(AuditEntry.seq))).scalars())


async def test_the_announcement_seals_one_share_per_member_and_one_to_the_recovery_key(
    committee: Committee, clean_identity: AsyncEngine
) -> None:
    async with tenant_session(clean_identity, committee.stage.tenant.schema) as session:
        tender = await session.get(Tender, committee.tender_id)
        shares = await key_shares(session, committee.tender_id)
    assert tender is not None
    assert (tender.key_custody, tender.share_threshold, tender.wrapped_private_key) == ("committee", 2, None)
    assert [(s.slot, s.holder_account_id) for s in shares] == [
        (0, committee.members[0].account_id),
        (1, committee.members[1].account_id),
        (2, committee.members[2].account_id),
        (3, None),
    ]
    for share, key in zip(shares, [*committee.keys, committee.recovery], strict=True):
        context = holder_context(committee.code, committee.tender_id, share.slot)
        assert unseal_share(share.sealed_share, key, context=context)  # each holder opens its own
    [shared] = await _entries(clean_identity, committee, "tender.key_shared")
    assert shared.payload["threshold"] == 2
    assert [h["fingerprint"] for h in shared.payload["holders"]] == [s.holder_fingerprint for s in shares]


async def test_every_key_the_hub_holds_opens_no_bid_before_the_shares(
    committee: Committee, clean_identity: AsyncEngine
) -> None:
    c, engine = committee, clean_identity
    await _bid(engine, c, 1_250_000_000)
    await _close_submission(engine, c.tender_id)
    async with tenant_session(engine, c.stage.tenant.schema) as session, session.begin():
        with pytest.raises(Conflict, match="held by its committee in shares"):
            await open_bids(session, c.members[0], c.tender_id, c.stage.master)
    one_time_public = await _opening_public(engine, c, c.members[0])
    # The attacker holds the database, the master key, the tenant key and the opening's one-time key.
    async with tenant_session(engine, c.stage.tenant.schema) as session:
        tender = await session.get(Tender, c.tender_id)
        assert tender is not None
        assert tender.opening_wrapped_key is not None
        the_tenant_key = await tenant_key(session, c.stage.master, c.code)
        every_bytea = [
            value
            for row in (
                await session.execute(
                    text(f"SELECT * FROM {c.stage.tenant.schema}.tenders WHERE id = :t"), {"t": c.tender_id}
                )
            ).all()
            for value in row
            if isinstance(value, bytes)
        ]
        shares = await key_shares(session, c.tender_id)
    assert (
        len(every_bytea) == 3
    )  # the public key, the one-time key's public half and its wrapped private half
    assert len(shares) == 4
    for value in every_bytea:  # no stored value unwraps to the tender's private key
        with pytest.raises(KeyUnwrapError):
            unwrap_key(value, the_tenant_key, tender_key_context(c.code, c.tender_id))
    one_time = X25519PrivateKey.from_private_bytes(
        unwrap_key(tender.opening_wrapped_key, the_tenant_key, opening_key_context(c.code, c.tender_id))
    )
    assert raw_public(one_time) == one_time_public
    for share in shares:  # nor do the hub's keys open a share sealed to a holder
        for context in (
            holder_context(c.code, c.tender_id, share.slot),
            opening_context(c.code, c.tender_id, share.slot),
        ):
            with pytest.raises(ShareRefused):
                unseal_share(share.sealed_share, one_time, context=context)
    # One share given back (which the hub can then read) is one share: k - 1 rebuild nothing.
    outcome = await _give(engine, c, c.members[0], 0)
    assert (outcome.given, outcome.opening, outcome.refused) == ([0], None, None)
    async with tenant_session(engine, c.stage.tenant.schema) as session:
        given = (
            await session.execute(
                text(f"SELECT sealed_share FROM {c.stage.tenant.schema}.tender_given_shares")
            )
        ).scalar_one()
    one_share = unseal_share(given, one_time, context=opening_context(c.code, c.tender_id, 0))
    with pytest.raises(ShareRefused) as too_few:
        combine_shares([one_share], threshold=2)
    assert too_few.value.reason == "too-few"
    async with tenant_session(engine, c.stage.tenant.schema) as session:
        tender = await session.get(Tender, c.tender_id)
        assert tender is not None
        assert (tender.status, tender.opening) == ("announced", None)


async def test_two_members_shares_open_every_bid_and_the_record_names_them(
    committee: Committee, clean_identity: AsyncEngine
) -> None:
    c, engine = committee, clean_identity
    await _bid(engine, c, 1_250_000_000)
    await _close_submission(engine, c.tender_id)
    first = await _give(engine, c, c.members[2], 2)
    assert (first.given, first.threshold, first.opening) == ([2], 2, None)
    second = await _give(engine, c, c.members[0], 0)
    assert second.refused is None
    assert second.opening is not None
    [bid] = second.opening["bids"]
    assert (bid["status"], bid["price"]) == ("ok", 1_250_000_000)
    custody = second.opening["key_custody"]
    assert (custody["mode"], custody["threshold"], custody["used"]) == ("committee", 2, [2, 0])
    async with tenant_session(engine, c.stage.tenant.schema) as session:
        tender = await session.get(Tender, c.tender_id)
        assert tender is not None
        assert (tender.status, tender.opening_wrapped_key, tender.wrapped_private_key) == (
            "opened",
            None,
            None,
        )
    given = await _entries(engine, c, "key_share.given")
    assert [(e.actor_id, e.payload["slot"]) for e in given] == [
        (c.members[2].account_id, 2),
        (c.members[0].account_id, 0),
    ]
    [opened] = await _entries(engine, c, "tender.opened")
    assert opened.payload["key_custody"]["used"] == [2, 0]


async def test_the_recovery_key_stands_in_for_a_member_who_lost_theirs(
    committee: Committee, clean_identity: AsyncEngine
) -> None:
    c, engine = committee, clean_identity
    await _bid(engine, c, 990_000_000)
    await _close_submission(engine, c.tender_id)
    assert (await _give(engine, c, c.members[1], 1)).opening is None
    recovered = await _give(engine, c, c.admin, 3)  # the tenant_admin, with the words from paper
    assert recovered.opening is not None
    assert recovered.opening["bids"][0]["price"] == 990_000_000
    assert recovered.opening["key_custody"]["used"] == [1, 3]
    holders = {h["slot"]: h["holder"] for h in recovered.opening["key_custody"]["holders"]}
    assert holders[3] == "recovery"


async def _refusal(outcome: GiveOutcome) -> str:
    assert outcome.refused is not None, outcome
    return str(outcome.refused.reason)  # type: ignore[attr-defined]


async def test_early_foreign_duplicate_and_wrong_shares_are_refused_and_recorded(
    committee: Committee, clean_identity: AsyncEngine
) -> None:
    c, engine = committee, clean_identity
    await _bid(engine, c, 1_100_000_000)
    # Before the close: no opening key yet, and a share sealed to anything is refused.
    async with tenant_session(engine, c.stage.tenant.schema) as session, session.begin():
        with pytest.raises(Conflict, match="after bid submission closes"):
            await opening_key(session, c.members[0], c.tender_id, c.stage.master)
    sealed_early = seal_share("x", raw_public(new_x25519_key()), context="early")
    assert await _refusal(await _give_sealed(engine, c, c.members[0], 0, sealed_early)) == "early"
    await _close_submission(engine, c.tender_id)
    # Another member's slot, and the recovery slot given by a member.
    assert await _refusal(await _give(engine, c, c.members[1], 0, key=c.keys[0])) == "not-holder"
    assert await _refusal(await _give(engine, c, c.members[1], 3, key=c.recovery)) == "not-holder"
    # A share of another split, sealed right: not the share sealed to this holder.
    opening_public = await _opening_public(engine, c, c.members[1])
    stranger = split_tender_key(bytes(range(32)), threshold=2, holders=4)[1]
    wrong = seal_share(stranger, opening_public, context=opening_context(c.code, c.tender_id, 1))
    assert await _refusal(await _give_sealed(engine, c, c.members[1], 1, wrong)) == "wrong-share"
    # Its own share, sealed for another slot: does not open as this slot's.
    moved = reseal_for_opening(
        await _sealed_share(engine, c, 1),
        c.keys[1],
        opening_public,
        tenant_code=c.code,
        tender_id=c.tender_id,
        slot=1,
    )
    assert await _refusal(await _give_sealed(engine, c, c.members[1], 2, moved)) == "not-holder"
    assert await _refusal(await _give_sealed(engine, c, c.members[2], 2, moved)) == "does-not-open"
    # Given, then given again.
    assert (await _give(engine, c, c.members[1], 1)).refused is None
    assert await _refusal(await _give(engine, c, c.members[1], 1)) == "duplicate"
    refused = await _entries(engine, c, "key_share.refused")
    assert [(e.payload["slot"], e.payload["reason"]) for e in refused] == [
        (0, "early"),
        (0, "not-holder"),
        (3, "not-holder"),
        (1, "wrong-share"),
        (2, "not-holder"),
        (2, "does-not-open"),
        (1, "duplicate"),
    ]
    async with tenant_session(engine, c.stage.tenant.schema) as session:
        tender = await session.get(Tender, c.tender_id)
        assert tender is not None
        assert tender.status == "announced"


async def test_two_last_shares_at_once_open_the_tender_once(
    committee: Committee, clean_identity: AsyncEngine
) -> None:
    c, engine = committee, clean_identity
    await _bid(engine, c, 1_000_000_000)
    await _close_submission(engine, c.tender_id)
    await _give(engine, c, c.members[0], 0)
    # Both members unsealed and resealed their shares on their machines; they send them at once.
    opening_public = await _opening_public(engine, c, c.members[1])
    resealed = [
        reseal_for_opening(
            await _sealed_share(engine, c, slot),
            c.keys[slot],
            opening_public,
            tenant_code=c.code,
            tender_id=c.tender_id,
            slot=slot,
        )
        for slot in (1, 2)
    ]
    outcomes = await asyncio.gather(
        _give_sealed(engine, c, c.members[1], 1, resealed[0]),
        _give_sealed(engine, c, c.members[2], 2, resealed[1]),
    )
    opened = [o for o in outcomes if o.opening is not None]
    refused = [o for o in outcomes if o.refused is not None]
    assert (len(opened), len(refused)) == (1, 1)
    assert await _refusal(refused[0]) == "opened"
    assert len(await _entries(engine, c, "tender.opened")) == 1


async def test_announcing_needs_the_recovery_key_and_enough_keyed_members(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    engine, tenant = clean_identity, stage.tenant
    admin = Actor(await _person(engine, "tenant_admin"), tenant)
    ppk = Actor(await _person(engine, "commitment_officer"), tenant)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        await set_key_custody(session, admin, "committee", 2)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        with pytest.raises(Conflict, match="no recovery key"):
            await _another_tender(session, stage, ppk)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        await set_recovery_key(session, admin, raw_public(new_x25519_key()))
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        with pytest.raises(Conflict, match="has a member key"):
            await _another_tender(session, stage, ppk)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        await register_member_key(session, stage.pokja, encode_public_key(raw_public(new_x25519_key())))
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        with pytest.raises(Conflict, match="with 2 shares, and this committee has 1 members"):
            await _another_tender(session, stage, ppk)
    async with tenant_session(engine, tenant.schema) as session, session.begin():
        with pytest.raises(InvalidInput, match="key_custody is 'hub' or 'committee'"):
            await set_key_custody(session, admin, "pokja", None)


async def test_a_new_member_key_replaces_the_old_and_both_stay_on_record(
    stage: Stage, clean_identity: AsyncEngine
) -> None:
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        first = await register_member_key(
            session, stage.pokja, encode_public_key(raw_public(new_x25519_key()))
        )
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        second = await register_member_key(
            session, stage.pokja, encode_public_key(raw_public(new_x25519_key()))
        )
    async with tenant_session(clean_identity, stage.tenant.schema) as session:
        keys = await member_keys(session, stage.pokja.account_id)
    assert [(k.id, k.revoke_reason) for k in keys] == [(first.id, "replaced"), (second.id, None)]
    async with tenant_session(clean_identity, stage.tenant.schema) as session, session.begin():
        with pytest.raises(InvalidInput, match="x25519"):
            await register_member_key(session, stage.pokja, "ed25519:" + _b64(bytes(32)))
        with pytest.raises(InvalidInput, match="not a usable X25519"):
            await register_member_key(session, stage.pokja, encode_public_key(bytes(32)))


async def test_the_opening_key_waits_for_the_extension_an_outage_before_the_deadline_gives(
    committee: Committee, clean_identity: AsyncEngine
) -> None:
    c, engine = committee, clean_identity
    await _close_submission(engine, c.tender_id)
    async with hub_sessions(engine)() as session, session.begin():
        now = await session.scalar(select(func.now()))
        assert now is not None
        session.add(
            RecordedOutage(
                tenant_code=c.code,
                tenant_slug=c.stage.tenant.slug,
                starts_at=now - timedelta(minutes=40),
                ends_at=now - timedelta(minutes=10),
                reason="kabel serat optik putus",
                recorded_by="operator",
            )
        )
    try:
        with pytest.raises(Conflict, match="after bid submission closes"):
            await _opening_public(engine, c, c.members[0])
        async with tenant_session(engine, c.stage.tenant.schema) as session, session.begin():
            [extended] = await extend_deadlines(session, c.stage.tenant, OutageRule())
        assert extended.new_end > now + timedelta(hours=2)
        with pytest.raises(Conflict, match="after bid submission closes"):
            await _opening_public(engine, c, c.members[0])
    finally:
        async with hub_sessions(engine)() as session, session.begin():
            await session.execute(delete(RecordedOutage))
