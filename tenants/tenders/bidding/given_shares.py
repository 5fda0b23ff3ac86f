"""A committee-held tender opened by its shares, given back one by one after the close.

After the close, the opening's one-time key is made (``opening_key``); each holder unseals its
share on its own machine and gives it back sealed to that key (``give_share``). A share is taken
only from its holder, once, after the close, if it is exactly the share sealed to that holder (its
SHA-256); anything else is refused with its reason and the refusal is recorded in the audit chain.
When ``threshold`` shares are in, the key is rebuilt in memory, every bid is opened
(``tenants.tenders.bidding.bids.open_sealed_bids``) and the key and the one-time key are dropped;
the opening record names the holders whose shares were used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.models import Role
from federation.identity.policy import Action
from hub.core.clock import database_now
from hub.core.errors import Conflict, Forbidden, HubError, NotFound
from hub.core.master_key import MasterKey
from tenants.sealing.errors import ShareRefused
from tenants.sealing.key_shares import (
    combine_shares,
    new_x25519_key,
    opening_context,
    raw_private,
    raw_public,
    share_digest,
    unseal_share,
)
from tenants.sealing.tender_keys import derive_public_key, fingerprint, unwrap_key, wrap_key
from tenants.tenders.acting import get_tender
from tenants.tenders.bidding.bids import hold_the_close, open_sealed_bids, require_closed
from tenants.tenders.bidding.unsealing import IN_THREAD, Unsealer
from tenants.tenders.custody import RECOVERY, GivenShare, TenderKeyShare, custody_record, key_shares
from tenants.tenders.models import Tender
from tenants.tenders.outages import OutageRule
from tenants.tenders.preparation.bid_keys import tenant_key
from tenants.tenders.schedules import load_schedule
from tenants.tenders.stages import Stage
from tenants.vocabulary import KeyCustody, TenderStatus


def opening_key_context(tenant_code: str, tender_id: int) -> str:
    """The context the opening's one-time private key is wrapped in under the tenant key."""
    return f"opening-key|{tenant_code}|{tender_id}"


@dataclass(frozen=True, slots=True)
class OpeningKey:
    """The opening's one-time key and where the giving stands."""

    public_key: bytes
    threshold: int
    given: list[int]
    shares: list[TenderKeyShare] = field(default_factory=list)


async def opening_key(
    session: AsyncSession, actor: Actor, tender_id: int, master: MasterKey, outages: OutageRule = OutageRule()
) -> OpeningKey:
    """The opening's one-time key, made on first request after the close (an outage that reached the
    deadline moves the close first, ``tenants.tenders.outages``); ``Conflict`` before."""
    await actor.require(session, Action.KEY_SHARE_GIVE)
    tender = await get_tender(session, tender_id, for_update=True)
    _require_committee_held(tender)
    if tender.opened_at is not None:
        raise Conflict(f"the bids of tender {tender_id} were opened already")
    if tender.status != TenderStatus.ANNOUNCED:
        raise Conflict(f"tender {tender_id} is {tender.status}")
    await require_closed(
        session, actor.tenant, tender, outages, "the opening's key is made after bid submission closes"
    )
    if tender.opening_public_key is None:
        one_time = new_x25519_key()
        key = await tenant_key(session, master, actor.tenant.code)
        tender.opening_wrapped_key = wrap_key(
            raw_private(one_time), key, opening_key_context(actor.tenant.code, tender_id)
        )
        tender.opening_public_key = raw_public(one_time)
        await session.flush()
        await actor.record(
            session,
            "opening.key_made",
            f"tender:{tender_id}",
            fingerprint=fingerprint(tender.opening_public_key),
        )
    assert tender.share_threshold is not None
    given = await given_slots(session, tender_id)
    return OpeningKey(
        tender.opening_public_key, tender.share_threshold, given, await key_shares(session, tender_id)
    )


@dataclass(frozen=True, slots=True)
class GiveOutcome:
    """What became of a share given back: taken (``refused`` ``None``), the shares in so far, and the
    opening once ``threshold`` were in; or the refusal, recorded in the audit chain all the same."""

    given: list[int]
    threshold: int | None
    opening: dict[str, Any] | None = None
    refused: HubError | None = None


def refusal(cls: type[HubError], reason: str, detail: str) -> HubError:
    """A refusal of a share: ``cls`` says its HTTP status, ``reason`` is the word the audit chain
    and the problem response (``reason``) both use."""
    return cls(detail, field="share", reason=reason)


