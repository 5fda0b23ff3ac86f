"""What PostgreSQL answers a statement with, for tests of what a role may and may not do."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

INSUFFICIENT_PRIVILEGE = "42501"


async def sqlstate_of(engine: AsyncEngine, statement: str) -> str | None:
    """The SQLSTATE PostgreSQL refuses ``statement`` with (rolled back either way); ``None``: it ran."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            await connection.execute(text(statement))
        except DBAPIError as exc:
            causes = (exc.orig, getattr(exc.orig, "__cause__", None))
            return next((code for c in causes if isinstance(code := getattr(c, "sqlstate", None), str)), "?")
        finally:
            await transaction.rollback()
    return None
