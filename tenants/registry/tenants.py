"""Provisioning and life cycle of tenants.

A tenant is created in one transaction: its registry row, its host names, its schema at the
head of the tenant migrations (replayed from their recorded statements, as
``hub.core.migrations.schema_script`` explains), the serving role's grants on it
(``hub.core.migrations.privileges``) and, on a Citus coordinator, the schema's distribution.
PostgreSQL's DDL is transactional, so a failure at any point leaves neither schema nor row. The
functions take a session inside a transaction the caller owns and commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.schema import DropSchema

from hub.core.database import schema_of
from hub.core.errors import Conflict, InvalidInput, TenantNotFound
from hub.core.migrations import create_tenant_schema
from tenants.regions import Region, RegionKind, find_region
from tenants.registry.citus import CitusDetector, citus_installed, distribute_if_citus
from tenants.registry.models import TIMEZONES, Tenant, TenantHost, TenantStatus

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,61}[a-z0-9]$")
HOST_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True, slots=True)
class TenantSpec:
    """What an operator asks for; what is left out is taken from the regions table."""

    slug: str
    code: str
    name: str | None = None
    kind: str | None = None
    timezone: str | None = None
    hosts: tuple[str, ...] = field(default=())


def _region(code: str) -> Region:
    region = find_region(code)
    if region is None:
        raise InvalidInput(
            f"code {code!r} is not a province, regency or city in the regions table", field="code"
        )
    return region


def spec_of_region(code: str) -> TenantSpec:
    """What to ask for a tenant of the region ``code``, everything else from the regions table
    (as ``lpse-hub tenant provision-province`` asks for each); ``InvalidInput`` for an unknown code."""
    return TenantSpec(slug=_region(code).slug, code=code)


def resolve_spec(spec: TenantSpec) -> Tenant:
    """Check ``spec`` against the rules and the regions table; return the unsaved tenant."""
    if not SLUG_PATTERN.match(spec.slug):
        raise InvalidInput(
            f"invalid slug {spec.slug!r}: use 2-63 lowercase letters, digits and hyphens, "
            "starting with a letter",
            field="slug",
        )
    region = _region(spec.code)
    kind = spec.kind or region.kind.value
    if kind not in {k.value for k in RegionKind}:
        raise InvalidInput(f"unknown kind {kind!r}: use province, regency or city", field="kind")
    if kind != region.kind.value:
        raise InvalidInput(f"code {spec.code} is a {region.kind.value}, not a {kind}", field="kind")
    timezone = spec.timezone or region.timezone
    if timezone not in TIMEZONES:
        raise InvalidInput(
            f"unknown time zone {timezone!r}: use one of {', '.join(TIMEZONES)}", field="timezone"
        )
    name = (spec.name if spec.name is not None else region.name).strip()
    if not name or len(name) > 200:
        raise InvalidInput("name must be 1 to 200 characters", field="name")
    hosts = sorted({h.strip().lower().rstrip(".") for h in spec.hosts})
    for host in hosts:
        if not HOST_PATTERN.match(host):
            raise InvalidInput(f"invalid host name {host!r}", field="host")
    tenant = Tenant(
        slug=spec.slug,
        code=spec.code,
        name=name,
        kind=kind,
        province_code=region.province_code,
        timezone=timezone,
        status=TenantStatus.ACTIVE.value,
    )
    tenant.hosts = [TenantHost(host=h) for h in hosts]
    return tenant


async def create_tenant(
    session: AsyncSession,
    spec: TenantSpec,
    *,
    serving_role: str | None = None,
    citus: CitusDetector = citus_installed,
) -> Tenant:
    """Register a tenant and build its schema, in the caller's transaction, granting
    ``serving_role`` (``Settings.serving_role``) what serving needs on it; on a Citus coordinator
    the schema is distributed in that same transaction (``tenants.registry.citus``)."""
    tenant = resolve_spec(spec)
    await _refuse_duplicates(session, tenant)
    session.add(tenant)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent creation won the race
        raise Conflict(f"tenant {spec.slug!r} or its code or a host name exists already") from exc
    connection = await session.connection()
    await create_tenant_schema(connection, tenant.schema, serving_role=serving_role)
    await distribute_if_citus(connection, tenant.schema, detect=citus)
    return tenant  # complete without a refresh: the INSERT returned its defaults (``eager_defaults``)


async def _refuse_duplicates(session: AsyncSession, tenant: Tenant) -> None:
    existing = (
        await session.execute(
            select(Tenant.slug, Tenant.code).where(
                or_(Tenant.slug == tenant.slug, Tenant.code == tenant.code)
            )
        )
    ).first()
    if existing is not None:
        if existing.slug == tenant.slug:
            raise Conflict(f"a tenant with slug {tenant.slug!r} exists already", field="slug")
        raise Conflict(f"tenant {existing.slug!r} has code {tenant.code} already", field="code")
    hosts = [h.host for h in tenant.hosts]
    if hosts:
        taken = (await session.execute(select(TenantHost.host).where(TenantHost.host.in_(hosts)))).scalars()
        if first := next(iter(taken), None):
            raise Conflict(f"host {first!r} belongs to another tenant already", field="host")


async def get_tenant(session: AsyncSession, slug: str) -> Tenant:
    tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()
    if tenant is None:
        raise TenantNotFound(f"no tenant {slug!r}")
    return tenant


def bare_host(host: str) -> str:
    return host.lower().split(":", 1)[0].rstrip(".")


@dataclass(frozen=True, slots=True)
class TenantRef:
    """What a request needs of the tenant it addresses: read in one query, immutable after."""

    id: int
    slug: str
    code: str
    name: str
    timezone: str
    status: str
    status_reason: str | None

    @property
    def schema(self) -> str:
        return schema_of(self.code)

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE


REF_COLUMNS = (
    Tenant.id,
    Tenant.slug,
    Tenant.code,
    Tenant.name,
    Tenant.timezone,
    Tenant.status,
    Tenant.status_reason,
)


async def resolve_tenant(
    session: AsyncSession, *, slug: str | None = None, host: str | None = None
) -> TenantRef:
    """The tenant named by ``slug``, or else the one serving ``host``; ``TenantNotFound`` if none."""
    query = select(*REF_COLUMNS)
    if slug is not None:
        query = query.where(Tenant.slug == slug)
        missing = f"no tenant {slug!r}"
    else:
        query = query.join(TenantHost).where(TenantHost.host == bare_host(host or ""))
        missing = f"no tenant serves host {host!r}; use /t/{{slug}}/... on this host"
    row = (await session.execute(query)).first()
    if row is None:
        raise TenantNotFound(missing)
    return TenantRef(*row)


async def list_tenants(
    session: AsyncSession, *, status: TenantStatus | None = None, province_code: str | None = None
) -> list[Tenant]:
    query = select(Tenant).order_by(Tenant.code)
    if status is not None:
        query = query.where(Tenant.status == status.value)
    if province_code is not None:
        query = query.where(Tenant.province_code == province_code)
    return list((await session.execute(query)).scalars())


async def tenant_refs(session: AsyncSession, *, status: TenantStatus | None = None) -> list[TenantRef]:
    """Every tenant (of ``status``) as a ``TenantRef``, by code: one light query, no host names (the
    portal's pages read this on every request; ``list_tenants`` loads whole rows and their hosts)."""
    query = select(*REF_COLUMNS).order_by(Tenant.code)
    if status is not None:
        query = query.where(Tenant.status == status.value)
    return [TenantRef(*row) for row in (await session.execute(query)).all()]


async def suspend_tenant(session: AsyncSession, slug: str, reason: str) -> Tenant:
    """Stop a tenant from serving (it answers 503); its data stays."""
    if not reason.strip():
        raise InvalidInput("a suspension needs a reason", field="reason")
    tenant = await get_tenant(session, slug)
    if tenant.status == TenantStatus.SUSPENDED:
        raise Conflict(f"tenant {slug!r} is suspended already ({tenant.status_reason})")
    tenant.status, tenant.status_reason = TenantStatus.SUSPENDED.value, reason.strip()
    await session.flush()
    await session.refresh(tenant)
    return tenant


async def resume_tenant(session: AsyncSession, slug: str) -> Tenant:
    tenant = await get_tenant(session, slug)
    if tenant.status == TenantStatus.ACTIVE:
        raise Conflict(f"tenant {slug!r} is active already")
    tenant.status, tenant.status_reason = TenantStatus.ACTIVE.value, None
    await session.flush()
    await session.refresh(tenant)
    return tenant


async def delete_tenant(session: AsyncSession, slug: str) -> Tenant:
    """Remove a tenant's schema (with all its data) and its registry row, together."""
    tenant = await get_tenant(session, slug)
    connection = await session.connection()
    await connection.execute(DropSchema(tenant.schema, cascade=True, if_exists=True))
    await session.execute(delete(Tenant).where(Tenant.id == tenant.id))
    return tenant
