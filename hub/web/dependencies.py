"""Request-scoped dependencies: the tenant the request addresses, its session and transaction, who acts.

A tenant is addressed by the ``/t/{slug}`` prefix, or, on routes without it, by the request's
host name. The tenant comes from the app's ``TenantDirectory``: the registry held in memory while it
is known current (every change is notified to every worker of every replica), read from the database
otherwise, so a suspension takes effect on every replica within a notification's delivery, at worst
the directory's lease (``tenants.registry.directory``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from federation.identity.actor import Acting, Actor, ClientActor
from federation.identity.caller import Caller
from federation.identity.policy import Action, role_for
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Forbidden, TenantSuspended
from hub.web.auth import authorize
from monitoring.metrics import note_tenant
from tenants.registry import TenantRef
from tenants.registry.directory import TenantDirectory


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    engine: AsyncEngine = state.engine
    async with hub_sessions(engine)() as session:
        yield session


async def provide_tenant(request: Request[object, object, State], state: State) -> TenantRef:
    """The addressed tenant, from the directory's copy or, when it has none it trusts, looked up on a
    connection given back before the tenant's work starts, so that a request never holds two
    connections of the pool at once."""
    directory: TenantDirectory = state.tenant_directory
    tenant = await directory.resolve(
        slug=request.path_params.get("slug"), host=request.headers.get("host", "")
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


async def provide_transaction(
    state: State, tenant: NamedDependency[TenantRef]
) -> AsyncIterator[AsyncSession]:
    """A tenant session inside one transaction: committed when the handler has returned and its
    response is built, rolled back when anything raised. A route that changes something takes this
    in place of ``tenant_session`` and never opens a transaction itself.

    It opens its own session rather than wrapping ``tenant_session``: Litestar ends a request's
    dependencies concurrently, and a session closed while its commit is under way fails."""
    async with tenant_session(state.engine, tenant.schema) as session, session.begin():
        yield session


async def provide_hub_transaction(state: State) -> AsyncIterator[AsyncSession]:
    """As ``provide_transaction``, for routes that change the ``hub`` schema (vendors, accounts)."""
    async with hub_sessions(state.engine)() as session, session.begin():
        yield session


async def provide_actor(
    request: Request[object, object, State],
    caller: NamedDependency[Caller],
    tenant: NamedDependency[TenantRef],
) -> Actor:
    """The person acting in the addressed tenant, with the roles read along with the token. A route
    guarded by ``requires`` takes it, so the person's role for the route's action is checked here,
    before any of the tenant's data is read: someone without a role learns nothing, not even whether
    the tender exists. The service checks again (from the same roles, no query)."""
    if caller.account_id is None:
        raise Forbidden("this needs a person's token, not a machine client's")
    # Roles not read (no memberships on the caller) count as none held: the check fails closed.
    actor = Actor(caller.account_id, tenant, caller.roles_in(tenant.id) or frozenset())
    action = request.route_handler.opt.get("action")
    if isinstance(action, Action):
        role_for(action, actor.held_roles or frozenset())
    return actor


async def provide_acting(
    request: Request[object, object, State],
    caller: NamedDependency[Caller],
    tenant: NamedDependency[TenantRef],
) -> Acting:
    """Whoever acts in the addressed tenant on a route whose action machines may take too
    (``Rule.machines``): the person (``provide_actor``'s checks), or the machine client whose token
    was issued for this tenant (``Caller.tenant_id``). A machine token of another tenant, or of none,
    is refused (403) before anything of the tenant is read: a regency's e-monev writes in its own."""
    if caller.account_id is not None:
        return await provide_actor(request, caller, tenant)
    if caller.tenant_id != tenant.id:
        raise Forbidden("this client was registered for another tenant, or for none: it cannot act here")
    return ClientActor(caller.client_id, tenant)


def permits(caller: Caller | None, tenant: TenantRef, action: Action) -> bool:
    """Whether ``caller`` (``None``: the public) may take ``action`` in ``tenant``, by the token's
    scope and the roles read with it: for a public route that shows officials more."""
    if caller is None or caller.account_id is None:
        return False
    try:
        authorize(caller, action)
        role_for(action, caller.roles_in(tenant.id) or frozenset())
    except Forbidden:
        return False
    return True


async def provide_official(
    optional_caller: NamedDependency[Caller | None], tenant: NamedDependency[TenantRef]
) -> bool:
    """Whether the caller sees what only the tenant's officials see (drafts, evaluations before they
    are published): ``Action.OFFICIAL_READ``."""
    return permits(optional_caller, tenant, Action.OFFICIAL_READ)
