"""Accounts and their memberships. Functions take a hub session inside the caller's transaction."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.models import Account, AccountStatus, Membership, Role
from federation.identity.passwords import hash_password
from hub.core.errors import Conflict, InvalidInput, NotFound
from tenants.registry import get_tenant

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


def normalise_email(email: str) -> str:
    email = email.strip()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise InvalidInput(f"invalid email address {email!r}", field="email")
    return email


async def create_account(
    session: AsyncSession,
    email: str,
    name: str,
    password: str | None,
    *,
    email_verified: bool = False,
    vendor_id: int | None = None,
) -> Account:
    email = normalise_email(email)
    if not name.strip():
        raise InvalidInput("an account needs a name", field="name")
    if await find_account(session, email) is not None:
        raise Conflict(f"an account with email {email!r} exists already", field="email")
    account = Account(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password) if password is not None else None,
        email_verified=email_verified,
        status=AccountStatus.ACTIVE.value,
        vendor_id=vendor_id,
    )
    session.add(account)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"an account with email {email!r} exists already", field="email") from exc
    await session.refresh(account)
    return account


async def find_account(session: AsyncSession, email: str) -> Account | None:
    query = select(Account).where(func.lower(Account.email) == email.strip().lower())
    return (await session.execute(query)).scalar_one_or_none()


async def get_account(session: AsyncSession, email: str) -> Account:
    account = await find_account(session, email)
    if account is None:
        raise NotFound(f"no account {email!r}")
    return account


def parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {role!r}: use one of {names}", field="role") from None


async def _membership_target(session: AsyncSession, role: Role, tenant_slug: str | None) -> int | None:
    if role.is_hub_role:
        if tenant_slug is not None:
            raise InvalidInput(f"{role.value} is a hub role: grant it without --tenant", field="tenant")
        return None
    if tenant_slug is None:
        raise InvalidInput(f"{role.value} is held in one tenant: name it with --tenant", field="tenant")
    return (await get_tenant(session, tenant_slug)).id


def _membership(account_id: int, tenant_id: int | None, role: Role) -> list[ColumnElement[bool]]:
    """The conditions naming one membership; a hub role's tenant is NULL."""
    tenant = Membership.tenant_id.is_(None) if tenant_id is None else Membership.tenant_id == tenant_id
    return [Membership.account_id == account_id, tenant, Membership.role == role.value]


async def grant_role(
    session: AsyncSession, email: str, role: str, tenant_slug: str | None, *, granted_by: int | None = None
) -> Membership:
    parsed = parse_role(role)
    account = await get_account(session, email)
    tenant_id = await _membership_target(session, parsed, tenant_slug)
    existing = await session.scalar(select(Membership).where(*_membership(account.id, tenant_id, parsed)))
    if existing is not None:
        raise Conflict(f"{email} holds {parsed.value} there already")
    membership = Membership(
        account_id=account.id, tenant_id=tenant_id, role=parsed.value, granted_by=granted_by
    )
    session.add(membership)
    await session.flush()
    return membership


async def revoke_role(session: AsyncSession, email: str, role: str, tenant_slug: str | None) -> None:
    parsed = parse_role(role)
    account = await get_account(session, email)
    tenant_id = await _membership_target(session, parsed, tenant_slug)
    result = await session.execute(delete(Membership).where(*_membership(account.id, tenant_id, parsed)))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"{email} does not hold {parsed.value} there")


async def roles_in(session: AsyncSession, account_id: int, tenant_id: int | None) -> set[Role]:
    """The roles an account holds in a tenant, hub-wide roles included."""
    query = select(Membership.role).where(
        Membership.account_id == account_id,
        (Membership.tenant_id.is_(None)) | (Membership.tenant_id == tenant_id),
    )
    return {Role(r) for r in (await session.execute(query)).scalars()}
