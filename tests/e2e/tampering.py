"""Editing a tenant's audit log behind the hub's back, as its database owner could: what the audit
pages must then report."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

APPEND_ONLY = "audit_log_append_only"


async def edit_audit_action(engine: AsyncEngine, schema: str, seq: int, action: str) -> None:
    """Rewrite entry ``seq``'s action in place (``engine`` is the owner's), leaving its hash as it was."""
    async with engine.begin() as connection:
        await connection.execute(text(f"ALTER TABLE {schema}.audit_log DISABLE TRIGGER {APPEND_ONLY}"))
        await connection.execute(
            text(f"UPDATE {schema}.audit_log SET action = :action WHERE seq = :seq"),
            {"action": action, "seq": seq},
        )
        await connection.execute(text(f"ALTER TABLE {schema}.audit_log ENABLE TRIGGER {APPEND_ONLY}"))
