"""Is this hub ready to serve? The database answers, and the hub and every tenant are at head."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.database import HUB_SCHEMA, schema_of
from hub.core.migrations import HUB_HISTORY, TENANT_HISTORY, schema_revisions
from tenants.registry.models import Tenant


@dataclass(frozen=True, slots=True)
class TenantRevision:
    slug: str
    schema: str
    revision: str | None
    head: str | None

    @property
    def at_head(self) -> bool:
        return self.revision == self.head

    def to_dict(self) -> dict[str, object]:
        return {
            "slug": self.slug,
            "schema": self.schema,
            "revision": self.revision,
            "head": self.head,
            "at_head": self.at_head,
        }


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """The revision of the hub schema and of every tenant schema, against their heads."""

    hub_revision: str | None
    hub_head: str | None
    tenants: list[TenantRevision] = field(default_factory=list)

    @property
    def lagging(self) -> list[TenantRevision]:
        return [t for t in self.tenants if not t.at_head]

    @property
    def at_head(self) -> bool:
        return self.hub_revision == self.hub_head and not self.lagging

    def to_dict(self) -> dict[str, object]:
        return {
            "hub": {
                "revision": self.hub_revision,
                "head": self.hub_head,
                "at_head": self.hub_revision == self.hub_head,
            },
            "tenants": [t.to_dict() for t in self.tenants],
            "lagging": [t.slug for t in self.lagging],
            "at_head": self.at_head,
        }


async def migration_status(engine: AsyncEngine) -> MigrationStatus:
    """Three round trips whatever the number of tenants."""
    hub_revision = (await schema_revisions(engine, [HUB_SCHEMA]))[HUB_SCHEMA]
    tenants: list[tuple[str, str]] = []
    if hub_revision is not None:
        async with engine.connect() as connection:
            tenants = [
                (s, c)
                for s, c in await connection.execute(select(Tenant.slug, Tenant.code).order_by(Tenant.code))
            ]
    revisions = await schema_revisions(engine, [schema_of(code) for _, code in tenants])
    return MigrationStatus(
        hub_revision,
        HUB_HISTORY.head,
        [
            TenantRevision(slug, schema_of(code), revisions[schema_of(code)], TENANT_HISTORY.head)
            for slug, code in tenants
        ],
    )


async def readiness(engine: AsyncEngine, *, answer_within: float | None = None) -> tuple[bool, str]:
    """``(True, "ready")``, or ``(False, reason)`` naming what is wrong, within ``answer_within``
    seconds.

    The deadline holds whatever the database does: a probe of a hung server must fail fast rather
    than wait for the pool or the statement timeouts. Not ``asyncio.timeout``: that cancels the
    check and then waits for it, and its connection's cleanup may wait on the hung server, too. The
    check given up on is cancelled and left to end on its own."""
    check = asyncio.create_task(migration_status(engine))
    try:
        await asyncio.wait({check}, timeout=answer_within)
    finally:
        if not check.done():
            _abandon(check)
    if not check.done():
        return False, f"database did not answer within {answer_within:g} s"
    try:
        status = check.result()
    except (SQLAlchemyError, OSError) as exc:
        return False, f"database unreachable: {type(exc).__name__}"
    if status.hub_revision != status.hub_head:
        return (
            False,
            f"hub schema at {status.hub_revision}, head is {status.hub_head}: run `lpse-hub db upgrade`",
        )
    if lagging := status.lagging:
        names = ", ".join(t.slug for t in lagging[:5]) + (" ..." if len(lagging) > 5 else "")
        return False, f"{len(lagging)} tenant(s) not at head ({names}): run `lpse-hub db upgrade`"
    return True, "ready"


_ABANDONED: set[asyncio.Task[MigrationStatus]] = set()
"""Checks past their deadline, held until they end (the event loop keeps only weak references)."""


def _abandon(check: asyncio.Task[MigrationStatus]) -> None:
    check.cancel()
    _ABANDONED.add(check)
    check.add_done_callback(_forget)


def _forget(check: asyncio.Task[MigrationStatus]) -> None:
    _ABANDONED.discard(check)
    if not check.cancelled():
        check.exception()  # retrieved: an error of an abandoned check is no news
