"""What the officials' office (``/kantor``) shows before any one task: where an official holds roles,
which of the office's sections those roles open, and the tenders of one LPSE in progress.

An official's roles are memberships: in one tenant (a regency's committee member, its commitment
officer) or hub-wide (the province's bureau, its auditors), read afresh on every request, so a role
revoked takes effect on the next page. Which sections a role opens is the policy table's answer
(``federation.identity.policy``): a section names the action its pages take, and is shown to whoever
may take it, exactly as the API would let them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import Membership, Role
from federation.identity.policy import Action, role_for
from hub.core.errors import Forbidden
from tenants.agencies.models import Agency
from tenants.registry.models import Tenant, TenantStatus
from tenants.tenders.models import Package, Tender
from tenants.vocabulary import CLOSED


@dataclass(frozen=True, slots=True)
class Section:
    """One part of a tenant's office: its path under ``/kantor/{slug}/``, its menu text's key, and the
    action whose permission opens it."""

    path: str
    text: str
    action: Action


SECTIONS: tuple[Section, ...] = (
    Section("paket", "office.section.packages", Action.PACKAGE_CREATE),
    Section("tender", "office.section.tenders", Action.TENDER_PREPARE),
    Section("langsung", "office.section.direct", Action.DIRECT_INVITE),
    Section("admin", "office.section.admin", Action.AGENCY_ADD),
    Section("audit", "office.section.audit", Action.AUDIT_READ),
)
"""The office's sections, in the menu's order. A section is listed once its pages exist."""


def permitted(action: Action, roles: Collection[Role]) -> bool:
    """Whether ``roles`` (held in one tenant, hub-wide ones included) may take ``action``."""
    try:
        role_for(action, roles)
    except Forbidden:
        return False
    return True


def sections_for(roles: Collection[Role], sections: Sequence[Section] = SECTIONS) -> list[Section]:
    return [s for s in sections if permitted(s.action, roles)]


@dataclass(frozen=True, slots=True)
class Seat:
    """An official's place in one LPSE: the tenant and the roles held there (hub-wide ones too)."""

    tenant: Tenant
    roles: frozenset[Role]

    @property
    def sections(self) -> list[Section]:
        return sections_for(self.roles)


@dataclass(frozen=True, slots=True)
class Seats:
    """Every LPSE where an account holds a role, and its hub-wide roles."""

    tenants: list[Seat]
    hub_roles: frozenset[Role]

    @property
    def any(self) -> bool:
        return bool(self.tenants or self.hub_roles)


async def seats_of(session: AsyncSession, account_id: int) -> Seats:
    """Where the account holds roles. A hub-wide role holds in every active tenant, so its holder is
    seated in each of them (the province's bureau opens any regency's office)."""
    rows = (
        await session.execute(
            select(Membership.tenant_id, Membership.role).where(Membership.account_id == account_id)
        )
    ).all()
    hub_roles = frozenset(Role(role) for tenant_id, role in rows if tenant_id is None)
    by_tenant: dict[int, set[Role]] = {}
    for tenant_id, role in rows:
        if tenant_id is not None:
            by_tenant.setdefault(tenant_id, set()).add(Role(role))
    query = select(Tenant).where(Tenant.status == TenantStatus.ACTIVE.value).order_by(Tenant.name)
    if not hub_roles:
        query = query.where(Tenant.id.in_(by_tenant))
    tenants = list((await session.execute(query)).scalars()) if hub_roles or by_tenant else []
    seats = [Seat(t, frozenset(by_tenant.get(t.id, ())) | hub_roles) for t in tenants]
    return Seats([s for s in seats if s.roles], hub_roles)


@dataclass(frozen=True, slots=True)
class TenderRow:
    """A tender as the office lists it."""

    id: int
    title: str
    agency: str
    method: str
    status: str
    owner_estimate: int
    round: int


IN_PROGRESS_LIMIT = 100


async def tenders_in_progress(session: AsyncSession, limit: int = IN_PROGRESS_LIMIT) -> list[TenderRow]:
    """The tenant's tenders, newest first (``session`` is the tenant's): drafts and running ones
    first, then closed ones."""
    query = (
        select(
            Tender.id,
            Package.title,
            Agency.name,
            Package.method,
            Tender.status,
            Package.owner_estimate,
            Tender.round,
        )
        .join(Package, Package.id == Tender.package_id)
        .join(Agency, Agency.id == Package.agency_id)
        .order_by(Tender.status.in_([s.value for s in CLOSED]), Tender.id.desc())
        .limit(limit)
    )
    return [TenderRow(*row) for row in (await session.execute(query)).all()]
