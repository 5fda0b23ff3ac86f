"""Moving one tender's own times into the past: for the demo, the tests and the benchmarks only.

The database clock decides which stage is open, and an objection period lasts days. To show or
test a tender's later stages without waiting, these functions shift the tender's schedule (and
its award's times) back, as if the days had passed. The clock itself is never touched, so whatever
the services stamp with it (receipts, assessments, letters, contracts, the audit chain) carries the
real time. No service calls them.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def advance(engine: AsyncEngine, schema: str, tender_id: int, stage: str) -> None:
    """Shift the tender's whole schedule so that ``stage`` started a second ago."""
    async with engine.begin() as connection:
        await connection.execute(
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
    async with engine.begin() as connection:
        shift = await connection.scalar(
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
            await connection.execute(
                text(f"UPDATE {schema}.{table} SET {assignments} WHERE tender_id = :t"),
                {"t": tender_id, "d": shift},
            )
