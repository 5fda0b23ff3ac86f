"""Committee members' X25519 keys: registered by the member, kept with their history, public.

A member makes the key pair on their own machine (``lpse-hub member key create``) and registers the
public half here; shares of committee-held tender keys are sealed to it at announcement. Registering
a new key revokes the account's current one; shares already sealed to the old key stay sealed to it,
so a member keeps old key files until those tenders are opened.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.clock import database_now
from tenants.sealing.key_shares import check_sealable, decode_member_public_key
from tenants.sealing.tender_keys import fingerprint
from tenants.tenders.custody.models import MemberKey


async def register_member_key(session: AsyncSession, actor: Actor, public_key: str) -> MemberKey:
    """Register ``public_key`` (``x25519:...``) as the caller's member key, revoking the one before."""
    await actor.require(session, Action.MEMBER_KEYS)
    raw = decode_member_public_key(public_key)
    check_sealable(raw)  # a key nothing can be sealed to is refused here, not at announcement
    now = await database_now(session)
    replaced = await session.execute(
        update(MemberKey)
        .where(MemberKey.account_id == actor.account_id, MemberKey.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason="replaced")
        .returning(MemberKey.fingerprint)
    )
    old = replaced.scalar_one_or_none()
    key = MemberKey(
        account_id=actor.account_id,
        public_key=raw,
        fingerprint=fingerprint(raw),
        registered_at=now,
        registered_by=actor.account_id,
    )
    session.add(key)
    await session.flush()
    await actor.record(
        session,
        "member_key.registered",
        f"account:{actor.account_id}",
        key_id=key.id,
        fingerprint=key.fingerprint,
        replaced=old,
    )
    return key


async def member_keys(session: AsyncSession, account_id: int | None = None) -> list[MemberKey]:
    """Every member key of the tenant (or of one account), current and revoked, oldest first."""
    query = select(MemberKey).order_by(MemberKey.id)
    if account_id is not None:
        query = query.where(MemberKey.account_id == account_id)
    return list((await session.execute(query)).scalars())


async def current_member_keys(session: AsyncSession, account_ids: list[int]) -> dict[int, MemberKey]:
    """The current key of each of ``account_ids`` that has one."""
    query = select(MemberKey).where(MemberKey.account_id.in_(account_ids), MemberKey.revoked_at.is_(None))
    return {key.account_id: key for key in (await session.execute(query)).scalars()}
