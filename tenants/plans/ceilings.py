"""What a plan item's packages take of its ceiling (pagu), and what is left of it.

The packages live in ``tenants.tenders``, a layer above this one (a package names its plan item,
never the reverse): ``PACKAGE_BUDGETS`` is this layer's own view of the two columns it needs of them,
on a metadata of its own, so the import contract holds and the tenant's schema map still applies.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import BigInteger, Column, MetaData, Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.database import TENANT_SCHEMA

PACKAGE_BUDGETS = Table(
    "packages",
    MetaData(),
    Column("id", BigInteger, primary_key=True),
    Column("plan_item_id", BigInteger),
    Column("budget", BigInteger),
    schema=TENANT_SCHEMA,
)
"""``tenants.tenders.models.Package`` as this layer reads it: each package's plan item and budget."""


def taken_by_item() -> Select[int, int, int]:
    """Per plan item with packages: its id, the sum of their budgets, and how many there are."""
    p = PACKAGE_BUDGETS.c
    return (
        select(p.plan_item_id, func.sum(p.budget).label("taken"), func.count().label("packages"))
        .where(p.plan_item_id.is_not(None))
        .group_by(p.plan_item_id)
    )


async def taken_of(session: AsyncSession, item_ids: Collection[int]) -> dict[int, int]:
    """What the packages of each of ``item_ids`` take of its ceiling (items without any: absent)."""
    if not item_ids:
        return {}
    query = taken_by_item().where(PACKAGE_BUDGETS.c.plan_item_id.in_(item_ids))
    return {row.plan_item_id: int(row.taken) for row in await session.execute(query)}
