"""Agencies of one tenant. Every function takes a tenant session (``hub.core.database.tenant_session``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.policy import Action
from hub.core.errors import Conflict, InvalidInput
from tenants.agencies.models import Agency
from tenants.audit import append_audit


async def add_agency(session: AsyncSession, name: str, *, actor: Actor | None = None) -> Agency:
    """Add an agency, and record it in the tenant's audit chain. ``actor``: the person adding it, who
    needs ``Action.AGENCY_ADD``; ``None``: an operator at the CLI, with the database's own rights."""
    if actor is not None:
        await actor.require(session, Action.AGENCY_ADD)
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InvalidInput("an agency's name must be 1 to 200 characters", field="name")
    duplicate = await session.scalar(select(Agency.id).where(func.lower(Agency.name) == name.lower()))
    if duplicate is not None:
        raise Conflict(f"agency {name!r} exists already", field="name")
    agency = Agency(name=name)
    session.add(agency)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"agency {name!r} exists already", field="name") from exc
    await session.refresh(agency)
    await append_audit(
        session,
        actor_id=actor.account_id if actor else None,
        action="agency.added",
        subject=f"agency:{agency.id}",
        payload={"name": name},
    )
    return agency


async def list_agencies(session: AsyncSession) -> list[Agency]:
    return list((await session.execute(select(Agency).order_by(Agency.name))).scalars())
