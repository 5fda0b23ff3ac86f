"""The checks of a probe, each a few queries in the tenant's own session.

Each function runs inside a transaction the caller opened (with the probe's time limit already
set) and answers ``None`` when the check passes, or one sentence saying why it failed. None of
them writes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.migrations import TENANT_HISTORY

# The audit modules themselves, not the package: tenants.audit imports monitoring.metrics, which
# imports this package, so at that moment the package's own names may not all be there yet.
from tenants.audit.canonical import GENESIS_HASH, entry_hash
from tenants.audit.chain import anchors_of, tenant_code, tenant_schema
from tenants.audit.models import Anchor, AuditEntry
from tenants.audit.verification import ENTRY_COLUMNS

READ_SAMPLE = 20
"""How many of the newest tenders the read check fetches: what a tenant's tender list shows first."""
AUDIT_PAGE = 5000


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
    with its hash, and every entry since chains onto it (seq without gaps, ``prev_hash`` linked,
    content matching its hash). A log never anchored is checked from its first entry.

    This is the cheap, every-round half of ``tenants.audit.verify_chain``, which also re-checks the
    entries before the anchor (``lpse-hub audit verify``).
    """
    anchor = await session.scalar(
        select(Anchor).where(anchors_of(tenant_code(session))).order_by(Anchor.id.desc()).limit(1)
    )
    seq, head = 0, GENESIS_HASH
    if anchor is not None:
        anchored = await session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == anchor.seq))
        if anchored is None:
            return f"entry {anchor.seq}, anchored in the hub, is gone: the log was cut off"
        if anchored != anchor.hash:
            return f"entry {anchor.seq} no longer has the hash anchored in the hub: the log was rewritten"
        seq, head = anchor.seq, anchor.hash
    while True:
        query = select(*ENTRY_COLUMNS).where(AuditEntry.seq > seq).order_by(AuditEntry.seq).limit(AUDIT_PAGE)
        rows = (await session.execute(query)).all()
        for row in rows:
            if problem := _link_problem(row, seq, head):
                return problem
            seq, head = row.seq, row.hash
        if len(rows) < AUDIT_PAGE:
            return None


def _link_problem(row: Row[Any], seq: int, head: str) -> str | None:
    """What is wrong with ``row`` as the entry after ``seq`` (whose hash is ``head``), if anything."""
    if row.seq != seq + 1:
        return f"audit entries after {seq} are missing (the log jumps to entry {row.seq})"
    if row.prev_hash != head:
        return f"audit entry {row.seq} does not follow entry {seq}: its prev_hash is not that entry's hash"
    content = {name: getattr(row, name) for name in ("seq", "at", "actor_id", "action", "subject")}
    if entry_hash(row.prev_hash, payload=row.payload, **content) != row.hash:
        return f"audit entry {row.seq} was edited: its content no longer matches its hash"
    return None
