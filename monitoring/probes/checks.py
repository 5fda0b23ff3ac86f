"""The checks of a probe, each a few queries in the tenant's own session.

Each function runs inside a transaction the caller opened (with the probe's time limit already
set) and answers ``None`` when the check passes, or one sentence saying why it failed. None of
them writes.
"""

from __future__ import annotations

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.migrations import TENANT_HISTORY

# The audit modules themselves, not the package: tenants.audit imports monitoring.metrics, which
# imports this package, so at that moment the package's own names may not all be there yet.
from tenants.audit.chain import tenant_schema
from tenants.audit.verification import verify_chain

READ_SAMPLE = 20
"""How many of the newest tenders the read check fetches: what a tenant's tender list shows first."""


async def schema_problem(session: AsyncSession) -> str | None:
    """The tenant's schema exists, and the database answers a query in the tenant's session."""
    schema = tenant_schema(session)
    if await session.scalar(select(func.to_regnamespace(literal(schema)).is_not(None))):
        return None
    return f"schema {schema} does not exist"


def migration_problem(schema: str, revision: str | None) -> str | None:
    """The schema's migration revision (``None``: it has no history) is the tenant history's head."""
    if revision is None:
        return f"schema {schema} has no migration history"
    if revision != TENANT_HISTORY.head:
        return f"schema {schema} is at {revision}, head is {TENANT_HISTORY.head}: run `lpse-hub db upgrade`"
    return None


async def read_problem(session: AsyncSession) -> str | None:
    """The newest tenders can be read: the query a visitor's first page of tenders needs."""
    # Not at the top: tenants.tenders imports monitoring.metrics, which imports this package.
    from tenants.tenders.models import Tender

    await session.execute(select(Tender.id, Tender.status).order_by(Tender.id.desc()).limit(READ_SAMPLE))
    return None


async def audit_problem(session: AsyncSession) -> str | None:
    """The head of the audit chain is anchored: the latest anchor in ``hub`` still names an entry
    with its hash, and every entry since chains onto it. A log never anchored is checked whole.

    The cheap, every-round half of ``verify_chain``, which re-checks every entry when asked to
    (``lpse-hub audit verify``).
    """
    report = await verify_chain(session, from_latest_anchor=True)
    return None if report.ok else report.problem
