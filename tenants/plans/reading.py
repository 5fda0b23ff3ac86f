"""Reading the plan: public, as SiRUP publishes it, each item with what is left of its ceiling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.errors import NotFound
from tenants.plans.ceilings import taken_by_item
from tenants.plans.models import PlanItem
from tenants.plans.recording import content_of

MAX_LISTED = 5000
"""Items in one listing, at most (a regency's plan for a year is a few thousand)."""


@dataclass(frozen=True, slots=True)
class PlanItemView:
    """A plan item with what its packages take of its ceiling (``taken``) and what is left (``left``)."""

    item: PlanItem
    taken: int
    packages: int

    @property
    def left(self) -> int:
        """Ceiling minus the budgets of its packages: the most a new package under it may have."""
        return self.item.ceiling - self.taken

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.item.id,
            **content_of(self.item),
            "taken": self.taken,
            "left": self.left,
            "packages": self.packages,
        }


def _with_taken() -> Select[PlanItem, int, int]:
    taken = taken_by_item().subquery()
    return select(
        PlanItem,
        func.coalesce(taken.c.taken, 0).label("taken"),
        func.coalesce(taken.c.packages, 0).label("packages"),
    ).outerjoin(taken, taken.c.plan_item_id == PlanItem.id)


async def list_plan_items(
    session: AsyncSession, *, fiscal_year: int | None = None, agency_id: int | None = None
) -> list[PlanItemView]:
    """The plan's items (of one fiscal year, one agency, when given), by agency, year and RUP code."""
    query = (
        _with_taken().order_by(PlanItem.fiscal_year, PlanItem.agency_id, PlanItem.rup_code).limit(MAX_LISTED)
    )
    if fiscal_year is not None:
        query = query.where(PlanItem.fiscal_year == fiscal_year)
    if agency_id is not None:
        query = query.where(PlanItem.agency_id == agency_id)
    return [
        PlanItemView(row.PlanItem, int(row.taken), int(row.packages)) for row in await session.execute(query)
    ]


async def plan_item(session: AsyncSession, rup_code: str) -> PlanItemView:
    """The item of ``rup_code``; ``NotFound`` if the plan has none."""
    row = (await session.execute(_with_taken().where(PlanItem.rup_code == rup_code))).first()
    if row is None:
        raise NotFound(f"no plan item with RUP code {rup_code} in this tenant")
    return PlanItemView(row.PlanItem, int(row.taken), int(row.packages))
