"""The tenant's choices for committee-held keys: the default custody of new tenders, the threshold,
and the offline recovery key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.clock import database_now
from hub.core.errors import InvalidInput
from tenants.sealing.key_shares import check_sealable
from tenants.sealing.tender_keys import fingerprint
from tenants.tenders.outcome_models import ProcurementRules
from tenants.vocabulary import KeyCustody

MAX_THRESHOLD = 15
"""A committee has at most 15 members who hold shares (SLIP-39 makes at most 16 shares, one of
which is the recovery share)."""


@dataclass(frozen=True, slots=True)
class CustodyRules:
    key_custody: KeyCustody
    share_threshold: int | None
    """``None``: a majority of each tender's committee."""
    recovery_fingerprint: str | None


async def custody_rules(session: AsyncSession) -> CustodyRules:
    rules = await _rules(session)
    return CustodyRules(KeyCustody(rules.key_custody), rules.share_threshold, rules.recovery_fingerprint)


async def set_key_custody(
    session: AsyncSession, actor: Actor, key_custody: str, share_threshold: int | None
) -> CustodyRules:
    """Choose who holds the keys of tenders announced from now on (tenders announced already keep
    theirs), and how many shares open a committee-held one."""
    await actor.require(session, Action.RULES_CHANGE)
    try:
        custody = KeyCustody(key_custody)
    except ValueError:
        raise InvalidInput("key_custody is 'hub' or 'committee'", field="key_custody") from None
    if share_threshold is not None and (
        isinstance(share_threshold, bool)
        or not isinstance(share_threshold, int)
        or not 1 <= share_threshold <= MAX_THRESHOLD
    ):
        raise InvalidInput(
            f"share_threshold is 1 to {MAX_THRESHOLD}, or none for a majority", field="share_threshold"
        )
    rules = await _rules(session, for_update=True)
    old = (rules.key_custody, rules.share_threshold)
    rules.key_custody, rules.share_threshold = custody.value, share_threshold
    await _touch(session, actor, rules)
    await actor.record(
        session,
        "rules.key_custody",
        "rules",
        old=list(old),
        new=[custody.value, share_threshold],
    )
    return await custody_rules(session)


async def set_recovery_key(session: AsyncSession, actor: Actor, public_raw: bytes) -> CustodyRules:
    """Register the tenant's offline recovery key (its public half); tenders announced from now on
    seal their recovery share to it."""
    await actor.require(session, Action.RULES_CHANGE)
    check_sealable(public_raw)
    rules = await _rules(session, for_update=True)
    old = rules.recovery_fingerprint
    rules.recovery_public_key, rules.recovery_fingerprint = public_raw, fingerprint(public_raw)
    await _touch(session, actor, rules)
    await actor.record(session, "rules.recovery_key", "rules", old=old, new=rules.recovery_fingerprint)
    return await custody_rules(session)


async def _rules(session: AsyncSession, *, for_update: bool = False) -> ProcurementRules:
    rules = await session.get(ProcurementRules, 1, with_for_update=for_update or None)
    assert rules is not None  # the migration creates the one row
    return rules


async def _touch(session: AsyncSession, actor: Actor, rules: ProcurementRules) -> None:
    rules.updated_by, rules.updated_at = actor.account_id, await database_now(session)
    await session.flush()
