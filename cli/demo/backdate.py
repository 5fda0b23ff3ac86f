"""Moving one tender's own times into the past: for the demo, the tests and the benchmarks only.

The database clock decides which stage is open, and an objection period lasts days. To show or
test a tender's later stages without waiting, these functions shift the tender's schedule (and
its award's times) back, as if the days had passed. The clock itself is never touched, so whatever
the services stamp with it (receipts, assessments, letters, contracts, the audit chain) carries the
real time. No service calls them.

The tender's times are public facts (its schedule, award and contract dates are in its OCDS
releases and its catalogue row), so each function ends, in its own transaction, by publishing the
moved tender (``republish``): the catalogue row rewritten and a release appended, tagged by what
changed, so that the catalogue and the feed never tell other dates than the tenant's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.core.database import tenant_session
from tenants.registry import Tenant, resolve_tenant
from tenants.tenders.models import Tender
from tenants.tenders.publication.publish import republish


@asynccontextmanager
async def _moving(engine: AsyncEngine, schema: str, tender_id: int) -> AsyncIterator[AsyncSession]:
    """One transaction that moves the tender's times, then publishes the tender as it now stands."""
    async with tenant_session(engine, schema) as session, session.begin():
        yield session
        slug = await session.scalar(select(Tenant.slug).where(Tenant.code == schema.removeprefix("t_")))
        assert slug is not None, f"no tenant has the schema {schema}"
        tender = await session.get(Tender, tender_id, populate_existing=True)
        assert tender is not None, f"no tender {tender_id} in {schema}"
        await republish(session, await resolve_tenant(session, slug=slug), tender)


async def advance(engine: AsyncEngine, schema: str, tender_id: int, stage: str) -> None:
    """Shift the tender's whole schedule so that ``stage`` started a second ago."""
    async with _moving(engine, schema, tender_id) as session:
        await session.execute(
            text(
                f"UPDATE {schema}.tender_stages SET starts_at = starts_at - d, ends_at = ends_at - d FROM "
                f"(SELECT starts_at - now() + interval '1 second' AS d FROM {schema}.tender_stages "
                " WHERE tender_id = :t AND stage = :s) AS shift WHERE tender_id = :t"
            ),
            {"t": tender_id, "s": stage},
        )


async def end_objection_period(engine: AsyncEngine, schema: str, tender_id: int) -> None:
    """Shift the current award's times and the tender's schedule so that the objection period is over."""
    moved = "{0} = {0} - CAST(:d AS interval)"
    async with _moving(engine, schema, tender_id) as session:
        shift = await session.scalar(
            text(
                f"SELECT objection_ends_at - now() + interval '1 second' FROM {schema}.awards a "
                f"JOIN {schema}.tenders t ON t.id = a.tender_id AND t.round = a.round WHERE t.id = :t"
            ),
            {"t": tender_id},
        )
        for table, columns in (
            ("awards", ("announced_at", "objection_ends_at", "decided_at")),
            ("tender_stages", ("starts_at", "ends_at")),
        ):
            assignments = ", ".join(moved.format(c) for c in columns)
            await session.execute(
                text(f"UPDATE {schema}.{table} SET {assignments} WHERE tender_id = :t"),
                {"t": tender_id, "d": shift},
            )


_RECORDED_TIMES = {  # table: (timestamps, calendar dates)
    "tenders": (("announced_at", "cancelled_at", "opened_at", "failed_at", "created_at"), ()),
    "tender_stages": (("starts_at", "ends_at"), ()),
    "registrations": (("registered_at",), ()),
    "bids": (("received_at", "superseded_at"), ()),
    "assessments": (("recorded_at",), ()),
    "awards": (("decided_at", "announced_at", "objection_ends_at", "withdrawn_at", "letter_issued_at"), ()),
    "objections": (("lodged_at", "answered_at"), ()),
    "negotiations": (("recorded_at",), ()),
    "contracts": (("recorded_at",), ("signed_on", "starts_on", "ends_on")),
}


async def shift_back(engine: AsyncEngine, schema: str, tender_id: int, days: int) -> None:
    """Move every time a tender's rows record ``days`` back, as if all of it had happened then.

    For a history to review (*rakor*): the tender's schedule, announcement, bids, opening, award,
    objections, failure or cancellation, and its contract's dates, then publishes them (the catalogue
    row, and a corrected release). The audit chain, the receipts, the opening and results records and
    the feed's own publication times keep the real times.
    """
    async with _moving(engine, schema, tender_id) as session:
        for table, (timestamps, dates) in _RECORDED_TIMES.items():
            moved = [f"{c} = {c} - make_interval(days => :d)" for c in timestamps]
            moved += [f"{c} = {c} - CAST(:d AS integer)" for c in dates]  # date - integer is a date
            key = "id" if table == "tenders" else "tender_id"
            await session.execute(
                text(f"UPDATE {schema}.{table} SET {', '.join(moved)} WHERE {key} = :t"),
                {"t": tender_id, "d": days},
            )
