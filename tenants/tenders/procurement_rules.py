"""The tenant's procurement rules: within which limits a tender sets its objection period, and
whether every new package must name its plan item (RUP).

The regulation gives a default (five calendar days of *masa sanggah*); each LPSE sets the limits
its tenders may choose from. Changing the limits does not touch tenders already created.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.clock import database_now
from hub.core.errors import InvalidInput
from tenants.tenders.outcome_models import ProcurementRules

MAX_OBJECTION_DAYS = 60


@dataclass(frozen=True, slots=True)
class ObjectionLimits:
    min_days: int
    max_days: int
    default_days: int

    def choose(self, days: int | None) -> int:
        """The objection period of a new tender: the tenant's default, or a length within the limits."""
        if days is None:
            return self.default_days
        if isinstance(days, bool) or not isinstance(days, int) or not self.min_days <= days <= self.max_days:
            raise InvalidInput(
                f"objection_days must be {self.min_days} to {self.max_days} days in this LPSE",
                field="objection_days",
            )
        return days


async def objection_limits(session: AsyncSession) -> ObjectionLimits:
    rules = await session.get(ProcurementRules, 1)
    assert rules is not None  # the migration creates the one row
    return ObjectionLimits(rules.objection_min_days, rules.objection_max_days, rules.objection_default_days)


async def set_objection_limits(
    session: AsyncSession, actor: Actor, limits: ObjectionLimits
) -> ObjectionLimits:
    await actor.require(session, Action.RULES_CHANGE)
    values = (limits.min_days, limits.default_days, limits.max_days)
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise InvalidInput("objection limits are whole days", field="objection_days")
    if not 1 <= limits.min_days <= limits.default_days <= limits.max_days <= MAX_OBJECTION_DAYS:
        raise InvalidInput(
            f"need 1 <= min_days <= default_days <= max_days <= {MAX_OBJECTION_DAYS}", field="objection_days"
        )
    rules = await session.get(ProcurementRules, 1, with_for_update=True)
    assert rules is not None
    old = ObjectionLimits(rules.objection_min_days, rules.objection_max_days, rules.objection_default_days)
    rules.objection_min_days, rules.objection_max_days = limits.min_days, limits.max_days
    rules.objection_default_days = limits.default_days
    rules.updated_by, rules.updated_at = actor.account_id, await database_now(session)
    await session.flush()
    await actor.record(
        session,
        "rules.objection_limits",
        "rules",
        old=[old.min_days, old.default_days, old.max_days],
        new=[limits.min_days, limits.default_days, limits.max_days],
    )
    return limits


async def plans_required(session: AsyncSession) -> bool:
    """Whether every new package must name its plan item (``tenants.tenders.preparation.under_plan``)."""
    rules = await session.get(ProcurementRules, 1)
    assert rules is not None  # the migration creates the one row
    return rules.plans_required


async def set_plans_required(session: AsyncSession, actor: Actor, required: bool) -> bool:
    """Require (or stop requiring) a plan item of every package created from now on; packages made
    already keep what they have. The tenant_admin's, audited with the value before and after."""
    await actor.require(session, Action.RULES_CHANGE)
    if not isinstance(required, bool):
        raise InvalidInput("plans_required is true or false", field="plans_required")
    rules = await session.get(ProcurementRules, 1, with_for_update=True)
    assert rules is not None
    old, rules.plans_required = rules.plans_required, required
    rules.updated_by, rules.updated_at = actor.account_id, await database_now(session)
    await session.flush()
    await actor.record(session, "rules.plans_required", "rules", old=old, new=required)
    return required
