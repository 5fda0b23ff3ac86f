"""A committee-held tender key, split at announcement.

At announcement (``share_tender_key``) the tender's private key is split into one share per member
of its committee and one recovery share (``tenants.sealing.key_shares``), each sealed to its
holder's key, and the private key is dropped: it is stored nowhere, not even wrapped, so neither
the database nor the master key nor both open a bid of this tender. After the close the holders
give their shares back (``tenants.tenders.bidding.given_shares``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.models import Membership
from hub.core.errors import Conflict, InvalidInput
from tenants.sealing.key_shares import (
    holder_context,
    majority,
    seal_share,
    share_digest,
    split_tender_key,
)
from tenants.sealing.tender_keys import (
    fingerprint,
    generate_tender_keypair,
)
from tenants.tenders.acting import runner_role
from tenants.tenders.custody.member_keys import current_member_keys
from tenants.tenders.custody.models import TenderKeyShare
from tenants.tenders.models import Tender
from tenants.tenders.outcome_models import ProcurementRules
from tenants.vocabulary import KeyCustody

RECOVERY = "recovery"


async def committee_of(
    session: AsyncSession, actor: Actor, tender: Tender, named: Sequence[int] | None
) -> list[int]:
    """The accounts that hold shares of the tender's key: ``named`` (each must hold the tender's
    runner role here and have a member key), or every holder of that role with a member key."""
    role = runner_role(tender)
    holders = set(
        (
            await session.execute(
                select(Membership.account_id).where(
                    Membership.tenant_id == actor.tenant.id, Membership.role == role.value
                )
            )
        ).scalars()
    )
    keyed = set(await current_member_keys(session, sorted(holders)))
    if named is None:
        if not keyed:
            raise Conflict(
                f"no {role.value} of this LPSE has a member key: each registers one "
                "(lpse-hub member key create, then POST /api/member-keys) before a committee-held "
                "tender is announced"
            )
        return sorted(keyed)
    chosen = sorted(set(named))
    if not chosen:
        raise InvalidInput("a committee has at least one member", field="committee")
    for account_id in chosen:
        if account_id not in holders:
            raise InvalidInput(f"account {account_id} is not a {role.value} of this LPSE", field="committee")
        if account_id not in keyed:
            raise InvalidInput(
                f"account {account_id} has no member key: it registers one first", field="committee"
            )
    return chosen


async def share_tender_key(
    session: AsyncSession, actor: Actor, tender: Tender, committee: Sequence[int] | None
) -> dict[str, Any]:
    """Give the tender a key pair whose private half only its committee holds, in shares; returns
    what the public record says of it (``custody_record``)."""
    rules = await session.get(ProcurementRules, 1)
    assert rules is not None  # the migration creates the one row
    if rules.recovery_public_key is None:
        raise Conflict(
            "this LPSE has no recovery key yet: its head of procurement makes one "
            "(lpse-hub tenant recovery-key create) before a committee-held tender is announced"
        )
    members = await committee_of(session, actor, tender, committee)
    threshold = rules.share_threshold or majority(len(members))
    if threshold > len(members):
        raise Conflict(
            f"this LPSE opens committee-held tenders with {threshold} shares, and this committee has "
            f"{len(members)} members: name more members, or lower the threshold"
        )
    keys = await current_member_keys(session, members)
    holders: list[tuple[int | None, bytes, str]] = [
        (account_id, keys[account_id].public_key, keys[account_id].fingerprint) for account_id in members
    ]
    holders.append((None, rules.recovery_public_key, rules.recovery_fingerprint or ""))
    private, public = generate_tender_keypair()
    shares = split_tender_key(private, threshold=threshold, holders=len(holders))
    del private  # Python cannot wipe it; nothing keeps a reference, nothing stores it
    code = actor.tenant.code
    for slot, ((account_id, public_raw, holder_fingerprint), share) in enumerate(
        zip(holders, shares, strict=True)
    ):
        session.add(
            TenderKeyShare(
                tender_id=tender.id,
                slot=slot,
                holder_account_id=account_id,
                holder_fingerprint=holder_fingerprint,
                sealed_share=seal_share(share, public_raw, context=holder_context(code, tender.id, slot)),
                share_sha256=share_digest(share),
            )
        )
    tender.public_key, tender.key_fingerprint = public, fingerprint(public)
    tender.key_custody, tender.share_threshold = KeyCustody.COMMITTEE.value, threshold
    tender.wrapped_private_key = None
    await session.flush()
    record = custody_record(tender, await key_shares(session, tender.id))
    await actor.record(session, "tender.key_shared", f"tender:{tender.id}", **record)
    return record


async def key_shares(session: AsyncSession, tender_id: int) -> list[TenderKeyShare]:
    query = select(TenderKeyShare).where(TenderKeyShare.tender_id == tender_id).order_by(TenderKeyShare.slot)
    return list((await session.execute(query)).scalars())


def custody_record(
    tender: Tender, shares: Sequence[TenderKeyShare], used: Sequence[int] | None = None
) -> dict[str, Any]:
    """What the public record says of who holds the tender's key: ``hub``, or the committee's
    threshold and each share's holder and key fingerprint (and, once opened, the shares used)."""
    if tender.key_custody != KeyCustody.COMMITTEE:
        return {"mode": KeyCustody.HUB.value}
    record: dict[str, Any] = {
        "mode": KeyCustody.COMMITTEE.value,
        "threshold": tender.share_threshold,
        "holders": [
            {
                "slot": share.slot,
                "holder": RECOVERY if share.is_recovery else "member",
                "account_id": share.holder_account_id,
                "fingerprint": share.holder_fingerprint,
            }
            for share in shares
        ],
    }
    if used is not None:
        record["used"] = list(used)
    return record
