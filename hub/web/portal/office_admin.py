"""What the tenant admin's page (``/kantor/{slug}/admin``) reads: the tenant's agencies, its
officials and their roles, its procurement rules, who holds the keys of new tenders with the
recovery key's status, and the member keys its committee and procurement officers registered.

Reads only: every change goes through the API's services (``add_agency``, ``set_objection_limits``,
``set_key_custody``), called by the controller with the admin as the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import Account, Membership, Role
from tenants.agencies import list_agencies
from tenants.agencies.models import Agency
from tenants.tenders.custody import member_keys
from tenants.tenders.custody.rules import CustodyRules, custody_rules
from tenants.tenders.procurement_rules import ObjectionLimits, objection_limits


@dataclass(frozen=True, slots=True)
class Official:
    """A person holding roles in the tenant."""

    account_id: int
    email: str
    name: str
    roles: list[Role]


@dataclass(frozen=True, slots=True)
class MemberKeyRow:
    """A member key as the page lists it: whose, its fingerprint, when registered, revoked or not."""

    email: str
    fingerprint: str
    registered_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class TenantAdministration:
    agencies: list[Agency]
    officials: list[Official]
    limits: ObjectionLimits
    custody: CustodyRules
    keys: list[MemberKeyRow]


async def officials_of(session: AsyncSession, tenant_id: int) -> list[Official]:
    """Everyone holding a role in the tenant, by email, with their roles there (``session``: the hub's)."""
    rows = await session.execute(
        select(Account.id, Account.email, Account.name, Membership.role)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.tenant_id == tenant_id)
        .order_by(Account.email, Membership.role)
    )
    people: dict[int, Official] = {}
    for account_id, email, name, role in rows.all():
        people.setdefault(account_id, Official(account_id, email, name, [])).roles.append(Role(role))
    return list(people.values())


async def emails_of(session: AsyncSession, account_ids: set[int]) -> dict[int, str]:
    if not account_ids:
        return {}
    rows = await session.execute(select(Account.id, Account.email).where(Account.id.in_(account_ids)))
    return {account_id: email for account_id, email in rows.all()}


async def administration(hub: AsyncSession, tenant: AsyncSession, tenant_id: int) -> TenantAdministration:
    """All the page shows, read from the hub's session and the tenant's."""
    keys = await member_keys(tenant)
    emails = await emails_of(hub, {key.account_id for key in keys})
    return TenantAdministration(
        agencies=await list_agencies(tenant),
        officials=await officials_of(hub, tenant_id),
        limits=await objection_limits(tenant),
        custody=await custody_rules(tenant),
        keys=[
            MemberKeyRow(
                emails.get(k.account_id, str(k.account_id)), k.fingerprint, k.registered_at, k.revoked_at
            )
            for k in keys
        ],
    )