async def give_share(
    session: AsyncSession,
    actor: Actor,
    tender_id: int,
    slot: int,
    sealed: bytes,
    master: MasterKey,
    *,
    unsealer: Unsealer = IN_THREAD,
    outages: OutageRule = OutageRule(),
) -> GiveOutcome:
    """Take the share of ``slot`` that the caller gives back sealed to the opening's one-time key; with
    the tender's threshold reached, open its bids. A share that cannot count is refused, and the
    refusal (who, which slot, why) is appended to the audit chain in the caller's transaction, which
    the caller commits: the refusal is the outcome, not an exception. ``unsealer``: as for
    ``bids.open_bids``."""
    await actor.require(session, Action.KEY_SHARE_GIVE)
    await hold_the_close(session, actor.tenant.code, tender_id, exclusive=True)
    tender = await get_tender(session, tender_id, for_update=True)
    _require_committee_held(tender)
    try:
        async with session.begin_nested():
            private = await _take(session, actor, tender, slot, sealed, master)
    except HubError as refused:
        reason = refused.reason
        if reason is None:
            raise
        await actor.record(
            session,
            "key_share.refused",
            f"tender:{tender_id}",
            slot=slot,
            reason=reason,
            detail=refused.detail,
        )
        return GiveOutcome(await given_slots(session, tender_id), tender.share_threshold, refused=refused)
    given = await given_slots(session, tender_id)
    if private is None:
        return GiveOutcome(given, tender.share_threshold)
    await require_closed(session, actor.tenant, tender, outages)  # an outage learnt since the key was made
    shares = await key_shares(session, tender_id)
    used = given[: tender.share_threshold]
    opening = await open_sealed_bids(
        session,
        actor,
        tender,
        private,
        master,
        custody=custody_record(tender, shares, used),
        unsealer=unsealer,
    )
    tender.opening_wrapped_key = None  # the one-time key goes with the tender key
    await session.flush()
    return GiveOutcome(given, tender.share_threshold, opening)


async def _take(
    session: AsyncSession, actor: Actor, tender: Tender, slot: int, sealed: bytes, master: MasterKey
) -> bytes | None:
    """Check and store one given share; the rebuilt private key once the threshold is reached."""
    code, tender_id = actor.tenant.code, tender.id
    if tender.opened_at is not None:
        raise refusal(Conflict, "opened", f"the bids of tender {tender_id} were opened already")
    if tender.status != TenderStatus.ANNOUNCED:
        raise refusal(Conflict, "not-announced", f"tender {tender_id} is {tender.status}")
    closes = (await load_schedule(session, tender_id))[Stage.BID_SUBMISSION].ends_at
    now = await database_now(session)
    if now < closes or tender.opening_wrapped_key is None:
        raise refusal(
            Conflict,
            "early",
            f"shares are given after bid submission closes ({closes.isoformat()}), sealed to the "
            "opening's one-time key (POST .../opening-key)",
        )
    share = await session.get(TenderKeyShare, (tender_id, slot))
    if share is None:
        raise refusal(NotFound, "no-such-slot", f"tender {tender_id} has no share {slot}")
    if share.is_recovery:
        if Role.TENANT_ADMIN not in await actor.roles(session):
            raise refusal(Forbidden, "not-holder", "the recovery share is given by this LPSE's tenant_admin")
    elif share.holder_account_id != actor.account_id:
        raise refusal(Forbidden, "not-holder", f"share {slot} is held by account {share.holder_account_id}")
    if await session.get(GivenShare, (tender_id, slot)) is not None:
        raise refusal(Conflict, "duplicate", f"share {slot} of tender {tender_id} was given already")
    one_time = await _opening_private(session, master, code, tender)
    plain = unseal_share(sealed, one_time, context=opening_context(code, tender_id, slot))  # ShareRefused
    if share_digest(plain) != share.share_sha256:
        raise refusal(
            ShareRefused, "wrong-share", f"this is not the share sealed to the holder of share {slot}"
        )
    session.add(
        GivenShare(
            tender_id=tender_id, slot=slot, given_by=actor.account_id, given_at=now, sealed_share=sealed
        )
    )
    await session.flush()
    await actor.record(
        session,
        "key_share.given",
        f"tender:{tender_id}",
        slot=slot,
        holder=RECOVERY if share.is_recovery else "member",
        fingerprint=share.holder_fingerprint,
    )
    given = await given_slots(session, tender_id)
    assert tender.share_threshold is not None
    if len(given) < tender.share_threshold:
        return None
    return await _rebuild(session, one_time, code, tender, given[: tender.share_threshold])


async def _rebuild(
    session: AsyncSession, one_time: X25519PrivateKey, code: str, tender: Tender, slots: list[int]
) -> bytes:
    """The tender's private key from the given shares of ``slots`` (each checked when it was given)."""
    rows = (
        await session.execute(
            select(GivenShare).where(GivenShare.tender_id == tender.id, GivenShare.slot.in_(slots))
        )
    ).scalars()
    plain = [
        unseal_share(row.sealed_share, one_time, context=opening_context(code, tender.id, row.slot))
        for row in rows
    ]
    assert tender.share_threshold is not None
    private = combine_shares(plain, threshold=tender.share_threshold)
    if tender.public_key is None or derive_public_key(private) != tender.public_key:
        raise refusal(
            ShareRefused,
            "wrong-key",
            "the shares rebuild a key that is not this tender's: its shares or public key were altered",
        )
    return private


async def _opening_private(
    session: AsyncSession, master: MasterKey, code: str, tender: Tender
) -> X25519PrivateKey:
    assert tender.opening_wrapped_key is not None
    key = await tenant_key(session, master, code)
    raw = unwrap_key(tender.opening_wrapped_key, key, opening_key_context(code, tender.id))
    return X25519PrivateKey.from_private_bytes(raw)


async def given_slots(session: AsyncSession, tender_id: int) -> list[int]:
    query = (
        select(GivenShare.slot)
        .where(GivenShare.tender_id == tender_id)
        .order_by(GivenShare.given_at, GivenShare.slot)
    )
    return list((await session.execute(query)).scalars())


def _require_committee_held(tender: Tender) -> None:
    if tender.key_custody != KeyCustody.COMMITTEE:
        raise Conflict(f"tender {tender.id}'s key is held by the hub: it opens with POST .../opening")
