"""A package under a plan item (paket RUP): the item it names, and what is left of the item's ceiling.

A package's budget (pagu) comes out of its plan item's ceiling: the packages of one item together
never exceed it. Two packages created at once under the same item cannot both take its last rupiah:
the item's row is locked (``FOR UPDATE``) before what its packages take is summed, and that sum is
a statement of its own, so under READ COMMITTED it sees the package of whoever held the lock before
(a sum read with the lock, in the same statement, would keep the snapshot from before the wait). A
revision of the item (``tenants.plans.record_plan_items``) takes the same lock.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.errors import Conflict, InvalidInput
from tenants.plans import PlanItem, taken_of


async def take_from_plan(
    session: AsyncSession,
    rup_code: str | None,
    agency_id: int,
    fiscal_year: int,
    budget: int,
    *,
    required: bool,
) -> PlanItem | None:
    """The plan item a new package of ``budget`` takes from, locked until the transaction ends;
    ``None`` for a package without one, where the tenant's rules (``plans_required``) allow it."""
    if rup_code is None or not rup_code.strip():
        if required:
            raise Conflict(
                "this LPSE requires every package to name its plan item: give plan_rup_code, the "
                "item's RUP code (kode RUP)",
                field="plan_rup_code",
                reason="plan_required",
            )
        return None
    query = select(PlanItem).where(PlanItem.rup_code == rup_code.strip()).with_for_update()
    item = (await session.scalars(query)).first()
    if item is None:
        raise InvalidInput(
            f"no plan item with RUP code {rup_code.strip()} in this tenant", field="plan_rup_code"
        )
    if item.agency_id != agency_id or item.fiscal_year != fiscal_year:
        raise InvalidInput(
            f"plan item {item.rup_code} is agency {item.agency_id}'s for fiscal year {item.fiscal_year}: "
            "a package under it has the same agency and fiscal year",
            field="plan_rup_code",
        )
    left = item.ceiling - (await taken_of(session, [item.id])).get(item.id, 0)
    if budget > left:
        raise Conflict(
            f"the budget ({budget} rupiah) exceeds what is left of plan item {item.rup_code}'s ceiling "
            f"({left} of {item.ceiling} rupiah)",
            field="budget",
            reason="over_ceiling",
        )
    return item
