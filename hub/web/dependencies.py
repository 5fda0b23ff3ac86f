"""Request-scoped dependencies: the hub session, the tenant the request addresses, its session.

A tenant is addressed by the ``/t/{slug}`` prefix, or, on routes without it, by the request's
host name. The tenant comes from the registry on every request, so a suspension takes effect at
once on every replica.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import TenantSuspended
from monitoring.metrics import note_tenant
from tenants.registry import TenantRef, resolve_tenant


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    engine: AsyncEngine = state.engine
    async with hub_sessions(engine)() as session:
        yield session


async def provide_tenant(request: Request[object, object, State], state: State) -> TenantRef:
    """The addressed tenant, looked up on a connection given back before the tenant's work starts,
    so that a request never holds two connections of the pool at once."""
    async with hub_sessions(state.engine)() as session:
        tenant = await resolve_tenant(
            session, slug=request.path_params.get("slug"), host=request.headers.get("host", "")
        )
    note_tenant(request.scope, tenant.slug)
    if not tenant.is_active:
        raise TenantSuspended(f"LPSE {tenant.name} is suspended: {tenant.status_reason}")
    return tenant


async def provide_tenant_session(
    state: State, tenant: NamedDependency[TenantRef]
) -> AsyncIterator[AsyncSession]:
    async with tenant_session(state.engine, tenant.schema) as session:
        yield session
