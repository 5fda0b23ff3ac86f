"""A tenant's data is reachable only through its own schema map."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.identity.actor import Actor
from federation.identity.models import Role
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Conflict, Forbidden
from tenants.agencies import add_agency, list_agencies
from tenants.audit import read_audit, verify_chain
from tenants.registry import TenantRef, resolve_tenant
from tests.conftest import make_tenant


async def tenant_ref(engine: AsyncEngine, slug: str) -> TenantRef:
    async with hub_sessions(engine)() as session:
        return await resolve_tenant(session, slug=slug)


async def test_an_agency_of_one_tenant_is_invisible_to_another(hub: AsyncEngine) -> None:
    malang = await make_tenant(hub, "kab-malang", "3507")
    blitar = await make_tenant(hub, "kab-blitar", "3505")
    async with tenant_session(hub, malang.schema) as session, session.begin():
        await add_agency(session, "Dinas Kesehatan Malang")
    async with tenant_session(hub, blitar.schema) as session:
        assert await list_agencies(session) == []
    async with tenant_session(hub, malang.schema) as session:
        assert [a.name for a in await list_agencies(session)] == ["Dinas Kesehatan Malang"]


async def test_the_same_name_may_exist_in_two_tenants_but_not_twice_in_one(hub: AsyncEngine) -> None:
    for slug, code in (("kab-malang", "3507"), ("kab-blitar", "3505")):
        tenant = await make_tenant(hub, slug, code)
        async with tenant_session(hub, tenant.schema) as session, session.begin():
            await add_agency(session, "Dinas Kesehatan")
    with pytest.raises(Conflict):
        async with tenant_session(hub, tenant.schema) as session, session.begin():
            await add_agency(session, "dinas  kesehatan")


async def test_a_session_without_a_tenant_reaches_no_tenant(hub: AsyncEngine) -> None:
    await make_tenant(hub, "kab-malang", "3507")
    with pytest.raises(DBAPIError, match=r'relation "tenant\.agencies" does not exist'):
        async with hub_sessions(hub)() as session:
            await list_agencies(session)


async def test_adding_an_agency_is_recorded_in_the_tenants_audit_chain(hub: AsyncEngine) -> None:
    malang = await make_tenant(hub, "kab-malang", "3507")
    admin = Actor(42, await tenant_ref(hub, "kab-malang"), held_roles=frozenset({Role.TENANT_ADMIN}))
    async with tenant_session(hub, malang.schema) as session, session.begin():
        await add_agency(session, "Dinas Kominfo", actor=admin)
    async with tenant_session(hub, malang.schema) as session:
        [entry] = await read_audit(session)
        assert (entry.action, entry.actor_id, entry.payload) == (
            "agency.added",
            42,
            {"name": "Dinas Kominfo"},
        )
        assert (await verify_chain(session)).ok


async def test_an_agency_is_added_only_by_the_tenants_admin(hub: AsyncEngine) -> None:
    malang = await make_tenant(hub, "kab-malang", "3507")
    clerk = Actor(42, await tenant_ref(hub, "kab-malang"), held_roles=frozenset({Role.VERIFIER}))
    async with tenant_session(hub, malang.schema) as session:
        with pytest.raises(Forbidden, match="tenant_admin"):
            await add_agency(session, "Dinas Kominfo", actor=clerk)
        assert await list_agencies(session) == []
